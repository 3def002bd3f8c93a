import * as assert from 'node:assert/strict';
import { formatInventory, inventoryJson } from '../../../src/cli/inspectCommand';
import { NodeDoctorError } from '../../../src/core/errors';
import { incompleteText } from '../../../src/core/inventory/completeness';
import { DISCOVERY_PRESETS, discoverNode, parsePodLogDir, parseRuntimeId, runtimeIdsKnown, withCniCache } from '../../../src/core/inventory/discovery';
import type { Inventory } from '../../../src/core/inventory/types';
import type { NodeAccess } from '../../../src/core/node/nodeAccess';
import { reportModelFromInventory } from '../../../src/core/report/fromInventory';
import { reportMarkdown } from '../../../src/core/report/reportMarkdown';
import { FakeNodeAccess } from '../../fakes/fakeNodeAccess';

const hex = (n: number): string => n.toString(16).padStart(64, '0');
const CRI = 'io.containerd.grpc.v1.cri';

describe('discovery of what the node holds on disk', () => {
  it('parses pod log directory names into namespace, name and UID, and nothing else', () => {
    assert.deepEqual(parsePodLogDir('kube-system_coredns-5d78c9869d-abcde_0f1e2d3c-4b5a-6978-8899-aabbccddeeff'),
      { namespace: 'kube-system', name: 'coredns-5d78c9869d-abcde', uid: '0f1e2d3c-4b5a-6978-8899-aabbccddeeff' });
    assert.deepEqual(parsePodLogDir('batch_report-29340120-x7k2p_uid-1'), { namespace: 'batch', name: 'report-29340120-x7k2p', uid: 'uid-1' });
    for (const bad of ['', 'no-underscores', 'a_b', 'a_b_c_d', 'Upper_pod_uid', 'ns_pod_', '_pod_uid', 'ns_po d_uid', '..__x']) {
      assert.equal(parsePodLogDir(bad), undefined, bad);
    }
  });

  it('takes only 64-hex runtime IDs from the runtime directories', () => {
    assert.equal(parseRuntimeId(hex(7)), hex(7));
    for (const bad of ['', 'abc', 'ab'.repeat(32).toUpperCase(), `${hex(7)}x`, `.${hex(7).slice(1)}`, 'lost+found']) assert.equal(parseRuntimeId(bad), undefined, bad);
  });

  it('reads containerd root and state, CRI-O storage and pod logs, and says which sources it read', async () => {
    const access = new FakeNodeAccess();
    access.put(`/var/lib/containerd/${CRI}/sandboxes/${hex(1)}/hostname`, 'x');
    access.put(`/var/lib/containerd/${CRI}/sandboxes/${hex(2)}/hostname`, 'x');
    access.put(`/var/lib/containerd/${CRI}/sandboxes/not-an-id/x`, 'x');
    access.put(`/var/lib/containerd/${CRI}/containers/${hex(10)}/status`, '{}');
    access.put(`/run/containerd/${CRI}/sandboxes/${hex(3)}/shm`, '');
    access.put(`/var/log/pods/web_api-0_u-1/app/0.log`, '');
    access.put(`/var/log/pods/README/x`, '');
    const found = await discoverNode(access, { apiPods: async () => [{ namespace: 'jobs', name: 'j', uid: 'u-2' }] });
    assert.deepEqual([...found.sandboxIds].sort(), [hex(1), hex(2), hex(3)]);
    assert.deepEqual([...found.containerIds], [hex(10)]);
    assert.deepEqual(found.pods.map((p) => `${p.namespace}/${p.uid}`).sort(), ['jobs/u-2', 'web/u-1']);
    assert.equal(found.runtimeIdsKnown, true);
    const status = Object.fromEntries(found.sources.map((s) => [s.source, s.status]));
    assert.deepEqual(status, { 'containerd-root': 'read', 'containerd-state': 'read', 'crio-storage': 'absent', 'pod-logs': 'read', 'api-pods': 'read' });
    const withCache = withCniCache(found, '/var/lib/cni', [hex(4), hex(1), 'garbage'], ['web', 'cni-only']);
    assert.deepEqual([...withCache.sandboxIds].sort(), [hex(1), hex(2), hex(3), hex(4)]);
    assert.ok(withCache.pods.some((p) => p.namespace === 'cni-only'));
  });

  it('counts CRI-O storage IDs as unclassified: its directory holds infra and app containers alike', async () => {
    const access = new FakeNodeAccess();
    access.put(`/var/lib/containers/storage/overlay-containers/${hex(5)}/userdata/config.json`, '{}');
    const found = await discoverNode(access, { containerdRoot: '', containerdState: '' });
    assert.deepEqual([...found.unclassifiedIds], [hex(5)]);
    assert.equal(found.runtimeIdsKnown, true);
    assert.equal(found.sources.find((s) => s.source === 'containerd-root')?.status, 'off');
  });

  it('cannot prove the IDs on disk when no runtime directory is there, or one is unreadable', async () => {
    const empty = await discoverNode(new FakeNodeAccess(), DISCOVERY_PRESETS.k3s);
    assert.equal(empty.runtimeIdsKnown, false);
    assert.equal(empty.unknownReason?.code, 'no-runtime-dir');
    assert.match(empty.unknownReason?.message ?? '', /\/var\/lib\/rancher\/k3s\/agent\/containerd\/io\.containerd\.grpc\.v1\.cri, \/run\/k3s\/containerd/);

    const access = new FakeNodeAccess();
    access.put(`/run/containerd/${CRI}/sandboxes/${hex(3)}/shm`, '');
    const withNames: NodeAccess = Object.assign(access, {
      listNames: async (dir: string): Promise<string[] | undefined> => {
        if (dir.startsWith('/var/lib/containerd')) throw new NodeDoctorError('forbidden', `Permission denied to list ${dir}.`);
        return (await access.listDir(dir))?.map((e) => e.name);
      },
    });
    const denied = await discoverNode(withNames, {});
    assert.equal(denied.runtimeIdsKnown, false, 'one readable directory does not prove what the unreadable one holds');
    assert.equal(denied.unknownReason?.code, 'runtime-dir-unreadable');
    assert.match(denied.unknownReason?.message ?? '', /Permission denied/);
  });

  it('treats every runtime source turned off as unproven', () => {
    const off = runtimeIdsKnown([{ source: 'containerd-root', path: '', status: 'off', sandboxIds: 0, containerIds: 0, pods: 0 }]);
    assert.equal(off.runtimeIdsKnown, false);
    assert.match(off.unknownReason?.message ?? '', /turned off/);
  });

  it('documents the k3s, RKE2 and Talos paths', () => {
    assert.equal(DISCOVERY_PRESETS.k3s.containerdRoot, '/var/lib/rancher/k3s/agent/containerd');
    assert.equal(DISCOVERY_PRESETS.rke2.containerdRoot, '/var/lib/rancher/rke2/agent/containerd');
    assert.equal(DISCOVERY_PRESETS.rke2.containerdState, '/run/k3s/containerd');
    assert.deepEqual([DISCOVERY_PRESETS.talos.containerdRoot, DISCOVERY_PRESETS.talos.containerdState, DISCOVERY_PRESETS.talos.podLogDir], ['/var/lib/containerd', '/run/containerd', '/var/log/pods']);
  });
});

