import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { NodePod } from '../../../src/core/cluster/podsOnNode';
import { computeFindings } from '../../../src/core/inventory/findings';
import { countsOf } from '../../../src/core/inventory/inspect';
import { listLimits } from '../../../src/core/inventory/payload';
import type { CacheEntry, ContainerItem, Inventory, ListSize, SandboxItem } from '../../../src/core/inventory/types';
import { cniCacheCorrupt, evaluateConditions, orphanContainers, sandboxBacklog, stuckSandbox, teardownTolerance } from '../../../src/core/npd/conditions';
import { exitCodeOf, NPD_CONDITIONS, unknownAnswers } from '../../../src/core/npd/protocol';

const id = (n: number): string => createHash('sha256').update(String(n)).digest('hex');
const MIB = 1024 * 1024;
const NOW = 1_800_000_000_000;

function sandbox(n: number, state: SandboxItem['state'], name = 'web', uid = `uid-${n}`, createdAtMs = NOW - 3_600_000): SandboxItem {
  return { id: id(n), state, name, namespace: 'prod', uid, attempt: 0, createdAtMs, runtimeHandler: '', ips: [] };
}

function container(n: number, sandboxId: string, state: ContainerItem['state'] = 'CONTAINER_EXITED', name = 'app'): ContainerItem {
  return { id: id(1000 + n), name, state, sandboxId, attempt: 0, image: 'img', createdAtMs: NOW - 60_000 + n };
}

function cacheEntry(sandboxId: string, state: CacheEntry['state'], readOnTeardown: CacheEntry['readOnTeardown'] = 'yes'): CacheEntry {
  const name = `cbr0-${sandboxId}-eth0`;
  return {
    path: `/var/lib/cni/results/${name}`, name, network: 'cbr0', sandboxId, ifName: 'eth0', size: state === 'valid' ? 1300 : 0, mtimeMs: 0,
    sha256: 'x'.repeat(64), state, jsonValid: state === 'valid', ips: [], readOnTeardown, readReason: 'cniVersion 1.0.0 >= 0.4.0',
  };
}

interface NodeSpec {
  sandboxes?: SandboxItem[];
  containers?: ContainerItem[];
  cache?: CacheEntry[];
  runtime?: { name: string; version: string };
  complete?: boolean;
  listBytes?: { sandboxes?: number; containers?: number; sendCap?: number };
  strategy?: Inventory['listStrategy']['sandboxes'];
}

/** An inventory as inspectNode builds it (findings from the same computeFindings). */
function node(spec: NodeSpec): Inventory {
  const sandboxes = spec.sandboxes ?? [];
  const containers = spec.containers ?? [];
  const cache = spec.cache ?? [];
  const complete = spec.complete ?? true;
  const listSizes: ListSize[] = [
    { method: 'ListPodSandbox', items: sandboxes.length, bytes: spec.listBytes?.sandboxes ?? 1000, limits: listLimits(spec.listBytes?.sandboxes ?? 1000, spec.listBytes?.sendCap) },
    { method: 'ListContainers', items: containers.length, bytes: spec.listBytes?.containers ?? 1000, limits: listLimits(spec.listBytes?.containers ?? 1000, spec.listBytes?.sendCap) },
  ];
  return {
    node: 'n1', access: 'local', generatedAt: new Date(NOW).toISOString(), cniCacheDir: '/var/lib/cni',
    runtime: { endpoint: 'unix:///run/containerd/containerd.sock', runtimeName: spec.runtime?.name ?? 'containerd', runtimeVersion: spec.runtime?.version ?? '1.7.22', runtimeApiVersion: 'v1', conditions: [] },
    sandboxes, containers, cniCache: cache, cniNetworks: [],
    findings: computeFindings(sandboxes, containers, cache, listSizes, { listComplete: complete }),
    listStrategy: {
      sandboxes: spec.strategy ?? 'single-list', containers: 'single-list', complete,
      reasons: complete ? [] : [{ code: 'lookup-bound', message: '9000 sandbox IDs found on disk were in no list answer; 5000 were looked up one by one (the bound), 4000 were not' }],
      notes: [],
    },
    listSizes, counts: countsOf(sandboxes, containers, cache), timingsMs: {},
  };
}

