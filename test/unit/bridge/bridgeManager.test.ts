import * as assert from 'node:assert/strict';
import { BridgeManager } from '../../../src/core/bridge/bridgeManager';
import { PROBE_SCRIPT } from '../../../src/core/bridge/bridgeSweep';
import type { ExecTransport, PodRef } from '../../../src/core/bridge/podExec';
import { ANNOTATION_HEARTBEAT, ANNOTATION_NODE, LABEL_SESSION } from '../../../src/core/bridge/podSpec';
import { describeStranded } from '../../../src/core/bridge/stranded';
import type { ApiRequest } from '../../../src/core/cluster/kubeApi';
import { FakeKubeApi } from '../../fakes/fakeKubeApi';
import type { FakePod } from '../../fakes/fakeKubeApi';
import { NodeDoctorError } from '../../../src/core/errors';
import type { RunResult } from '../../../src/core/node/nodeAccess';

type Pod = FakePod;

/** The API in memory; this suite's context name needs quoting in the commands it prints. */
class FakeApi extends FakeKubeApi {
  constructor() {
    super('prod \'eu\'');
  }
}

/** Records every exec; answers the heartbeat probe with `probe(pod)` and everything else with exit 0. */
class FakeTransport implements ExecTransport {
  readonly execs: { pod: string; argv: readonly string[] }[] = [];
  probe: (pod: PodRef) => RunResult | Error = () => ({ exitCode: 0, stdout: Buffer.from(''), stderr: Buffer.alloc(0) });

  async exec(pod: PodRef, argv: readonly string[]): Promise<RunResult> {
    this.execs.push({ pod: pod.name, argv });
    if (argv[2] === PROBE_SCRIPT) {
      const answer = this.probe(pod);
      if (answer instanceof Error) throw answer;
      return answer;
    }
    return { exitCode: 0, stdout: Buffer.from(argv.join(' ')), stderr: Buffer.alloc(0) };
  }

  relay(): Promise<void> {
    return Promise.reject(new Error('no relay in this test'));
  }
}

function setup(options: ConstructorParameters<typeof BridgeManager>[1] = {}): { api: FakeApi; transport: FakeTransport; manager: BridgeManager; log: string[] } {
  const api = new FakeApi();
  const transport = new FakeTransport();
  const log: string[] = [];
  const manager = new BridgeManager(api, { pollIntervalMs: 1, sessionId: 'me', kubeconfigPath: '/home/a b/.kube/config', log: (l) => log.push(l), ...options }, transport);
  return { api, transport, manager, log };
}

describe('bridge pod pool with an injected exec transport (no API stand-in)', () => {
  it('creates one pod per node on first use, reuses it, and deletes every pod on dispose', async () => {
    const { api, transport, manager } = setup();
    await manager.exec('node-a', ['true'], { timeoutMs: 1000 });
    await manager.exec('node-a', ['echo', 'x'], { timeoutMs: 1000 });
    await manager.exec('node-b', ['true'], { timeoutMs: 1000 });
    assert.equal(api.pods.size, 2);
    assert.deepEqual(new Set(transport.execs.map((e) => e.pod)).size, 2, 'node-a\'s two execs went to one pod');
    assert.deepEqual([...api.pods.values()].map((p) => p.metadata.annotations[ANNOTATION_NODE]).sort(), ['node-a', 'node-b']);
    assert.deepEqual(await manager.dispose(), []);
    assert.equal(api.pods.size, 0);
    await assert.rejects(manager.exec('node-a', ['true'], { timeoutMs: 1000 }), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'cancelled');
  });

  it('deletes an idle pod after the idle timeout', async () => {
    const { api, manager } = setup({ idleTimeoutMs: 20 });
    await manager.exec('node-a', ['true'], { timeoutMs: 1000 });
    assert.equal(api.pods.size, 1);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(api.pods.size, 0);
    await manager.dispose();
  });

  it('names every pod it could not delete with the shell-quoted kubectl command that removes it', async () => {
    const stranded: string[] = [];
    const { api, manager, log } = setup({ onStranded: (pod) => stranded.push(describeStranded(pod)) });
    await manager.exec('node-a', ['true'], { timeoutMs: 1000 });
    await manager.exec('node-b', ['true'], { timeoutMs: 1000 });
    api.deleteFails = true;
    const left = await manager.dispose();
    assert.equal(left.length, 2);
    assert.equal(api.pods.size, 2);
    const [name] = [...api.pods.keys()].sort();
    const first = left.find((p) => p.name === name);
    assert.deepEqual(first?.command, ['kubectl', '--kubeconfig', '/home/a b/.kube/config', '--context', 'prod \'eu\'', '-n', 'kube-system', 'delete', 'pod', name]);
    assert.equal(stranded.length, 2, 'one line per pod');
    const line = stranded.find((l) => l.includes(name)) ?? '';
    assert.ok(line.endsWith(`remove it with: kubectl --kubeconfig '/home/a b/.kube/config' --context 'prod '\\''eu'\\''' -n kube-system delete pod ${name}`), line);
    assert.match(line, /could not be deleted \(Cannot reach the API server of context .* \(ECONNREFUSED\)\.\)/);
    assert.ok(!line.includes('\n'));
    assert.ok(log.some((l) => l.startsWith(`could not delete bridge pod kube-system/${name}`)));
  });

  it('tries again on dispose a delete that failed when idle, and reports nothing when that works', async () => {
    const stranded: string[] = [];
    const { api, manager } = setup({ idleTimeoutMs: 10, onStranded: (pod) => stranded.push(pod.name) });
    await manager.exec('node-a', ['true'], { timeoutMs: 1000 });
    api.deleteFails = true;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(api.pods.size, 1, 'the idle delete failed');
    api.deleteFails = false;
    assert.deepEqual(await manager.dispose(), []);
    assert.equal(api.pods.size, 0);
    assert.deepEqual(stranded, []);
  });

  it('deletes the pod when the start is cancelled, even mid-request', async () => {
    const { api, manager } = setup();
    const controller = new AbortController();
    const slow = api.request.bind(api);
    api.request = async <T>(req: ApiRequest): Promise<T> => {
      const answer = await slow<T>(req);
      if (req.method === 'POST' && req.path.endsWith('/pods')) { controller.abort(); throw new NodeDoctorError('cancelled', 'Cancelled.'); }
      return answer;
    };
    await assert.rejects(manager.ensure('node-a', controller.signal), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'cancelled');
    assert.equal(api.pods.size, 0, 'created by the server, deleted by the client');
    assert.deepEqual(await manager.dispose(), []);
  });
});

