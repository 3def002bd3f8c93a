// The commands that open a node or a cluster, bundled apart from the CLI (dist/cliNode.js) and required only when one of
// them runs, so `rules` and `diagnose` start without loading @kubernetes/client-node and gRPC.
export { bridgeCleanupCommand } from './bridgeCleanupCommand';
export { inspectCommand } from './inspectCommand';
export { NODE_FLAGS_HELP, npdReadAnswers, parseNpdNodeFlags } from './npdInventory';
export { repairCommand } from './repairCommand';
