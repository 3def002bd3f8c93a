import assert from 'node:assert/strict';
import { diagnoseText } from '../../../src/core/diagnosis/logDiagnoser';
import type { LogFinding } from '../../../src/core/diagnosis/types';

/**
 * One family at a time: the same failure in the words of several runtimes and log formats, each line verbatim from
 * the public source named beside it (most also in test/fixtures/corpus). What is checked is the category and what a
 * correct answer extracts by role.
 */

function one(line: string): LogFinding {
  const findings = diagnoseText(line, { year: 2024 }).findings;
  assert.equal(findings.length, 1, `expected one finding, got ${JSON.stringify(findings.map((f) => f.rule))} for ${line.slice(0, 120)}`);
  return findings[0];
}

function none(line: string): void {
  assert.deepEqual(diagnoseText(line, { year: 2024 }).findings.map((f) => f.rule), [], line.slice(0, 160));
}

describe('family: runtime-unresponsive (list/status calls that time out)', () => {
  it('names the CRI method whether stated or implied', () => {
    const cases: [string, string, string][] = [
      // https://github.com/k3s-io/k3s/issues/2370
      ['Oct  8 16:39:44 worker9 k3s[1636]: E1008 16:37:11.530216    1636 generic.go:205] GenericPLEG: Unable to retrieve pods: rpc error: code = DeadlineExceeded desc = context deadline exceeded', 'ListPodSandbox', 'k3s'],
      // https://github.com/k3s-io/k3s/issues/497
      ['May 27 17:02:51 k3s-node02.lab k3s[6528]: E0527 17:02:51.361371    6528 kubelet.go:1222] Container garbage collection failed: rpc error: code = DeadlineExceeded desc = context deadline exceeded', 'ListContainers', 'k3s'],
      // https://github.com/cri-o/cri-o/pull/189 (old numeric gRPC code: 4 is DeadlineExceeded)
      ['E0112 17:30:23.321132   17460 remote_image.go:58] ListImages with filter "<nil>" from image service failed: rpc error: code = 4 desc = context deadline exceeded', 'ListImages', 'CRI-O'],
      // https://github.com/containerd/cri/issues/1014
      ['Jan 02 06:49:56 node1 kubelet[250135]: E0102 06:32:23.862407  250135 remote_runtime.go:434] Status from runtime service failed: rpc error: code = DeadlineExceeded desc = context deadline exceeded', 'Status', 'containerd'],
    ];
    for (const [line, method] of cases) {
      const f = one(line);
      assert.equal(f.category, 'runtime-unresponsive', line);
      assert.equal(f.method, method, line);
      assert.equal(f.code, 'DeadlineExceeded', line);
    }
  });

  it('keeps the object of a status call (PodSandboxStatus, pod="ns/name")', () => {
    // https://github.com/containerd/containerd/issues/7790
    const f = one('E1126 17:29:38.193412    2098 kuberuntime_manager.go:1003] "PodSandboxStatus of sandbox for pod" err="rpc error: code = DeadlineExceeded desc = context deadline exceeded" podSandboxID="30d52e4fb7a0ec8f5e96bb888c5ae9119999830e85c114ca5999394f4fc7c112" pod="cattle-system/cattle-cluster-agent-8454887c89-6b5hb"');
    assert.equal(f.category, 'runtime-unresponsive');
    assert.equal(f.sandboxId, '30d52e4fb7a0ec8f5e96bb888c5ae9119999830e85c114ca5999394f4fc7c112');
    assert.deepEqual([f.podNamespace, f.podName], ['cattle-system', 'cattle-cluster-agent-8454887c89-6b5hb']);
  });
});

