import * as assert from 'node:assert/strict';
import { cacheKey, DEFAULT_NPD_CACHE_DIR, parseNpdArgs } from '../../../src/cli/npdCheckCommand';
import type { NpdCheckArgs } from '../../../src/cli/npdCheckCommand';
import { parseNpdNodeFlags } from '../../../src/cli/npdInventory';

function parse(args: string[], env: NodeJS.ProcessEnv = {}): NpdCheckArgs {
  const parsed = parseNpdArgs(args, env);
  assert.notEqual(parsed, 'help');
  return parsed as NpdCheckArgs;
}

describe('npd-check arguments', () => {
  it('takes the condition anywhere, its own flags, and passes the node flags on as given', () => {
    const p = parse(['--runtime-endpoint', 'unix:///run/k3s/containerd/containerd.sock', 'CNICacheCorrupt', '--timeout=3s', '--cni-cache-dir=/var/lib/cni', '--cache-ttl', '25s'], { NODE_NAME: 'worker-1' });
    assert.equal(p.condition, 'CNICacheCorrupt');
    assert.equal(p.timeoutMs, 3000);
    assert.equal(p.cacheTtlMs, 25_000);
    assert.equal(p.cacheDir, DEFAULT_NPD_CACHE_DIR);
    assert.equal(p.nodeName, 'worker-1', 'NODE_NAME, as NPD\'s DaemonSet sets it');
    assert.deepEqual(p.nodeArgs, ['--runtime-endpoint', 'unix:///run/k3s/containerd/containerd.sock', '--cni-cache-dir', '/var/lib/cni']);
    assert.deepEqual(parseNpdNodeFlags(p.nodeArgs), { runtimeEndpoint: 'unix:///run/k3s/containerd/containerd.sock', cniCacheDir: '/var/lib/cni' });
    assert.equal(parse(['StuckSandbox', '--node-name', 'n2', '--cache-dir', 'off'], { NODE_NAME: 'n1' }).nodeName, 'n2');
    assert.equal(parse(['StuckSandbox', '--cache-dir', 'off']).cacheDir, undefined);
    assert.equal(parseNpdArgs(['--help']), 'help');
  });

  it('refuses a missing or unknown condition, two conditions, and bad durations', () => {
    for (const bad of [[], ['Foo'], ['CNICacheCorrupt', 'SandboxBacklog'], ['OrphanContainers', '--timeout', 'soon'], ['OrphanContainers', '--timeout', '100ms'],
      ['OrphanContainers', '--timeout', '11m'], ['OrphanContainers', '--cache-dir', 'relative'], ['OrphanContainers', '-x'], ['OrphanContainers', '--runtime-endpoint']]) {
      assert.throws(() => parseNpdArgs(bad, {}), (e: Error & { reason?: string }) => e.reason === 'bad-input', bad.join(' '));
    }
    assert.throws(() => parseNpdNodeFlags(['--no-such-flag', 'x']), /unknown option "--no-such-flag"/);
  });

  it('shares a cache file between checks whose node flags agree in any order, and not otherwise', () => {
    const a = cacheKey(parse(['CNICacheCorrupt', '--runtime-endpoint', 'unix:///a.sock', '--host-root', '/host']));
    const b = cacheKey(parse(['--host-root=/host', 'StuckSandbox', '--runtime-endpoint=unix:///a.sock', '--timeout', '2s']));
    assert.equal(a, b, 'the condition, the timeout and the flag order do not matter');
    assert.match(a, /^[0-9a-f]{16}$/);
    assert.notEqual(cacheKey(parse(['CNICacheCorrupt', '--runtime-endpoint', 'unix:///b.sock', '--host-root', '/host'])), a);
    assert.notEqual(cacheKey(parse(['CNICacheCorrupt', '--runtime-endpoint', 'unix:///a.sock', '--host-root', '/host'], { NODE_NAME: 'n1' })), a);
  });
});
