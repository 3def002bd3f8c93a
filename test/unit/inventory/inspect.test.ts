// inspectNode on the in-memory fakes: which ContainerStatus calls it makes, that the runtime lists and the cache-dir
// read run at the same time, and that one failing phase ends the whole inventory with its own error.
import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CriError, GrpcCode } from '../../../src/core/cri/criError';
import type { PodSandbox, SandboxFilter } from '../../../src/core/cri/types';
import { inspectNode, statusCandidates } from '../../../src/core/inventory/inspect';
import type { FileEntry } from '../../../src/core/node/nodeAccess';
import { FakeCri, fakeId } from '../../fakes/fakeCri';
import { FakeNodeAccess } from '../../fakes/fakeNodeAccess';
import { repoRoot } from '../diagnosis/fixturePaths';

const RESULTS = '/var/lib/cni/results';
const CONF_DIR = '/etc/cni/net.d';
const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'cni');
const FIXTURE_ID = '977313d0ebebfb765e9d373b82bef9081628dd64ee50d944e5c1b455412df44c';

/** A real cache file from the fixtures, rewritten for another sandbox ID. */
function cacheFor(id: string): Buffer {
  return Buffer.from(fs.readFileSync(path.join(fixtureDir, `cbr0-${FIXTURE_ID}-eth0`), 'utf8').split(FIXTURE_ID).join(id));
}

function node(): FakeNodeAccess {
  const access = new FakeNodeAccess();
  access.put(`${CONF_DIR}/10-cbr0.conflist`, fs.readFileSync(path.join(fixtureDir, '10-cbr0.conflist')));
  return access;
}

function statusCalls(cri: FakeCri): string[] {
  return cri.calls.filter((c) => c.startsWith('ContainerStatus ')).map((c) => c.slice('ContainerStatus '.length));
}