describe('npd-check conditions from one inventory', () => {
  it('maps answers onto NPD exit codes: 0 OK, 1 problem, 2 Unknown', () => {
    assert.deepEqual(['ok', 'problem', 'unknown'].map((s) => exitCodeOf(s as 'ok')), [0, 1, 2]);
    const all = unknownAnswers('cannot reach the container runtime at unix:///x.sock');
    assert.deepEqual(Object.keys(all), [...NPD_CONDITIONS]);
    for (const c of NPD_CONDITIONS) assert.equal(all[c].summary, 'Unknown: cannot reach the container runtime at unix:///x.sock');
  });

  describe('CNICacheCorrupt', () => {
    it('is True for empty files of listed sandboxes on containerd 1.7, naming their short IDs', () => {
      const a = sandbox(1, 'SANDBOX_NOTREADY');
      const b = sandbox(2, 'SANDBOX_READY', 'api');
      const answer = cniCacheCorrupt(node({ sandboxes: [a, b], cache: [cacheEntry(a.id, 'empty'), cacheEntry(b.id, 'empty'), cacheEntry(id(3), 'valid')] }));
      assert.equal(answer.status, 'problem');
      assert.equal(answer.summary, `2 empty CNI cache files block teardown: sandboxes ${a.id.slice(0, 12)}, ${b.id.slice(0, 12)}`);
    });

    it('does not raise on containerd >= 2.0 (libcni >= 1.2.0 deletes the file) and says why', () => {
      const a = sandbox(1, 'SANDBOX_NOTREADY');
      for (const version of ['2.0.0', 'v2.1.4', '2.3.1-k3s1']) {
        const answer = cniCacheCorrupt(node({ sandboxes: [a], cache: [cacheEntry(a.id, 'truncated')], runtime: { name: 'containerd', version } }));
        assert.equal(answer.status, 'ok', version);
        assert.match(answer.summary, /1 unreadable CNI cache file, ignored on teardown by containerd .* \(libcni >= 1\.2\.0\)/);
      }
      assert.equal(cniCacheCorrupt(node({ sandboxes: [a], cache: [cacheEntry(a.id, 'truncated')], runtime: { name: 'containerd', version: '1.6.20~ds1' } })).status, 'problem');
    });

    it('assumes an unknown libcni (CRI-O, Docker) fails, and says it assumed so', () => {
      const a = sandbox(1, 'SANDBOX_NOTREADY');
      for (const name of ['cri-o', 'docker']) {
        const answer = cniCacheCorrupt(node({ sandboxes: [a], cache: [cacheEntry(a.id, 'garbage')], runtime: { name, version: '1.30.2' } }));
        assert.equal(answer.status, 'problem', name);
        assert.equal(answer.summary, `1 corrupt CNI cache file blocks teardown: sandbox ${a.id.slice(0, 12)}`);
        assert.ok(answer.notes.some((n) => /not known here: assuming/.test(n)), name);
      }
      assert.equal(teardownTolerance({ runtimeName: 'containerd', runtimeVersion: 'weird' }).tolerates, undefined);
    });

    it('ignores files libcni never reads on teardown (cniVersion < 0.4.0, valid JSON of another kind)', () => {
      const a = sandbox(1, 'SANDBOX_NOTREADY');
      assert.equal(cniCacheCorrupt(node({ sandboxes: [a], cache: [cacheEntry(a.id, 'empty', 'no'), cacheEntry(a.id, 'not-cache-v1')] })).status, 'ok');
    });

    it('calls a bad file of a sandbox the runtime no longer has harmless when the list is complete, Unknown when it is not', () => {
      const gone = cacheEntry(id(9), 'empty');
      assert.equal(cniCacheCorrupt(node({ cache: [gone] })).status, 'ok');
      const unknown = cniCacheCorrupt(node({ cache: [gone], complete: false }));
      assert.equal(unknown.status, 'unknown');
      assert.match(unknown.summary, /^Unknown: 1 unreadable CNI cache file of sandboxes missing from the runtime's lists, which are incomplete/);
    });

    it('proves True even from an incomplete inventory when a listed sandbox has a bad file', () => {
      const a = sandbox(1, 'SANDBOX_NOTREADY');
      assert.equal(cniCacheCorrupt(node({ sandboxes: [a], cache: [cacheEntry(a.id, 'empty')], complete: false })).status, 'problem');
    });
  });

  describe('SandboxBacklog', () => {
    it('is True for a pod with more than 5 dead objects, naming the pod', () => {
      const dead = Array.from({ length: 4 }, (_, i) => sandbox(i + 1, 'SANDBOX_NOTREADY', 'worker'));
      const exited = Array.from({ length: 4 }, (_, i) => container(i, dead[0].id));
      const answer = sandboxBacklog(node({ sandboxes: dead, containers: exited }));
      assert.equal(answer.status, 'problem');
      assert.equal(answer.summary, '8 dead objects (4 NotReady sandboxes, 4 exited containers), most in prod/worker (8)');
    });

    it('is True at 75 % of the 4 MiB client limit, not below', () => {
      assert.equal(sandboxBacklog(node({ listBytes: { containers: 3 * MIB } })).status, 'problem');
      assert.match(sandboxBacklog(node({ listBytes: { containers: 3 * MIB } })).summary, /ListContainers ≈ 3\.0 MiB \(75% of 4 MiB client default\)/);
      assert.equal(sandboxBacklog(node({ listBytes: { containers: 3 * MIB - 1 } })).status, 'ok');
    });

    it('is True at 75 % of a lower send cap the runtime stated, and when a list was refused whole', () => {
      const capped = sandboxBacklog(node({ listBytes: { sandboxes: 40_000, sendCap: 40 * 1024 } }));
      assert.equal(capped.status, 'problem');
      assert.match(capped.summary, /ListPodSandbox ≈ 0\.0 MiB \(98% of 40 KiB send cap this runtime stated\)/);
      const refused = sandboxBacklog(node({ strategy: 'by-state' }));
      assert.equal(refused.status, 'problem');
      assert.match(refused.summary, /ListPodSandbox refused whole \(read by-state\)/);
    });

    it('is OK on a clean node and Unknown when the lists are incomplete', () => {
      const ok = sandboxBacklog(node({ sandboxes: [sandbox(1, 'SANDBOX_READY')] }));
      assert.equal(ok.status, 'ok');
      assert.match(ok.summary, /^0 NotReady sandboxes, 0 exited containers; largest list/);
      const unknown = sandboxBacklog(node({ complete: false }));
      assert.equal(unknown.status, 'unknown');
      assert.match(unknown.summary, /^Unknown: inventory incomplete: 9000 sandbox IDs/);
    });
  });

  describe('OrphanContainers', () => {
    it('is True for a container whose sandbox is gone, with its short ID and name', () => {
      const c = container(1, id(77), 'CONTAINER_EXITED', 'agent');
      const answer = orphanContainers(node({ sandboxes: [sandbox(1, 'SANDBOX_READY')], containers: [c] }));
      assert.equal(answer.status, 'problem');
      assert.equal(answer.summary, `1 orphan container whose sandbox is gone: ${c.id.slice(0, 12)} (agent)`);
    });

    it('is Unknown when the lists are incomplete (an orphan may be unlisted) and OK otherwise', () => {
      const s = sandbox(1, 'SANDBOX_READY');
      assert.equal(orphanContainers(node({ sandboxes: [s], containers: [container(1, s.id, 'CONTAINER_RUNNING')], complete: false })).status, 'unknown');
      assert.equal(orphanContainers(node({ sandboxes: [s], containers: [container(1, s.id, 'CONTAINER_RUNNING')] })).summary, 'No orphan container (1 container, 1 sandbox)');
    });
  });

  describe('StuckSandbox', () => {
    const pod = (uid: string, name: string, deletedMsAgo?: number): NodePod => ({
      uid, namespace: 'prod', name, ...(deletedMsAgo !== undefined ? { deletionTimestamp: new Date(NOW - deletedMsAgo).toISOString() } : {}),
    });

    it('is True for a Ready sandbox whose pod is Terminating 10 min past its grace period, or gone', () => {
      const terminating = sandbox(1, 'SANDBOX_READY', 'web-0', 'u-1');
      const gone = sandbox(2, 'SANDBOX_READY', 'web-1', 'u-2');
      const healthy = sandbox(3, 'SANDBOX_READY', 'web-2', 'u-3');
      const answer = stuckSandbox(node({ sandboxes: [terminating, gone, healthy] }), { checked: true, pods: [pod('u-1', 'web-0', 600_000), pod('u-3', 'web-2')] }, { nowMs: NOW });
      assert.equal(answer.status, 'problem');
      assert.equal(answer.summary, `2 sandboxes still Ready after their pods were deleted: prod/web-0 (${terminating.id.slice(0, 12)}), prod/web-1 (${gone.id.slice(0, 12)})`);
    });

    it('is Unknown with the reason when the API could not be asked, and OK when every Ready sandbox has its pod', () => {
      const s = sandbox(1, 'SANDBOX_READY', 'web-0', 'u-1');
      const unknown = stuckSandbox(node({ sandboxes: [s] }), { checked: false, reason: 'no API access to tell which pods are gone' });
      assert.equal(unknown.status, 'unknown');
      assert.equal(unknown.summary, 'Unknown: no API access to tell which pods are gone');
      const ok = stuckSandbox(node({ sandboxes: [s] }), { checked: true, pods: [pod('u-1', 'web-0')] }, { nowMs: NOW });
      assert.equal(ok.summary, 'No Ready sandbox of a deleted pod (1 Ready sandbox, 1 pod on the node in the API)');
    });
  });

  it('answers all four conditions from one inventory, each summary one line of at most 200 bytes', () => {
    const many = Array.from({ length: 60 }, (_, i) => sandbox(i + 1, 'SANDBOX_NOTREADY', `pod-with-a-rather-long-name-ü-${i}`));
    const inv = node({ sandboxes: many, cache: many.map((s) => cacheEntry(s.id, 'empty')), containers: many.map((_, i) => container(i, id(500 + i))) });
    const answers = evaluateConditions(inv, { checked: true, pods: [] }, { nowMs: NOW });
    assert.deepEqual(Object.keys(answers), [...NPD_CONDITIONS]);
    for (const c of NPD_CONDITIONS) {
      assert.ok(Buffer.byteLength(answers[c].summary, 'utf8') <= 200, `${c}: ${answers[c].summary}`);
      assert.doesNotMatch(answers[c].summary, /\n/);
    }
    assert.match(answers.CNICacheCorrupt.summary, /^60 empty CNI cache files block teardown: sandboxes [0-9a-f]{12}, .*, … \(\d+ more\)$/);
    assert.match(answers.OrphanContainers.summary, /^60 orphan containers whose sandbox is gone: .*… \(\d+ more\)$/);
  });
});