describe('family: container-stop-timeout', () => {
  it('recognises StopContainer, KillContainerError and dockershim\'s termination wording', () => {
    // https://github.com/awslabs/amazon-eks-ami/issues/2069
    const eks = one('Nov 20 06:50:36 ip-10-130-21-94.ap-northeast-2.compute.internal kubelet[3828]: E1120 06:50:36.124178    3828 remote_runtime.go:366] "StopContainer from runtime service failed" err="rpc error: code = DeadlineExceeded desc = context deadline exceeded" containerID="60d9681fc1f51cca1dd96c6694b145587c0a0ebd1faea39eed9eb209634bba9e"');
    assert.equal(eks.category, 'container-stop-timeout');
    assert.equal(eks.containerId, '60d9681fc1f51cca1dd96c6694b145587c0a0ebd1faea39eed9eb209634bba9e');
    // https://github.com/k3s-io/k3s/issues/2370
    assert.equal(one('Oct  8 16:43:11 worker9 k3s[1636]: E1008 16:43:11.974222    1636 kubelet.go:1576] error killing pod: failed to "KillContainer" for "lil-upload" with KillContainerError: "rpc error: code = DeadlineExceeded desc = context deadline exceeded"').category, 'container-stop-timeout');
    // https://github.com/kubernetes/kubernetes/issues/31219
    const docker = one('Aug 23 07:20:47 docker_manager.go:1367] Container "497c5cdb46d919092f99359f6761d06c00db40439a51f4609dbc2d2174f56a50 test-termination default/test-termination-1781375857-hj5z2" termination failed after 2m0.000209508s: operation timeout: context deadline exceeded');
    assert.equal(docker.category, 'container-stop-timeout');
    assert.equal(docker.containerId, '497c5cdb46d919092f99359f6761d06c00db40439a51f4609dbc2d2174f56a50');
  });

  it('does not take the grace period a stop asks for as a timeout', () => {
    // https://github.com/cri-o/cri-o/issues/7053 and https://github.com/containerd/cri/issues/1098
    none('Jun 14 23:50:37 appserv51 crio[3673640]: time="2023-06-14 23:50:37.383837278-07:00" level=info msg="Stopping container: 4bbbc006f606958022cb32f65bdbd0b64159e1247142d34ee43b395cad213207 (timeout: 30s)" id=b50aed30-a7c2-4efb-83dc-3c5667da2c74 name=/runtime.v1.RuntimeService/StopContainer');
    none('containerd[951]: time="2019-03-25T12:05:25Z" level=info msg="StopContainer for "2d533fb60ec326c7b46c76c9b11c1c9e09fe694f59a3bc5baa8f46e114749ab4" with timeout 3600 (s)"');
  });
});

describe('family: runtime-call-failed (an error chain no specific rule claims)', () => {
  it('keeps the operation, the code and the deepest cause', () => {
    // https://github.com/okd-project/okd/issues/271
    const f = one('  Warning  FailedCreatePodSandBox  8h (x71 over 8h)        kubelet, worker-03.devqs.ars.de  Failed to create pod sandbox: rpc error: code = Unknown desc = error creating pod sandbox with name "k8s_grafana-ff56fd59c-z7hdx_openshift-monitoring_23d28aab-1226-481f-aa3e-b58605370a66_0": layer not known');
    assert.equal(f.category, 'runtime-call-failed');
    assert.equal(f.method, 'RunPodSandbox');
    assert.equal(f.code, 'Unknown');
    assert.match(f.cause ?? '', /layer not known/);
    assert.equal(f.count, 71);
  });

  it('names the call kubelet\'s "with XError" names, not the first word of the line', () => {
    // https://github.com/rancher/rancher/issues/21178
    const exec = one('E0626 14:30:57.226090    5711 remote_runtime.go:336] ExecSync 6606f5b9d718f93c8b604301ecbe943bfb3732af0edc372eec377cb90654605d \'mongo --eval db.adminCommand(\'ping\')\' from runtime service failed: rpc error: code = DeadlineExceeded desc = context deadline exceeded');
    assert.deepEqual([exec.category, exec.method, exec.containerId], ['runtime-call-failed', 'ExecSync', '6606f5b9d718f93c8b604301ecbe943bfb3732af0edc372eec377cb90654605d']);
    // https://github.com/kubernetes/kubernetes/issues/42164 (kubectl get events row)
    const start = one('gitlab    2017-03-09 18:45:36 +0100 CET   2017-03-09 18:45:36 +0100 CET   1         runner-33463c05-project-250-concurrent-0jn5pd   Pod                                 Warning   FailedSync   {kubelet gke-spark-op-services-gitlab-ci-0dcd135c-6s1d}   Error syncing pod, skipping: failed to "StartContainer" for "svc-0" with RunContainerError: "runContainer: operation timeout: context deadline exceeded"');
    assert.deepEqual([start.category, start.method], ['runtime-call-failed', 'StartContainer']);
  });

  it('ignores a crash loop\'s back-off and a probe racing an exited container', () => {
    // https://github.com/puppetlabs/puppetlabs-kubernetes/issues/97
    none('May 04 23:13:29 k8s-ctl-01.poc.local kubelet[2443]: E0504 23:13:29.102847    2443 pod_workers.go:186] Error syncing pod 9ccfe86965777524b41c676db8481c4b ("etcd-k8s-ctl-01.poc.local_kube-system(9ccfe86965777524b41c676db8481c4b)"), skipping: failed to "StartContainer" for "etcd" with CrashLoopBackOff: "Back-off 5m0s restarting failed container=etcd pod=etcd-k8s-ctl-01.poc.local_kube-system(9ccfe86965777524b41c676db8481c4b)"');
  });
});

