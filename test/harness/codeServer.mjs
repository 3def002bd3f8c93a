// A throwaway code-server (a real VS Code 1.100 server + web workbench) on 127.0.0.1 and a headless Debian Chromium,
// shared by the extension-host runner, the UI end-to-end tests and `npm start`.
import { chromium } from 'playwright-core';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.KND_CHROMIUM ?? '/usr/bin/chromium';

/** Settings that keep a fresh profile quiet: no telemetry, update checks, welcome pages or git toasts. */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none', 'workbench.editor.empty.hint': 'hidden', 'telemetry.telemetryLevel': 'off',
  'update.mode': 'none', 'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'git.enabled': false,
  'security.workspace.trust.enabled': false, 'workbench.enableExperiments': false, 'chat.disableAIFeatures': true,
  'workbench.tips.enabled': false, 'window.commandCenter': false,
};

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts code-server with a fresh profile. Returns { base, port, tmp, extensionsDir, stop() }.
 * options: bin, workspace, port?, settings?, vsix? (installed into the fresh extensions dir first), keep?
 */
export async function startCodeServer({ bin, workspace, port, settings = {}, vsix, keep = false }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-cs-'));
  port ??= await freePort();
  const userData = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  // code-server's window is a remote one: machine-scoped settings (the extension's node paths, kubeconfig, bridge image) are
  // read from the remote ("Machine") settings only, once the workbench has loaded them. Write them there too, so a change in
  // the Settings editor (which rewrites the user file) does not drop them.
  fs.mkdirSync(path.join(userData, 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'Machine', 'settings.json'), JSON.stringify(settings, null, 2));
  fs.writeFileSync(path.join(tmp, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'), XDG_DATA_HOME: path.join(tmp, 'xdg-data') };
  const common = ['--config', path.join(tmp, 'config.yaml'), '--user-data-dir', userData, '--extensions-dir', extensionsDir];
  if (vsix) {
    const installed = spawnSync(bin, [...common, '--install-extension', vsix, '--force'], { env, encoding: 'utf8' });
    if (installed.status !== 0) throw new Error(`installing ${vsix} failed: ${installed.stdout}${installed.stderr}`);
  }
  const server = spawn(bin, [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry',
    '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', workspace], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = fs.createWriteStream(path.join(tmp, 'server.log'));
  server.stdout.pipe(logFile);
  server.stderr.pipe(logFile);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch { /* not listening yet */ }
    if (server.exitCode !== null || i > 600) throw new Error(`code-server did not start; see ${path.join(tmp, 'server.log')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
    }
    if (!keep) fs.rmSync(tmp, { recursive: true, force: true });
  };
  return { base, port, tmp, extensionsDir, server, stop };
}

/** Headless Chromium with a fresh profile and clipboard access. */
export async function launchBrowser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const close = async () => {
    await context.close().catch(() => undefined);
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/** The workbench URL that opens `folder` with a development extension (and optionally a tests module). */
export function workbenchUrl(base, folder, { extensionDevelopmentPath, extensionTestsPath } = {}) {
  const authority = new URL(base).host;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', `vscode-remote://${authority}${extensionDevelopmentPath}`]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', `vscode-remote://${authority}${extensionTestsPath}`]);
  const query = `folder=${encodeURIComponent(folder)}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
  return `${base}/?${query}`;
}
