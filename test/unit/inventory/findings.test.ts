import * as assert from 'node:assert/strict';
import { computeFindings } from '../../../src/core/inventory/findings';
import { containerWireBytes, sandboxWireBytes } from '../../../src/core/inventory/payload';
import type { CacheEntry, ContainerItem, ListSize, SandboxItem } from '../../../src/core/inventory/types';

const id = (n: number): string => n.toString(16).padStart(64, 'a');
const MIB = 1024 * 1024;

function sandbox(n: number, state: SandboxItem['state'], name = 'web'): SandboxItem {
  return { id: id(n), state, name, namespace: 'prod', uid: `uid-${n}`, attempt: 0, createdAtMs: 1_700_000_000_000 + n, runtimeHandler: '', ips: [] };
}

function container(n: number, sandboxId: string, state: ContainerItem['state'] = 'CONTAINER_EXITED'): ContainerItem {
  return { id: id(1000 + n), name: 'app', state, sandboxId, attempt: 0, image: 'img', createdAtMs: 1_700_000_000_000 + n };
}

function cacheEntry(sandboxId: string, state: CacheEntry['state'], readOnTeardown: CacheEntry['readOnTeardown'] = 'yes', network = 'cbr0', ifName = 'eth0'): CacheEntry {
  const name = `${network}-${sandboxId}-${ifName}`;
  return {
    path: `/var/lib/cni/results/${name}`, name, network, sandboxId, ifName, size: state === 'valid' ? 1300 : 0, mtimeMs: 0, sha256: 'x'.repeat(64),
    state, jsonValid: state === 'valid', ips: state === 'valid' ? ['10.244.0.5/24'] : [], readOnTeardown, readReason: 'because',
  };
}

const size = (method: ListSize['method'], bytes: number): ListSize => ({ method, items: 10, bytes, limits: [{ label: '4 MiB client default', bytes: 4 * MIB, percent: Math.round(bytes / (4 * MIB) * 100) }] });

