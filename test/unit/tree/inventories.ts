// Inventories for the tree tests, built the way inspectNode builds them: real CNI cache files (the lab's fixture, re-keyed
// per sandbox as bench/inventory.mjs does, and corrupted like the seed incident), analysed by the core, with findings
// from computeFindings. No runtime needed.
import fs from 'node:fs';
import path from 'node:path';
import { CONTAINERD_LOOPBACK, parseConfList } from '../../../src/core/cni/cacheFile';
import type { NetworkConfig } from '../../../src/core/cni/confDir';
import { computeFindings } from '../../../src/core/inventory/findings';
import { analyseCacheFiles, countsOf } from '../../../src/core/inventory/inspect';
import type { RawCacheFile } from '../../../src/core/inventory/inspect';
import type { CacheEntry, ContainerItem, Inventory, SandboxItem } from '../../../src/core/inventory/types';
import { repoRoot } from '../diagnosis/fixturePaths';

const FIXTURE_ID = '977313d0ebebfb765e9d373b82bef9081628dd64ee50d944e5c1b455412df44c';
const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'cni');
const CBR0 = fs.readFileSync(path.join(fixtureDir, `cbr0-${FIXTURE_ID}-eth0`), 'utf8');
const CONFLIST = parseConfList(fs.readFileSync(path.join(fixtureDir, '10-cbr0.conflist'), 'utf8'));

/** The sandbox of the seed incident (kubelet: `failed to get network "cbr0" cached result: unexpected end of JSON input`). */
export const SEED_ID = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';
export const NOW = Date.parse('2026-11-23T10:00:00Z');
export const CACHE_DIR = '/var/lib/cni';

export function hexId(n: number, salt = 'a'): string {
  return n.toString(16).padStart(64, salt);
}

export function sandbox(id: string, namespace: string, name: string, state: SandboxItem['state'], ageMs: number): SandboxItem {
  return { id, state, name, namespace, uid: `uid-${id.slice(0, 8)}`, attempt: 0, createdAtMs: NOW - ageMs, runtimeHandler: '', ips: [] };
}

export function container(id: string, name: string, sandboxId: string, state: ContainerItem['state'], ageMs: number, exitCode?: number): ContainerItem {
  return { id, name, state, sandboxId, attempt: 0, image: 'registry.k8s.io/pause:3.9', createdAtMs: NOW - ageMs, ...(exitCode === undefined ? {} : { exitCode }) };
}

export type CacheBytes = 'valid' | 'empty' | 'truncated' | 'loopback-empty';

/** A cache file for `sandboxId`: the fixture re-keyed, or the corrupt shapes seen on real nodes. */
export function rawCacheFile(sandboxId: string, bytes: CacheBytes): RawCacheFile {
  const loopback = bytes === 'loopback-empty';
  const name = loopback ? `cni-loopback-${sandboxId}-lo` : `cbr0-${sandboxId}-eth0`;
  const valid = CBR0.replaceAll(FIXTURE_ID, sandboxId);
  const text = bytes === 'valid' ? valid : bytes === 'truncated' ? valid.slice(0, Math.floor(valid.length / 2)) : '';
  const data = Buffer.from(loopback ? '' : text);
  return { file: { name, path: `${CACHE_DIR}/results/${name}`, size: data.length, mtimeMs: NOW - 60_000, isFile: true, isDirectory: false }, data };
}

function networks(): Map<string, NetworkConfig> {
  const map = new Map<string, NetworkConfig>();
  map.set(CONTAINERD_LOOPBACK.network, { source: 'built-in', conf: { name: CONTAINERD_LOOPBACK.network, cniVersion: CONTAINERD_LOOPBACK.cniVersion, plugins: [] } });
  if (CONFLIST) map.set(CONFLIST.name, { source: '/etc/cni/net.d/10-cbr0.conflist', conf: CONFLIST });
  return map;
}

