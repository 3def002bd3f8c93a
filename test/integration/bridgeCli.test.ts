import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { BridgeManager } from '../../src/core/bridge/bridgeManager';
import { STATE_DIR } from '../../src/core/bridge/podSpec';
import { KubeApi } from '../../src/core/cluster/kubeApi';
import { loadKubeconfigs } from '../../src/core/cluster/kubeconfig';
import { labPaths, startLabStandIn } from '../standin/labStandIn';
import type { LabStandIn } from '../standin/labStandIn';
import { CLI, runCli } from './support/cliRun';


const cli = runCli;

/** Starts the API stand-in over the lab for the calling describe (skipped without a lab or a built CLI). */
function useStandIn(): { readonly env: LabStandIn } {
  let env: LabStandIn | undefined;
  before(async function () {
    const lab = labPaths();
    if (!lab || !fs.existsSync(CLI)) this.skip();
    env = await startLabStandIn(lab);
  });
  after(async () => {
    await env?.close();
  });
  return {
    get env(): LabStandIn {
      if (!env) throw new Error('the stand-in is used outside its describe block');
      return env;
    },
  };
}

describe('kube-node-doctor inspect --context --node (bundled CLI through the bridge)', function () {
  this.timeout(60_000);
  const stub = useStandIn();
  let env: LabStandIn;
  beforeEach(() => {
    env = stub.env;
  });

  it('prints the node inventory as JSON and leaves no bridge pod behind', async () => {
    const run = await cli(['inspect', '--kubeconfig', env.kubeconfig, '--context', 'lab', '--node', env.node, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const inventory = JSON.parse(run.stdout) as { runtime: { runtimeName?: string; name?: string }; sandboxes: unknown[]; findings: unknown[]; listStrategy: unknown };
    assert.ok(Array.isArray(inventory.sandboxes) && Array.isArray(inventory.findings));
    assert.match(JSON.stringify(inventory.runtime), /containerd/);
    assert.equal(env.standIn.podsIn('kube-system').length, 0);
  });

  it('ends with exit code 2 and one line naming the context for an unreachable cluster, missing RBAC and a missing context', async () => {
    env.standIn.denied.add('create pods');
    try {
      const cases: [string, RegExp][] = [
        ['unreachable', /context "unreachable" \(ECONNREFUSED\)/],
        ['lab', /RBAC in context "lab" does not allow create pods in namespace kube-system/],
        ['missing', /Context "missing" is not in the kubeconfig/],
        ['bad-token', /context "bad-token" rejected the credentials/],
      ];
      for (const [context, expected] of cases) {
        const run = await cli(['inspect', '--kubeconfig', env.kubeconfig, '--context', context, '--node', env.node]);
        assert.equal(run.code, 2, `${context}: ${run.stderr}`);
        const lines = run.stderr.trim().split('\n');
        assert.equal(lines.length, 1, `one line for ${context}: ${run.stderr}`);
        assert.match(lines[0], expected);
        assert.ok(!run.stderr.includes(env.standIn.token) && !/\bat .*\.js:\d+/.test(run.stderr), 'no credential, no stack');
      }
    } finally {
      env.standIn.denied.clear();
    }
  });
});

describe('kube-node-doctor bridge-cleanup (bundled CLI against the API stand-in)', function () {
  this.timeout(60_000);
  const stub = useStandIn();
  let env: LabStandIn;
  beforeEach(() => {
    env = stub.env;
  });

  const podNames = (namespace = 'kube-system'): string[] => env.standIn.podsIn(namespace).map((p) => (p.metadata as { name: string }).name).sort();

  async function manager(namespace?: string): Promise<BridgeManager> {
    const configs = await loadKubeconfigs({ explicitPath: env.kubeconfig });
    return new BridgeManager(new KubeApi('lab', configs.forContext('lab')), { pollIntervalMs: 50, namespace });
  }

  it('lists with --dry-run, then deletes only the pods whose client went away, keeping a live client\'s pod', async () => {
    const crashed = await manager();
    const evicted = await manager();
    const alive = await manager();
    try {
      const gone = await crashed.ensure(env.node);
      const out = await evicted.ensure(env.node);
      const busy = await alive.ensure(env.node);
      // The crashed client's pod has not been beaten on for 10 minutes; the other one was evicted.
      const dir = env.standIn.podMountDir('kube-system', gone.name, STATE_DIR) as string;
      const then = Date.now() / 1000 - 600;
      fs.utimesSync(dir, then, then);
      env.standIn.evict('kube-system', out.name);
      const before = podNames();
      assert.equal(before.length, 3);

      const dry = await cli(['bridge-cleanup', '--kubeconfig', env.kubeconfig, '--context', 'lab', '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.deepEqual(podNames(), before, 'the dry run deleted nothing');
      assert.match(dry.stdout, new RegExp(`would delete +${gone.name} .*stale: last heartbeat 10 min ago`));
      assert.match(dry.stdout, new RegExp(`would delete +${out.name} .*finished: Failed \\(Evicted\\)`));
      assert.match(dry.stdout, new RegExp(`kept +${busy.name} .*in use`));
      assert.match(dry.stdout, /2 to delete \(dry run: nothing deleted\); 1 kept\.\n$/);

      const run = await cli(['bridge-cleanup', '--kubeconfig', env.kubeconfig, '--context=lab']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /2 deleted; 1 kept\.\n$/);
      assert.deepEqual(podNames(), [busy.name], 'only the live client\'s pod is left');

      const again = await cli(['bridge-cleanup', '--kubeconfig', env.kubeconfig, '--context', 'lab']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /No leftover bridge pods in namespace kube-system; 1 kept\.\n$/);
    } finally {
      for (const m of [alive, evicted, crashed]) await m.dispose();
    }
    assert.deepEqual(podNames(), []);
  });

  it('looks only in --bridge-namespace', async () => {
    const other = await manager('tools');
    try {
      const pod = await other.ensure(env.node);
      env.standIn.evict('tools', pod.name);
      const run = await cli(['bridge-cleanup', '--kubeconfig', env.kubeconfig, '--context', 'lab', '--bridge-namespace', 'tools']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`deleted +${pod.name} `));
      assert.deepEqual(podNames('tools'), []);
    } finally {
      await other.dispose();
    }
  });

  it('ends with exit code 2 and one line for missing RBAC, an unreachable cluster, a missing context and a bad flag', async () => {
    env.standIn.denied.add('delete pods');
    try {
      const cases: [string[], RegExp][] = [
        [['--context', 'lab'], /^kube-node-doctor bridge-cleanup: RBAC in context "lab" does not allow delete pods in namespace kube-system\./],
        [['--context', 'unreachable'], /context "unreachable" \(ECONNREFUSED\)/],
        [['--context', 'missing'], /Context "missing" is not in the kubeconfig/],
        [['--context', 'lab', '--force'], /unexpected argument "--force"/],
        [['--context'], /--context needs a value/],
      ];
      for (const [args, expected] of cases) {
        const run = await cli(['bridge-cleanup', '--kubeconfig', env.kubeconfig, ...args]);
        assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
        const lines = run.stderr.trim().split('\n');
        assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${run.stderr}`);
        assert.match(lines[0], expected);
        assert.ok(!run.stderr.includes(env.standIn.token) && !/\bat .*\.js:\d+/.test(run.stderr), 'no credential, no stack');
      }
    } finally {
      env.standIn.denied.clear();
    }
  });
});
