// Prints figures for Scan Cluster (not a test: nothing here asserts).
//   eval "$(bash test/harness/runtime/up.sh | sed 's/^/export /')"   # the real containerd harness (KND_* env)
//   node bench/fleet.mjs [--nodes 200] [--concurrency 8] [--start-delay 150]
// A scan of --nodes API stand-in nodes, each mapped onto the harness's containerd (every node's bridge pod execs reach the
// lab runtime through the stand-in, as test/standin/labStandIn.ts maps them), through the product's scanCluster: wall time
// at --concurrency, per-node inspection times, and the bridge pods left afterwards — counted by the product (a list of
// the session's pods) and by the stand-in itself. The stand-in's pods go Running after --start-delay ms (150 ms default,
// the stand-in's usual; a real cluster's pod start is slower and adds to each node's time).
import os from 'node:os';
import { loadFromRepo } from './support/load.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const nodeCount = arg('nodes', 200);
const concurrency = arg('concurrency', 8);
const startDelayMs = arg('start-delay', 150);

const m = await loadFromRepo([
  ['scanCluster', 'src/core/fleet/clusterScan'],
  ['NodeDoctor', 'src/core/session/nodeDoctor'],
  ['MemoryAuditSink', 'src/core/repair/audit'],
  ['labPaths, startLabStandIn', 'test/standin/labStandIn'],
]);

const lab = m.labPaths();
if (!lab) {
  console.log('SKIPPED: no runtime harness (run test/harness/runtime/up.sh and export its KND_* lines)');
  process.exit(0);
}
console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
const env = await m.startLabStandIn(lab, { nodeCount, startDelayMs });
const doctor = new m.NodeDoctor({
  settings: () => ({ localNode: 'off', local: {}, kubeconfig: env.kubeconfig, bridge: {} }),
  audit: new m.MemoryAuditSink(), actor: 'bench', client: 'bench', log: () => undefined,
});
try {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { outcome, model } = await m.scanCluster(doctor, 'lab', { kind: 'labelSelector', selector: 'kubernetes.io/hostname notin (lab-node)' }, { concurrency });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const times = outcome.results.filter((r) => r.ms !== undefined).map((r) => r.ms).sort((a, b) => a - b);
  const pct = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))];
  const by = (s) => outcome.results.filter((r) => r.status === s).length;
  console.log(`scan of ${outcome.results.length} stand-in nodes (label selector, server-side) at concurrency ${outcome.concurrency}`);
  console.log(`  wall time: ${(wall / 1000).toFixed(1)} s (${(wall / outcome.results.length).toFixed(0)} ms per node; the scan's own figure ${(outcome.wallMs / 1000).toFixed(1)} s, cleanup included)`);
  console.log(`  per-node inspection (pod start + inventory): median ${pct(0.5).toFixed(0)} ms, p90 ${pct(0.9).toFixed(0)} ms, max ${times.at(-1).toFixed(0)} ms`);
  console.log(`  results: ${by('inspected')} inspected, ${by('failed')} failed, ${by('cancelled')} cancelled; categories: ${model.categories.join(', ') || '(none)'}`);
  console.log(`  bridge pods created: ${env.standIn.created.length}; execs: ${env.standIn.stats.execs}; API requests: ${env.standIn.stats.requests}`);
  console.log(`  CPU of this process (scan + stand-in + exec'd tools' I/O): user ${(cpu.user / 1e6).toFixed(1)} s, system ${(cpu.system / 1e6).toFixed(1)} s`);
  console.log(`  pods left = ${outcome.podsLeft.count ?? `unknown (${outcome.podsLeft.detail})`} (product's list of its session's pods); stand-in's own count: ${env.standIn.pods.size}`);
  for (const r of outcome.results.filter((x) => x.status === 'failed').slice(0, 3)) console.log(`  failed ${r.node}: ${r.error}`);
} finally {
  await doctor.dispose();
  await env.close();
}