export async function inventoryOf(
  sandboxes: readonly SandboxItem[], containers: readonly ContainerItem[], raw: readonly RawCacheFile[], listComplete = true,
): Promise<Inventory> {
  const cache: CacheEntry[] = await analyseCacheFiles(raw, networks());
  const findings = computeFindings(sandboxes, containers, cache, [], { listComplete });
  return {
    node: 'talos-192-168-1-15',
    access: 'local',
    generatedAt: new Date(NOW).toISOString(),
    cniCacheDir: CACHE_DIR,
    cniConfDir: '/etc/cni/net.d',
    runtime: { endpoint: 'unix:///run/containerd/containerd.sock', runtimeName: 'containerd', runtimeVersion: 'v1.7.22', runtimeApiVersion: 'v1', conditions: [] },
    sandboxes,
    containers,
    cniCache: cache,
    cniNetworks: [],
    findings,
    listStrategy: { sandboxes: 'single-list', containers: 'single-list', complete: listComplete, notes: [] },
    listSizes: [],
    counts: countsOf(sandboxes, containers, cache),
    timingsMs: {},
  };
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Ids of the seed node's objects, for assertions. */
export const SEED = {
  coredns: hexId(1),
  web: hexId(2),
  stuck: SEED_ID,
  /** A NotReady sandbox whose only bad file is containerd's loopback one (cniVersion 0.3.1: never read on DEL). */
  loopbackOnly: hexId(3),
  /** A sandbox the runtime no longer has: its container and its valid cbr0 file are left behind. */
  gone: hexId(4),
  orphan: hexId(101, 'b'),
  corednsRunning: hexId(102, 'b'),
  webExited: hexId(103, 'b'),
  webRunning: hexId(104, 'b'),
  created: hexId(105, 'b'),
} as const;

/** The seed incident on one node: a 0-byte cbr0 file blocking a NotReady sandbox, an orphan container, a leaked IP. */
export function seedNode(): Promise<Inventory> {
  const sandboxes = [
    sandbox(SEED.web, 'prod', 'web-7d4f9', 'SANDBOX_READY', 3 * DAY),
    sandbox(SEED.stuck, 'prod', 'web-6c9b8', 'SANDBOX_NOTREADY', 40 * DAY),
    sandbox(SEED.coredns, 'kube-system', 'coredns-5d78c9869d-abcde', 'SANDBOX_READY', 2 * HOUR),
    sandbox(SEED.loopbackOnly, 'batch', 'report-28341', 'SANDBOX_NOTREADY', 5 * HOUR),
  ];
  const containers = [
    container(SEED.corednsRunning, 'coredns', SEED.coredns, 'CONTAINER_RUNNING', 2 * HOUR),
    container(SEED.webExited, 'web', SEED.web, 'CONTAINER_EXITED', 3 * DAY, 137),
    container(SEED.webRunning, 'web', SEED.web, 'CONTAINER_RUNNING', 3 * DAY - MIN),
    container(SEED.orphan, 'job', SEED.gone, 'CONTAINER_EXITED', 9 * DAY, 0),
    container(SEED.created, 'sidecar', SEED.web, 'CONTAINER_CREATED', 30_000),
  ];
  const raw = [
    rawCacheFile(SEED.web, 'valid'),
    rawCacheFile(SEED.stuck, 'empty'),
    rawCacheFile(SEED.coredns, 'valid'),
    rawCacheFile(SEED.loopbackOnly, 'loopback-empty'),
    rawCacheFile(SEED.gone, 'valid'),
  ];
  return inventoryOf(sandboxes, containers, raw);
}

/**
 * A node after months of a broken CNI teardown (the ListPodSandbox pile-up of the second seed): `total` sandboxes, of
 * which every 25th is Ready, one exited container per 10 sandboxes, one valid cbr0 file per sandbox and a truncated one
 * for every 500th.
 */
export function pileUpNode(total = 5000): Promise<Inventory> {
  const sandboxes: SandboxItem[] = [];
  const containers: ContainerItem[] = [];
  const raw: RawCacheFile[] = [];
  for (let i = 0; i < total; i++) {
    const id = hexId(i + 1);
    const ready = i % 25 === 0;
    sandboxes.push(sandbox(id, i % 2 === 0 ? 'prod' : 'batch', `job-${i % 40}`, ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY', (i + 1) * MIN));
    if (i % 10 === 0) containers.push(container(hexId(i + 1, 'c'), 'main', id, 'CONTAINER_EXITED', (i + 1) * MIN, 1));
    raw.push(rawCacheFile(id, i % 500 === 499 ? 'truncated' : 'valid'));
  }
  return inventoryOf(sandboxes, containers, raw);
}