describe('family: name-reserved in every runtime\'s words', () => {
  it('reads containerd\'s holder, Docker/isulad\'s conflict and a journald-truncated line', () => {
    // https://github.com/containerd/containerd/issues/9545: the holder is a container; the sandbox it lives in is named too
    const containerd = one('Dec 14 17:08:47 kiv-cp-v48fw kubelet[5021]: E1214 17:08:47.303868    5021 remote_runtime.go:319] "CreateContainer in sandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to reserve container name \\"kube-apiserver_kube-apiserver-kiv-cp-v48fw_kube-system_37b2b42d18b011bd117353a3847450aa_1\\": name \\"kube-apiserver_kube-apiserver-kiv-cp-v48fw_kube-system_37b2b42d18b011bd117353a3847450aa_1\\" is reserved for \\"7c54f31e3fc8b87a115f11a214efe060c94e93ae822c9819a472bfb382c2839c\\"" podSandboxID="f5de5d066682354fa0679cc95a39a5285657f0eb43237f26194426d8fad3636d"');
    assert.deepEqual([containerd.category, containerd.containerId, containerd.sandboxId], ['name-reserved', '7c54f31e3fc8b87a115f11a214efe060c94e93ae822c9819a472bfb382c2839c', 'f5de5d066682354fa0679cc95a39a5285657f0eb43237f26194426d8fad3636d']);
    // https://github.com/kubernetes/kubernetes/issues/126514
    const isulad = one('Aug 02 10:01:03 openEuler kubelet[1024]: E0802 10:01:03.693078    1024 remote_runtime.go:193] "RunPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = Conflict. The name \\"k8s_POD_etcd-openeuler_kube-system_ae0fcba533f9b951c6983487becf13f9_0\\" is already in use by sandbox 30ed179087f03d03fef197363103427e48242829f815488bb774313db02c41a4. You have to remove that sandbox to be able to reuse that name."');
    assert.deepEqual([isulad.category, isulad.sandboxId, isulad.method], ['name-reserved', '30ed179087f03d03fef197363103427e48242829f815488bb774313db02c41a4', 'RunPodSandbox']);
    // https://github.com/containerd/containerd/issues/12438 (cut by journald: no holder ID, and none invented)
    const cut = one('9 09:58:07 node kubelet[5738]: E1029 09:58:07.693205    5738 remote_runtime.go:193] "RunPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to reserve sandbox name \\"metricbeat-collector-2qr2j_monitoring-tenant_5dfb5e21-176d-4a54-8248-7fad9fc7d81e_0\\": >');
    assert.deepEqual([cut.category, cut.sandboxId, cut.podUid], ['name-reserved', undefined, '5dfb5e21-176d-4a54-8248-7fad9fc7d81e']);
  });
});

