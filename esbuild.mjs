// Bundles: the extension (CommonJS, `vscode` external), the CLI (plain node), and the report webview (browser).
// Usage: node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import fs from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'info',
  legalComments: production ? 'none' : 'inline',
};

const nodeTarget = { ...common, platform: 'node', target: 'node20', format: 'cjs' };

const builds = [
  // Activation loads only dist/extension.js (the shell: log channel and stand-ins); the log part, the node part and the
  // engine (client-node, gRPC) are separate bundles it requires on first use.
  { ...nodeTarget, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...nodeTarget, entryPoints: { logs: 'src/ui/parts/logPart.ts', nodes: 'src/ui/parts/nodePart.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...nodeTarget, entryPoints: { nodeEngine: 'src/nodeEngine.ts' }, outdir: 'dist' },
  // The CLI likewise: `rules` and `diagnose` run from dist/cli.js alone; the node commands are in dist/cliNode.js, required on demand.
  { ...nodeTarget, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' }, external: ['./cliNode.js'],
    define: { KND_SINGLE_BUNDLE: 'false', KND_VERSION: JSON.stringify(JSON.parse(fs.readFileSync('package.json', 'utf8')).version) } },
  { ...nodeTarget, entryPoints: { cliNode: 'src/cli/cliNode.ts' }, outdir: 'dist' },
];
if (fs.existsSync('webview/main.ts')) {
  builds.push({ ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: { report: 'webview/main.ts', fleet: 'webview/fleet.ts' }, outdir: 'dist/webview' });
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  fs.chmodSync('dist/cli.js', 0o755);
}