describe('leftover sweep with an injected exec transport (no API stand-in)', () => {
  const NOW = Math.floor(Date.now() / 1000);
  function other(name: string, extra: Partial<Pod> = {}): Pod {
    return {
      metadata: {
        name, creationTimestamp: new Date(Date.now() - 30 * 60_000).toISOString(),
        labels: { 'app.kubernetes.io/managed-by': 'kube-node-doctor', 'app.kubernetes.io/component': 'node-bridge', [LABEL_SESSION]: 'gone' },
        annotations: { [ANNOTATION_NODE]: 'node-x', [ANNOTATION_HEARTBEAT]: '60' },
      },
      spec: { activeDeadlineSeconds: 7200 },
      status: { phase: 'Running' },
      ...extra,
    };
  }

  it('deletes finished and silent pods, keeps a beating one and one whose heartbeat cannot be read, and keeps its own', async () => {
    const { api, transport, manager } = setup();
    await manager.exec('node-a', ['true'], { timeoutMs: 1000 });
    const own = [...api.pods.keys()][0];
    api.pods.set('finished', other('finished', { status: { phase: 'Failed', reason: 'DeadlineExceeded' } }));
    api.pods.set('silent', other('silent'));
    api.pods.set('beating', other('beating'));
    api.pods.set('unreadable', other('unreadable'));
    transport.probe = (pod) => {
      if (pod.name === 'unreadable') return new NodeDoctorError('unreachable', 'exec failed: token=abc123');
      const beat = pod.name === 'silent' ? NOW - 600 : NOW - 5;
      return { exitCode: 0, stdout: Buffer.from(`${NOW}\n${NOW - 1800}\n${beat}\n`), stderr: Buffer.alloc(0) };
    };
    const report = await manager.sweepLeftovers();
    assert.deepEqual(report.leftovers.map((p) => [p.name, p.reason, p.deleted]), [['finished', 'finished', true], ['silent', 'stale', true]]);
    assert.deepEqual(report.kept.map((p) => p.name), ['beating', 'unreadable']);
    assert.match(report.kept[1].detail, /heartbeat not readable/);
    assert.ok(!report.kept[1].detail.includes('abc123'), 'the reason is redacted');
    assert.ok(api.pods.has(own) && api.pods.has('beating') && !api.pods.has('silent'));
    assert.ok(!transport.execs.some((e) => e.pod === own && e.argv[2] === PROBE_SCRIPT), 'its own pod is not probed');
    await manager.dispose();
  });

  it('reports a leftover it could not delete as not deleted, and changes nothing in a dry run', async () => {
    const { api, manager } = setup();
    api.pods.set('finished', other('finished', { status: { phase: 'Succeeded' } }));
    const dry = await manager.sweepLeftovers({ dryRun: true });
    assert.deepEqual(dry.leftovers.map((p) => [p.name, p.deleted]), [['finished', false]]);
    assert.ok(api.pods.has('finished'));
    api.deleteFails = true;
    const failed = await manager.sweepLeftovers();
    assert.deepEqual(failed.leftovers.map((p) => [p.name, p.deleted]), [['finished', false]]);
    assert.deepEqual(await manager.dispose(), [], 'another client\'s pod is the sweep\'s report, not this session\'s');
  });
});