describe('family: CNI teardown and setup by the network in the operation\'s context', () => {
  it('takes the network name, not the plugin type, from dockershim\'s "from network type/name"', () => {
    const f = one('E0101 00:00:00.000000 1 cni.go:280] Error deleting kube-system_coredns-1/055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708 from network multus/multus-cni-network: Multus: error in invoke Delegate del - "flannel": failed to find plugin "flannel" in path [/opt/cni/bin]');
    assert.deepEqual([f.category, f.network, f.pluginType, f.sandboxId], ['cni-teardown-failed', 'multus-cni-network', 'multus', '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708']);
  });

  it('leaves a plugin\'s own API timeout inside a teardown to the teardown, not to a sandbox stop timeout', () => {
    // https://github.com/cisco-open/martian-bank-demo/issues/50
    const f = one('Warning FailedKillPod 2m21s (x1968 over 17h) kubelet error killing pod: failed to "KillPodSandbox" for "a33e88fb-a2a9-4dbb-9996-466ca7ca5bd9" with KillPodSandboxError: "rpc error: code = Unknown desc = networkPlugin cni failed to teardown pod \\" nginx-5f47c5c8f4-hvctg_default\\" network: error getting ClusterInformation: Get \\"https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default\\": dial tcp 10.96.0.1:443: i/o timeout"');
    assert.deepEqual([f.category, f.podUid, f.count], ['cni-teardown-failed', 'a33e88fb-a2a9-4dbb-9996-466ca7ca5bd9', 1968]);
  });

  it('treats an empty plugin cache read on DEL (flannel) as a corrupt cache', () => {
    // https://github.com/flannel-io/flannel/issues/1662
    const f = one('Unknown desc = failed to destroy network for sandbox \\"ff252b2872f45846e140c96bb096d5a23100dcd13bd25cecbf858655b336093e\\": plugin type=\\"flannel\\" failed (delete): failed to parse netconf: unexpected end of JSON input');
    assert.deepEqual([f.category, f.sandboxId, f.path], ['cni-cache-corrupt', 'ff252b2872f45846e140c96bb096d5a23100dcd13bd25cecbf858655b336093e', '/var/lib/cni/flannel/ff252b2872f45846e140c96bb096d5a23100dcd13bd25cecbf858655b336093e']);
  });
});

describe('family: cri-message-too-large whatever the operation\'s words', () => {
  it('implies the method from GenericPLEG, ContainerGCFailed rows and "Failed to list pod sandboxes"', () => {
    const cases: [string, string][] = [
      ['E0101 00:00:00.000000 1 generic.go:205] GenericPLEG: Unable to retrieve pods: rpc error: code = ResourceExhausted desc = grpc: received message larger than max (16777300 vs. 16777216)', 'ListPodSandbox'],
      ['  Warning  ContainerGCFailed  3m (x9 over 12m)  kubelet  rpc error: code = ResourceExhausted desc = grpc: trying to send message larger than max (16781473 vs. 16777216)', 'ListContainers'],
      ['E0101 00:00:00.000000 1 kubelet.go:1] "Failed to list pod sandboxes" err="rpc error: code = ResourceExhausted desc = grpc: received message larger than max (4194393 vs. 4194304)"', 'ListPodSandbox'],
    ];
    for (const [line, method] of cases) {
      const f = one(line);
      assert.deepEqual([f.category, f.method], ['cri-message-too-large', method], line);
      assert.ok((f.size ?? 0) > (f.limit ?? Infinity));
    }
  });
});

describe('version notes from the runtime version the log announces', () => {
  it('marks the containerd >= 2.0 note as applying when kubelet logged containerd 2.0.3', () => {
    const text = [
      '{"ts":1753121332057.047,"caller":"kuberuntime/kuberuntime_manager.go:269","msg":"Container runtime initialized","v":0,"containerRuntime":"containerd","version":"v2.0.3","apiVersion":"v1"}',
      'E0101 00:00:00.000000 1 remote_runtime.go:205] "StopPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to destroy network for sandbox \\"055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708\\": failed to get network \\"cbr0\\" cached result: decoding version from network config: unexpected end of JSON input"',
    ].join('\n');
    const report = diagnoseText(text, { year: 2024 });
    assert.deepEqual(report.runtime, { name: 'containerd', version: '2.0.3' });
    assert.equal(report.findings[0].runtimeVersion, '2.0.3');
  });
});
