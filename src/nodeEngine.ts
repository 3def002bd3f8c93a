// The node-side engine, bundled apart from the extension (dist/nodeEngine.js) and loaded on first use, so activation does not
// pay for @kubernetes/client-node and gRPC. Only what the VS Code layer calls is exported here.
export { NodeDoctor } from './core/session/nodeDoctor';
export { JsonLinesAuditSink } from './core/repair/audit';
export { reportModelFromInventory } from './core/report/fromInventory';
export { clusterHealth, nodeServiceLog, scanCluster } from './core/fleet/clusterScan';