/** Resolves when `check` is true, or rejects after `ms` (the caller would otherwise wait forever). */
async function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('node inventory on fakes', () => {
  it('reads the status of orphan containers and of stopped containers of Ready sandboxes, not of dead pods\' leftovers', async () => {
    const cri = new FakeCri();
    const ready = cri.addSandbox({ id: fakeId('ready'), name: 'web', state: 'SANDBOX_READY' });
    const dead = cri.addSandbox({ id: fakeId('dead'), name: 'job', state: 'SANDBOX_NOTREADY' });
    const crashed = cri.addContainer({ id: fakeId('crashed'), podSandboxId: ready.id, state: 'CONTAINER_EXITED', exitCode: 137 });
    const running = cri.addContainer({ id: fakeId('running'), podSandboxId: ready.id, state: 'CONTAINER_RUNNING' });
    const leftover = cri.addContainer({ id: fakeId('leftover'), podSandboxId: dead.id, state: 'CONTAINER_EXITED', exitCode: 0 });
    const orphan = cri.addContainer({ id: fakeId('orphan'), podSandboxId: fakeId('gone'), state: 'CONTAINER_EXITED', exitCode: 2 });

    const inv = await inspectNode(node(), cri, { cniCacheDir: '/var/lib/cni', cniConfDir: CONF_DIR });
    assert.deepEqual(statusCalls(cri), [orphan.id, crashed.id], 'orphans first, then the Ready sandbox\'s stopped container');
    const byId = new Map(inv.containers.map((c) => [c.id, c]));
    assert.equal(byId.get(orphan.id)?.exitCode, 2);
    assert.equal(byId.get(crashed.id)?.exitCode, 137);
    assert.equal(byId.get(leftover.id)?.exitCode, undefined, 'listed, without a status call');
    assert.equal(byId.get(running.id)?.exitCode, undefined);
    assert.ok(inv.findings.some((f) => f.id === `runtime-object-missing:${orphan.id}`));
  });

  it('keeps to maxStatusLookups, orphans first', () => {
    const sandboxes = [{ id: 'r', state: 'SANDBOX_READY' as const }, { id: 'n', state: 'SANDBOX_NOTREADY' as const }]
      .map((s) => ({ ...s, name: s.id, namespace: 'ns', uid: s.id, attempt: 0, createdAtMs: 0, runtimeHandler: '', ips: [] }));
    const c = (id: string, podSandboxId: string, state: 'CONTAINER_EXITED' | 'CONTAINER_RUNNING' = 'CONTAINER_EXITED'): Parameters<typeof statusCandidates>[0][number] => ({
      id, podSandboxId, state, name: id, attempt: 0, image: 'i', createdAtMs: 0, labels: {}, annotations: {},
    });
    const containers = [c('live1', 'r'), c('dead1', 'n'), c('orphan1', 'x'), c('run', 'r', 'CONTAINER_RUNNING'), c('live2', 'r'), c('orphan2', 'y')];
    assert.deepEqual(statusCandidates(containers, sandboxes, 256).map((x) => x.id), ['orphan1', 'orphan2', 'live1', 'live2']);
    assert.deepEqual(statusCandidates(containers, sandboxes, 3).map((x) => x.id), ['orphan1', 'orphan2', 'live1']);
    assert.deepEqual(statusCandidates(containers, sandboxes, 0), []);
  });

  it('lists the runtime while the cache directory is being read, not after', async () => {
    const cri = new FakeCri();
    const id = fakeId('sb');
    cri.addSandbox({ id, state: 'SANDBOX_NOTREADY' });
    const access = node();
    access.put(`${RESULTS}/cbr0-${id}-eth0`, cacheFor(id));
    // Each side waits for the other to have started: a sequential inventory would time out here.
    let listing = false;
    let reading = false;
    const listPodSandbox = cri.listPodSandbox.bind(cri);
    cri.listPodSandbox = async (filter?: SandboxFilter): Promise<PodSandbox[]> => {
      listing = true;
      await until(() => reading, 'the cache directory read');
      return listPodSandbox(filter);
    };
    const listDir = access.listDir.bind(access);
    access.listDir = async (dir: string, signal?: AbortSignal): Promise<FileEntry[] | undefined> => {
      if (dir === RESULTS) {
        reading = true;
        await until(() => listing, 'ListPodSandbox');
      }
      return listDir(dir, signal);
    };
    const inv = await inspectNode(access, cri, { cniCacheDir: '/var/lib/cni', cniConfDir: CONF_DIR });
    assert.equal(inv.sandboxes.length, 1);
    assert.equal(inv.cniCache[0]?.state, 'valid');
    assert.deepEqual(inv.sandboxes[0].ips, ['10.244.9.2/24'], 'the sandbox gets its IPs from its cache file');
    assert.match(inv.sandboxes[0].netns ?? '', /\/netns\/cni-/);
    assert.equal(typeof inv.timingsMs.total, 'number');
  });

  it('splits the sandbox list by the IDs of the cache files when the runtime refuses the whole list', async () => {
    const cri = new FakeCri();
    const ids = [fakeId('a'), fakeId('b')];
    const access = node();
    for (const id of ids) {
      cri.addSandbox({ id, state: 'SANDBOX_NOTREADY' });
      access.put(`${RESULTS}/cbr0-${id}-eth0`, cacheFor(id));
    }
    cri.refuseLists = true;
    const inv = await inspectNode(access, cri, { cniCacheDir: '/var/lib/cni', cniConfDir: CONF_DIR });
    assert.equal(inv.listStrategy.sandboxes, 'by-id');
    assert.deepEqual(inv.sandboxes.map((s) => s.id).sort(), [...ids].sort());
    for (const id of ids) assert.ok(cri.calls.includes(`PodSandboxStatus ${id}`), `looked up ${id}`);
    // Cache files are no proof: a stopped sandbox has none. Without the runtime's own directories it is not complete.
    assert.equal(inv.listStrategy.complete, false);
    assert.deepEqual(inv.listStrategy.reasons?.map((r) => r.code), ['no-runtime-dir', 'part-too-large', 'no-runtime-dir']);
    assert.equal(inv.listStrategy.containers, 'by-id', 'containers split by the listed sandboxes');
  });

  it('ends with the first failing phase\'s own error and stops the other phases', async () => {
    const cri = new FakeCri();
    const access = node();
    let cacheSignal: AbortSignal | undefined;
    const listDir = access.listDir.bind(access);
    access.listDir = async (dir: string, signal?: AbortSignal): Promise<FileEntry[] | undefined> => {
      if (dir === RESULTS) {
        cacheSignal = signal;
        await until(() => signal?.aborted === true, 'the abort of the cache read');
      }
      return listDir(dir, signal);
    };
    cri.listPodSandbox = async (): Promise<PodSandbox[]> => {
      throw new CriError('ListPodSandbox', GrpcCode.UNAVAILABLE, 'connection refused');
    };
    await assert.rejects(inspectNode(access, cri, { cniCacheDir: '/var/lib/cni', cniConfDir: CONF_DIR }),
      (e: unknown) => e instanceof CriError && e.code === GrpcCode.UNAVAILABLE);
    assert.equal(cacheSignal?.aborted, true, 'the cache read was told to stop');
  });

  it('is cancelled by its caller\'s signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(inspectNode(node(), new FakeCri(), { cniCacheDir: '/var/lib/cni', cniConfDir: CONF_DIR, signal: controller.signal }),
      (e: unknown) => (e as { reason?: string }).reason === 'cancelled');
  });
});
