// What the inventory and repair tests on the real runtime share: the per-file lab lifecycle (skip without a lab, one
// CRI client, an empty lab before and after), the lab seen as a node (access, cache dir, inspectNode), the repair
// executor wired to it, and host-side checks (host-local reservations, the error of a failing StopPodSandbox).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CriError } from '../../../src/core/cri/criError';
import type { CriRuntime } from '../../../src/core/cri/types';
import { inspectNode } from '../../../src/core/inventory/inspect';
import type { Inventory } from '../../../src/core/inventory/types';
import { LocalNodeAccess } from '../../../src/core/node/localNodeAccess';
import { RepairExecutor } from '../../../src/core/repair/executor';
import type { AuditSink } from '../../../src/core/repair/types';
import { cleanupAll, labCri, labEnv, removeSandboxUnderneath, requireLab } from './lab';

/** A test file's hold on the lab runtime; `cri` is replaced when containerd restarts. */
export interface LabRuntime {
  readonly cri: CriRuntime;
  /** Removes a sandbox underneath CRI (containerd restarts) and reconnects `cri`: the orphan signature. */
  removeSandboxUnderneath(sandboxId: string): Promise<void>;
}

/**
 * Registers the hooks every runtime test file needs, in the calling `describe`: skip the suite without a lab, open
 * one CRI client, empty the lab before the first test and after the last.
 */
export function useLabRuntime(): LabRuntime {
  let cri: CriRuntime | undefined;
  before(async function () {
    if (!labEnv()) this.skip();
    cri = labCri();
    await cleanupAll();
  });
  after(async () => {
    if (!labEnv()) return;
    await cleanupAll();
    cri?.close();
  });
  return {
    get cri(): CriRuntime {
      if (!cri) throw new Error('the lab runtime is used outside its describe block');
      return cri;
    },
    async removeSandboxUnderneath(sandboxId: string): Promise<void> {
      await removeSandboxUnderneath(sandboxId);
      cri?.close();
      cri = labCri(); // the old channel still points at the containerd that was restarted
    },
  };
}

/**
 * How the node's CNI cache dir is named to the inventory:
 *   node  `/var/lib/cni`, as containerd and a real node see it (the lab's private cache is mounted there);
 *   host  the lab's own `<lab>/cni-cache`, the same directory under the name `cacheFilePath` uses, so finding and
 *         cache-entry paths compare directly with the files a test corrupts.
 */
export type CachePaths = 'node' | 'host';

export interface LabNode {
  /** Rooted at the lab's mount-namespace holder; commands (CNI DEL) run inside that namespace, as on a node. */
  readonly access: LocalNodeAccess;
  readonly cniCacheDir: string;
  readonly cniConfDir: string;
  readonly endpoint: string;
}

/** The lab seen as a node. */
export function labNode(paths: CachePaths = 'node'): LabNode {
  const lab = requireLab();
  const access = new LocalNodeAccess({
    hostRoot: lab.hostRoot ?? '/',
    runPrefix: lab.mountNsPid ? ['nsenter', '-t', String(lab.mountNsPid), '-m', '--'] : [],
  });
  const cniCacheDir = paths === 'node' && lab.hostRoot ? '/var/lib/cni' : lab.cniCacheDir;
  return { access, cniCacheDir, cniConfDir: lab.cniConfDir, endpoint: lab.endpoint };
}

/** `inspectNode` of the lab with the CLI's defaults. */
export function inspectLab(cri: CriRuntime, options: { paths?: CachePaths; perPodThreshold?: number } = {}): Promise<Inventory> {
  const node = labNode(options.paths);
  return inspectNode(node.access, cri, {
    cniCacheDir: node.cniCacheDir, cniConfDir: node.cniConfDir, endpoint: node.endpoint, perPodThreshold: options.perPodThreshold,
  });
}

/** A RepairExecutor on the lab node (backups go where the plan says: planRepairs' `quarantineDir`). */
export function labExecutor(cri: CriRuntime, audit: AuditSink, options: { actor?: string; timeoutMs?: number } = {}): RepairExecutor {
  return new RepairExecutor({
    access: labNode().access, cri, audit,
    actor: options.actor ?? 'integration-test', timeoutMs: options.timeoutMs,
  });
}

/** host-local's reservations (`<dataDir>/<network>/<ip>` holding `<containerId>\n<ifname>`) held by one container. */
export function reservedIps(containerId: string): string[] {
  const dir = requireLab().hostLocalDir;
  return fs.readdirSync(dir).filter((name) => /^\d+\.\d+\.\d+\.\d+$/.test(name))
    .filter((name) => fs.readFileSync(path.join(dir, name), 'utf8').split('\n')[0]?.trim() === containerId);
}

/** The CriError of a StopPodSandbox that is expected to fail (fails the test if it succeeds). */
export async function stopError(cri: CriRuntime, sandboxId: string): Promise<CriError> {
  try {
    await cri.stopPodSandbox(sandboxId);
  } catch (error) {
    assert.ok(error instanceof CriError, String(error));
    return error;
  }
  return assert.fail('StopPodSandbox was expected to fail');
}