describe('node findings', () => {
  it('flags a 0-byte cache file whose sandbox is NotReady as an error mapped to the seed repair', () => {
    const s = sandbox(1, 'SANDBOX_NOTREADY');
    const [f] = computeFindings([s], [], [cacheEntry(s.id, 'empty')], [], { listComplete: true });
    assert.equal(f.id, `cni-cache-corrupt:cbr0-${s.id}-eth0`);
    assert.equal(f.severity, 'error');
    assert.equal(f.repair, 'remove-cache-file-and-sandbox');
    assert.equal(f.pod, 'prod/web');
  });

  it('keeps a bad file that the runtime never reads (cniVersion < 0.4.0) as info without a repair', () => {
    const s = sandbox(1, 'SANDBOX_NOTREADY');
    const [f] = computeFindings([s], [], [cacheEntry(s.id, 'empty', 'no', 'cni-loopback', 'lo')], [], { listComplete: true });
    assert.equal(f.severity, 'info');
    assert.equal(f.repair, undefined);
  });

  it('calls a valid file of a vanished sandbox a leaked network, and a container of a vanished sandbox an orphan', () => {
    const gone = id(9);
    const findings = computeFindings([], [container(1, gone)], [cacheEntry(gone, 'valid')], [], { listComplete: true });
    assert.deepEqual(findings.map((f) => [f.id, f.repair]), [
      [`cni-cache-orphaned:${gone}`, 'release-leaked-ips'],
      [`runtime-object-missing:${id(1001)}`, 'remove-orphan-containers'],
    ]);
    assert.deepEqual(findings[0].ips, ['10.244.0.5/24']);
  });

  it('makes one finding per vanished sandbox, and calls a loopback-only leftover harmless (no IP, no veth), not a leak', () => {
    const both = id(9);
    const loopOnly = id(10);
    const findings = computeFindings([], [], [
      cacheEntry(both, 'valid'), { ...cacheEntry(both, 'valid', 'no', 'cni-loopback', 'lo'), ips: [] },
      { ...cacheEntry(loopOnly, 'valid', 'no', 'cni-loopback', 'lo'), ips: [] },
    ], [], { listComplete: true });
    assert.deepEqual(findings.map((f) => [f.id, f.rule, f.severity]), [
      [`cni-cache-orphaned:${both}`, 'cni-cache-orphaned', 'warning'],
      [`cni-cache-orphaned:${loopOnly}`, 'cni-cache-orphaned-loopback', 'info'],
    ]);
    assert.match(findings[0].title, /network was never torn down \(cbr0\/eth0, holds 10\.244\.0\.5\/24\)/);
    assert.match(findings[0].detail, /loopback cache file holds nothing/);
    assert.match(findings[1].title, /no IP, no veth/);
    assert.doesNotMatch(`${findings[1].title} ${findings[1].detail}`, /leak(s|ed)? until|leaked/);
  });

  it('calls nothing missing when the lists were incomplete', () => {
    const gone = id(9);
    assert.deepEqual(computeFindings([], [container(1, gone)], [cacheEntry(gone, 'valid')], [], { listComplete: false }), []);
  });

  it('leaves a Ready sandbox with valid files alone', () => {
    const s = sandbox(1, 'SANDBOX_READY');
    assert.deepEqual(computeFindings([s], [container(1, s.id, 'CONTAINER_RUNNING')], [cacheEntry(s.id, 'valid')], [], { listComplete: true }), []);
  });

  it('counts dead objects per pod and on the node against the thresholds', () => {
    const sandboxes = [sandbox(1, 'SANDBOX_NOTREADY'), sandbox(2, 'SANDBOX_NOTREADY'), sandbox(3, 'SANDBOX_READY'), sandbox(4, 'SANDBOX_NOTREADY', 'db')];
    const containers = [container(1, id(1)), container(2, id(2)), container(3, id(3)), container(4, id(3), 'CONTAINER_RUNNING')];
    const findings = computeFindings(sandboxes, containers, [], [], { listComplete: true, perPodThreshold: 3, totalThreshold: 6 });
    assert.deepEqual(findings.map((f) => [f.id, f.count]), [['dead-objects-piling-up:prod/web', 5]]);
    const total = computeFindings(sandboxes, containers, [], [], { listComplete: true, perPodThreshold: 10, totalThreshold: 4 });
    assert.deepEqual(total.map((f) => [f.id, f.count]), [['dead-objects-piling-up:node', 6]]);
  });

  it('grades list sizes against the 4 MiB and 16 MiB limits', () => {
    const findings = computeFindings([], [], [], [size('ListPodSandbox', MIB), size('ListContainers', 3 * MIB), size('ListPodSandbox', 5 * MIB), size('ListContainers', 17 * MIB)], { listComplete: true });
    assert.deepEqual(findings.map((f) => f.severity), ['info', 'warning', 'error']);
    assert.ok(findings.every((f) => f.category === 'cri-message-too-large' && f.repair === 'prune-dead-objects'));
  });

  it('estimates wire sizes close to the runtime\'s (a bare kubelet-like sandbox is about 360 bytes)', () => {
    const bare: SandboxItem & { labels: Record<string, string>; annotations: Record<string, string> } = {
      ...sandbox(1, 'SANDBOX_NOTREADY', 'coredns-5d78c9869d-abcde'), namespace: 'kube-system', uid: '6d1f8e2a-3b4c-4d5e-8f90-a1b2c3d4e5f6',
      labels: { 'io.kubernetes.pod.name': 'coredns-5d78c9869d-abcde', 'io.kubernetes.pod.namespace': 'kube-system', 'io.kubernetes.pod.uid': '6d1f8e2a-3b4c-4d5e-8f90-a1b2c3d4e5f6', 'k8s-app': 'kube-dns' },
      annotations: { 'kubernetes.io/config.seen': '2026-11-22T10:59:48.108337059Z', 'kubernetes.io/config.source': 'api' },
    };
    const bytes = sandboxWireBytes(bare);
    assert.ok(bytes > 300 && bytes < 450, String(bytes));
    const c = { ...container(1, id(1)), podSandboxId: id(1), labels: {}, annotations: {} };
    assert.ok(containerWireBytes(c) > 150, String(containerWireBytes(c)));
  });
});
