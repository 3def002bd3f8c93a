// Loaded by the extension host as extensionTestsPath (bench/tree.mjs runs it through test/harness/exthost.mjs):
// times the first `await ext.activate()` of the extension under development (loading dist/extension.js + activate())
// and prints lines the bench parses. Also, as a breakdown: VS Code's own marks around the activate() call alone, and
// the time to require the bundle again from a cleared cache (loading without activate()).
/* global require, exports */
const vscode = require('vscode');

const ID = 'kube-node-doctor.kube-node-doctor';

/** VS Code's performance marks in this extension host (vs/base/common/performance keeps them on globalThis). */
function activateCallMs() {
  const marks = globalThis.MonacoPerformanceMarks?.getMarks?.() ?? [];
  const at = (name) => marks.find((m) => m.name === name)?.startTime;
  const will = at(`code/extHost/willActivateExtension/${ID}`);
  const did = at(`code/extHost/didActivateExtension/${ID}`);
  return will !== undefined && did !== undefined ? did - will : undefined;
}

exports.run = async function run() {
  const ext = vscode.extensions.getExtension(ID);
  if (!ext) throw new Error(`extension ${ID} is not installed in this extension host`);
  if (ext.isActive) {
    // Something activated it before the bench ran (an activation event fired at start-up): no first activation to time.
    console.log('KND_BENCH_ACTIVATION already-active');
    return;
  }
  const started = performance.now();
  await ext.activate();
  console.log(`KND_BENCH_ACTIVATION_MS=${(performance.now() - started).toFixed(1)}`);
  const call = activateCallMs();
  if (call !== undefined) console.log(`KND_BENCH_ACTIVATE_CALL_MS=${call}`);
  // Loading the bundle alone, approximated by requiring it again from a cleared cache (top-level code only, no activate).
  const main = require.resolve(`${ext.extensionPath}/dist/extension.js`);
  delete require.cache[main];
  const loading = performance.now();
  require(main);
  console.log(`KND_BENCH_RELOAD_MS=${(performance.now() - loading).toFixed(1)}`);
};
