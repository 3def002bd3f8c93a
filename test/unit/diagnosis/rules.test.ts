import assert from 'node:assert/strict';
import { diagnoseText } from '../../../src/core/diagnosis/logDiagnoser';
import type { LogFinding } from '../../../src/core/diagnosis/types';
import { readLogFixture } from './fixturePaths';

const SEED = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';

function findings(text: string): LogFinding[] {
  return diagnoseText(text, { year: 2025 }).findings;
}

function only(text: string): LogFinding {
  const result = findings(text);
  assert.equal(result.length, 1, `expected one finding, got ${JSON.stringify(result.map((f) => f.rule))}`);
  return result[0];
}

describe('rule cni-cache-result-invalid', () => {
  it('flags the seed kubelet error with the sandbox ID and the network', () => {
    const f = only(readLogFixture('seed-cni-cache.log'));
    assert.equal(f.category, 'cni-cache-corrupt');
    assert.equal(f.rule, 'cni-cache-result-invalid');
    assert.equal(f.sandboxId, SEED);
    assert.equal(f.network, 'cbr0');
    assert.deepEqual(f.lines, [1, 2, 4]);
    assert.equal(f.count, 3);
  });

  it('takes the pod UID and the x229 repeat count from the containerd#8197 event row', () => {
    const [f] = findings(readLogFixture('containerd-8197.log'));
    assert.equal(f.rule, 'cni-cache-result-invalid');
    assert.equal(f.network, 'aws-cni');
    assert.equal(f.podUid, 'a7ea2280-7361-4329-8566-89975485b20e');
    assert.equal(f.sandboxId, '4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399');
    assert.equal(f.count, 229);
    assert.deepEqual(f.lines, [2]);
  });

  it('groups the StopPodSandbox and RemovePodSandbox containerd errors of one sandbox, whatever the decode error', () => {
    const f = findings(readLogFixture('lab-containerd.log')).find((x) => x.rule === 'cni-cache-result-invalid');
    assert.ok(f);
    assert.equal(f.count, 2);
    assert.deepEqual(f.lines, [2, 3]);
    assert.equal(f.firstSeen, '2026-11-22T11:02:10.051000000Z');
    assert.equal(f.lastSeen, '2026-11-22T11:02:11.000000000Z');
  });

  it('reads a network name with dashes (cni#1055)', () => {
    const f = only(readLogFixture('cni-1055.log'));
    assert.equal(f.network, 'generic-veth');
    assert.equal(f.sandboxId, '5bae61e683f7e59902f458514e9af1515d1c1c71ff069e9d4a2008a011307d04');
  });

  it('ignores "unexpected end of JSON input" from unrelated components and a log query quoting the message', () => {
    assert.deepEqual(findings(readLogFixture('look-alikes.log')), []);
  });
});

describe('rule multus-cache-invalid', () => {
  it('flags Multus failing to read its own cache on delete, as a CNI cache finding for that sandbox', () => {
    const f = only(readLogFixture('multus-948.log'));
    assert.equal(f.rule, 'multus-cache-invalid');
    assert.equal(f.category, 'cni-cache-corrupt');
    assert.equal(f.sandboxId, 'bc50ca19f75360f83f91470a39a20ada04170bb4620b3c9ccbcdd3de367b6a95');
    assert.equal(f.count, 3);
    assert.equal(f.firstSeen, '2025-07-21T03:31:50.263100');
  });

  it('leaves the same words outside a delete to the setup rule (a broken Multus configuration on ADD)', () => {
    const result = findings('E0721 03:31:50.263100 1310 cni.go:352] Error adding pod to network multus/multus-cni-network: Multus: failed to load netconf: unexpected end of JSON input');
    assert.deepEqual(result.map((f) => [f.rule, f.network, f.pluginType]), [['cni-setup-failed', 'multus-cni-network', 'multus']]);
  });
});

describe('rule cni-teardown-failed', () => {
  it('flags a teardown that fails because the CNI plugin is not initialized, apart from the cache finding', () => {
    const f = findings(readLogFixture('containerd-8197.log')).find((x) => x.rule === 'cni-teardown-failed');
    assert.ok(f);
    assert.equal(f.category, 'cni-teardown-failed');
    assert.equal(f.reason, 'cni plugin not initialized');
    assert.deepEqual(f.lines, [4]);
  });

  it('does not take over cached-result errors', () => {
    assert.ok(findings(readLogFixture('seed-cni-cache.log')).every((f) => f.rule !== 'cni-teardown-failed'));
  });
});

describe('rule cni-not-ready', () => {
  it('groups repeated NetworkPluginNotReady lines into one warning', () => {
    const f = only(readLogFixture('cni-not-ready.log'));
    assert.equal(f.rule, 'cni-not-ready');
    assert.equal(f.severity, 'warning');
    assert.equal(f.count, 2);
    assert.equal(f.firstSeen, '2025-04-16T22:26:30.150357');
    assert.equal(f.lastSeen, '2025-04-16T22:26:35.152045');
  });
});