describe('"inventory incomplete" where the counts are', () => {
  const base: Inventory = {
    node: 'n1', access: 'local', generatedAt: '2026-12-06T05:00:00.000Z', cniCacheDir: '/var/lib/cni',
    runtime: { endpoint: 'unix:///run/containerd/containerd.sock', runtimeName: 'containerd', runtimeVersion: '1.6.20', runtimeApiVersion: 'v1', conditions: [] },
    sandboxes: [], containers: [], cniCache: [], cniNetworks: [], findings: [], listSizes: [],
    listStrategy: {
      sandboxes: 'by-label', containers: 'single-list', complete: false, notes: ['ListPodSandbox refused'],
      reasons: [{ code: 'lookup-bound', count: 200, message: '300 sandbox IDs found on disk were in no list answer; 100 were looked up one by one (the bound), 200 were not' }],
    },
    counts: { sandboxes: 101, readySandboxes: 1, notReadySandboxes: 100, containers: 0, runningContainers: 0, exitedContainers: 0, cacheFiles: 0, unreadableCacheFiles: 0, perPod: [] },
    timingsMs: {},
  };

  it('is one line with every reason, and nothing when complete', () => {
    assert.equal(incompleteText(base), 'inventory incomplete: 300 sandbox IDs found on disk were in no list answer; 100 were looked up one by one (the bound), 200 were not');
    assert.equal(incompleteText({ listStrategy: { ...base.listStrategy, complete: true, reasons: [] } }), undefined);
    assert.match(incompleteText({ listStrategy: { ...base.listStrategy, reasons: undefined } }) ?? '', /^inventory incomplete: ListPodSandbox refused$/);
  });

  it('shows in the CLI text above the counts, and in the JSON with its codes', () => {
    const text = formatInventory(base).split('\n');
    assert.match(text[1], /^ {2}inventory incomplete: 300 sandbox IDs/);
    assert.match(text.find((l) => l.includes('strategy:')) ?? '', /\(INCOMPLETE\)$/);
    const json = inventoryJson(base);
    assert.equal(json.complete, false);
    assert.deepEqual((json.incomplete as { code: string }[]).map((r) => r.code), ['lookup-bound']);
    assert.equal(inventoryJson({ ...base, listStrategy: { ...base.listStrategy, complete: true, reasons: [] } }).complete, true);
  });

  it('shows in the report model and its Markdown', () => {
    const model = reportModelFromInventory(base);
    assert.match(model.incomplete ?? '', /^inventory incomplete: /);
    assert.match(reportMarkdown(model), /> \*\*inventory incomplete: 300 sandbox IDs/);
    assert.equal(reportModelFromInventory({ ...base, listStrategy: { ...base.listStrategy, complete: true, reasons: [] } }).incomplete, undefined);
  });
});