describe('rule cri-message-too-large', () => {
  const result = findings(readLogFixture('message-too-large.log'));

  it('groups kubelet and crictl list failures by CRI method and keeps the largest size', () => {
    const f = result.find((x) => x.method === 'ListPodSandbox');
    assert.ok(f);
    assert.equal(f.category, 'cri-message-too-large');
    assert.equal(f.count, 3);
    assert.equal(f.size, 8398577);
    assert.equal(f.limit, 8388608);
  });

  it('flags ctr hitting containerd\'s 16 MiB send limit', () => {
    const f = result.find((x) => x.size === 925727095);
    assert.ok(f);
    assert.equal(f.limit, 16777216);
    assert.deepEqual(f.lines, [4]);
  });

  it('ignores device plugins and other gRPC services hitting their own limits', () => {
    assert.equal(result.length, 2);
    assert.ok(result.every((f) => !f.lines.includes(5) && !f.lines.includes(6)));
  });
});

describe('rule sandbox-stop-timeout', () => {
  const result = findings(readLogFixture('sandbox-stop-timeout.log'));

  it('flags the SANDBOX_READY deadline from the seed\'s describe output, wrapped over two lines, once at its first line', () => {
    const f = result.find((x) => x.lines.includes(1));
    assert.ok(f);
    assert.equal(f.rule, 'sandbox-stop-timeout');
    assert.equal(f.reason, 'context deadline exceeded');
    assert.equal(f.count, 1);
    assert.ok(result.every((x) => !x.lines.includes(2)));
  });

  it('leaves a lost shim (ttrpc: closed) during a removal, not a stop, to sandbox-remove-failed, one finding per sandbox', () => {
    // The corpus labels kata-containers/tests#2705 this way: the removal failed, nothing was being stopped.
    const lost = result.filter((x) => x.lines.includes(3) || x.lines.includes(4));
    assert.deepEqual(lost.map((x) => [x.rule, x.sandboxId]), [
      ['sandbox-remove-failed', 'c39500ca65a785f4926d278c35df6de79345cef0a2d1ce49b2b37cd5c2f2b179'],
      ['sandbox-remove-failed', '1e49c7890ad6166ececed931513b069890b1927c1ec967d4b54ef8d300157489'],
    ]);
    assert.match(lost[0].reason ?? '', /ttrpc: closed/);
  });

  it('flags a lost shim while stopping (KillPodSandbox … ttrpc: closed)', () => {
    const [f] = findings(`E0101 00:00:00.000000 1 pod_workers.go:1294] "Error syncing pod, skipping" err="failed to \\"KillPodSandbox\\" for \\"a7ea2280-7361-4329-8566-89975485b20e\\" with KillPodSandboxError: \\"rpc error: code = Unknown desc = failed to stop sandbox \\\\\\"${SEED}\\\\\\": ttrpc: closed\\""`);
    assert.equal(f?.rule, 'sandbox-stop-timeout');
    assert.equal(f?.sandboxId, SEED);
    assert.equal(f?.podUid, 'a7ea2280-7361-4329-8566-89975485b20e');
    assert.equal(f?.reason, 'shim connection lost (ttrpc: closed)');
  });

  it('does not treat a slow ListPodSandbox as a sandbox stop: it is an unresponsive runtime', () => {
    assert.ok(result.every((f) => f.rule === 'runtime-unresponsive' || !f.lines.includes(5)));
    const slow = result.find((f) => f.lines.includes(5));
    assert.equal(slow?.rule, 'runtime-unresponsive');
    assert.equal(slow?.method, 'ListPodSandbox');
  });
});

describe('rule no-podsandbox-found', () => {
  it('flags kubelet refusing to start, once per missing sandbox, and not the normal start-up PLEG line', () => {
    const result = findings(readLogFixture('no-podsandbox.log'));
    assert.deepEqual(result.map((f) => f.rule), ['no-podsandbox-found', 'no-podsandbox-found', 'no-podsandbox-found']);
    assert.equal(result[0].sandboxId, 'd0831a4288e261b5e3a5643f4a36bb2162282262fba671a682159494dfcd6f56');
    assert.equal(result[0].category, 'runtime-object-missing');
  });

  it('reads the container ID from the kubelet 1.23 wording', () => {
    const f = only(`no PodsandBox found with Id '${SEED}' for container with ID '${'a'.repeat(64)}' and Name 'web'`);
    assert.equal(f.containerId, 'a'.repeat(64));
  });
});

describe('rule runtime-object-not-found', () => {
  it('flags StopPodSandbox on a sandbox containerd no longer has', () => {
    const f = findings(readLogFixture('lab-containerd.log')).find((x) => x.rule === 'runtime-object-not-found');
    assert.ok(f);
    assert.equal(f.sandboxId, SEED);
  });

  it('ignores kubelet\'s normal "No sandbox for pod can be found" info line', () => {
    assert.deepEqual(findings('I0716 14:19:19.114528    2247 kuberuntime_manager.go:404] No sandbox for pod "x_kube-system(54ea8b22-93f0-4214-81f0-aa4317f69b40)" can be found. Need to start a new one'), []);
  });
});

describe('rule name-reserved', () => {
  const result = findings(readLogFixture('name-reserved.log'));

  it('flags a container name held by another container, with the holder and the pod UID from the name', () => {
    const f = result.find((x) => x.lines.includes(1));
    assert.ok(f);
    assert.equal(f.containerId, '7c54f31e3fc8b87a115f11a214efe060c94e93ae822c9819a472bfb382c2839c');
    assert.equal(f.name, 'kube-apiserver_kube-apiserver-kiv-cp-v48fw_kube-system_37b2b42d18b011bd117353a3847450aa_1');
    assert.equal(f.podUid, '37b2b42d18b011bd117353a3847450aa');
  });

  it('flags a sandbox name held by another sandbox', () => {
    const f = result.find((x) => x.lines.includes(2));
    assert.ok(f);
    assert.equal(f.sandboxId, 'e41d37b94b4d6ba41796563fed96cb05548bde26570751408bdf447948a272eb');
    assert.equal(f.podUid, 'ddc4e2a5-6229-4abd-9712-f18423f0f0a5');
  });

  it('reads CRI-O\'s wording: its `for id` is the new request, not the holder', () => {
    const f = result.find((x) => x.lines.includes(3));
    assert.ok(f);
    assert.equal(f.rule, 'name-reserved');
    assert.equal(f.containerId, undefined);
    assert.equal(f.newId, '39b0f658696c00b7321e728163bf94b864bf79d0f9f5603831f4eb162ad1fc87');
    assert.equal(f.method, 'CreateContainer');
  });
});

describe('rule pleg-unhealthy', () => {
  it('flags PLEG past its threshold and ignores the normal "pleg has yet to be successful" at start-up', () => {
    const result = findings(readLogFixture('pleg.log'));
    assert.deepEqual(result.map((f) => [f.rule, f.lines]), [['pleg-unhealthy', [1, 2, 4]], ['runtime-unresponsive', [3]]]);
    assert.match(result[0].reason ?? '', /threshold 3m0s/);
    assert.equal(result[1].method, 'ListContainers');
  });
});

describe('rule runtime-unavailable', () => {
  const result = findings(readLogFixture('runtime-unavailable.log'));

  it('groups refused connections by runtime socket', () => {
    assert.deepEqual(result.map((f) => [f.path, f.count]), [['/run/containerd/containerd.sock', 2], ['/var/snap/microk8s/common/run/containerd.sock', 1]]);
    assert.equal(result[0].runtime, 'containerd');
  });

  it('ignores a refused connection to the API server', () => {
    assert.ok(result.every((f) => !f.lines.includes(4)));
  });
});

describe('rule oci-runtime-failed', () => {
  it('groups the same OCI failure from the kubelet message and its describe row (x3)', () => {
    const f = only(readLogFixture('oci-runtime.log'));
    assert.equal(f.rule, 'oci-runtime-failed');
    assert.equal(f.count, 4);
    assert.equal(f.runtime, 'runc');
    assert.match(f.reason ?? '', /exec: "\/app": stat \/app: no such file or directory/);
  });
});

describe('rules pod-ip-exhausted and cni-setup-failed', () => {
  const result = findings(readLogFixture('ip-exhausted.log'));

  it('flags an exhausted range with the event row\'s repeat count', () => {
    const f = result.find((x) => x.ipRange === '10.1.56.1-10.1.56.254');
    assert.ok(f);
    assert.equal(f.rule, 'pod-ip-exhausted');
    assert.equal(f.count, 35156);
  });

  it('reads the dockershim wording', () => {
    assert.ok(result.some((x) => x.ipRange === '10.42.0.1-10.42.0.254'));
  });

  it('leaves other setup failures to cni-setup-failed', () => {
    const f = result.find((x) => x.rule === 'cni-setup-failed');
    assert.ok(f);
    assert.equal(f.sandboxId, '8ebb5874a03adc791b320de5f5b68e4bd685acabf929862fc99dcf235f45b1c4');
    assert.match(f.reason ?? '', /failed to find network info for sandbox/);
  });
});

describe('rule disk-pressure', () => {
  it('flags an image filesystem over its threshold, failed image GC and disk evictions but not NodeHasNoDiskPressure', () => {
    const result = findings(readLogFixture('disk-pressure.log'));
    assert.deepEqual(result.map((f) => [f.reason, f.lines]), [
      ['image filesystem over the high threshold', [1]],
      ['image garbage collection cannot free enough space', [2]],
      ['eviction to reclaim ephemeral-storage', [3, 6]],
    ]);
  });
});

describe('rule sandbox-remove-failed', () => {
  it('flags a removal failure no specific rule explains', () => {
    const f = only(`E0101 00:00:00.000000 1 kuberuntime_gc.go:174] Failed to remove sandbox "${SEED}": rpc error: code = Unknown desc = failed to remove volatile sandbox root directory: device or resource busy`);
    assert.equal(f.rule, 'sandbox-remove-failed');
    assert.equal(f.sandboxId, SEED);
  });
});
