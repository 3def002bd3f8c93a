import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Property { readonly scope?: string; readonly order?: number; readonly default?: unknown }
interface Section { readonly id?: string; readonly title?: string; readonly order?: number; readonly properties: Record<string, Property> }

function sections(): Section[] {
  const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as { contributes: { configuration: Section | Section[] } };
  const c = manifest.contributes.configuration;
  return Array.isArray(c) ? c : [c];
}

function settings(): Record<string, Property> {
  return Object.assign({}, ...sections().map((s) => s.properties)) as Record<string, Property>;
}

/** The section (by title) each setting is in, in the order the Settings editor shows sections. */
function sectionOf(key: string): number {
  const ordered = [...sections()].sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity));
  return ordered.findIndex((s) => key in s.properties);
}

describe('settings a workspace must not change', () => {
  it('are machine-scoped: the bridge image, profile, namespace and paths, the quarantine dir, the local node paths, the kubeconfig', () => {
    const all = settings();
    const security = [
      'kubeconfig', 'bridge.image', 'bridge.profile', 'bridge.namespace', 'bridge.runtimeEndpoint', 'bridge.cniCacheDir', 'bridge.cniConfDir',
      'bridge.cniBinDir', 'repair.quarantineDir', 'localNode.runtimeEndpoint', 'localNode.hostRoot', 'localNode.cniCacheDir',
      'localNode.cniConfDir', 'localNode.cniBinDir',
    ].map((k) => `kubeNodeDoctor.${k}`);
    for (const key of security) assert.equal(all[key]?.scope, 'machine', key);
  });
});

describe('settings sections', () => {
  it('are titled sections with distinct orders, and every setting is in exactly one of them', () => {
    const all = sections();
    assert.ok(all.length >= 3, 'the settings are split into sections');
    for (const s of all) {
      assert.ok(s.title && s.title.trim() !== '', `section ${s.id ?? '?'} has a title`);
      assert.equal(typeof s.order, 'number', `section ${s.title ?? '?'} has an order`);
      assert.ok(Object.keys(s.properties).length > 0, `section ${s.title ?? '?'} is not empty`);
    }
    assert.equal(new Set(all.map((s) => s.order)).size, all.length, 'no two sections share an order');
    const keys = all.flatMap((s) => Object.keys(s.properties));
    assert.equal(new Set(keys).size, keys.length, 'no setting is in two sections');
    for (const key of keys) assert.match(key, /^kubeNodeDoctor\./);
  });

  it('shows the common settings first (dry run, repair thresholds), then nodes and kubeconfig, then the bridge internals', () => {
    const k = (key: string): number => sectionOf(`kubeNodeDoctor.${key}`);
    assert.equal(k('repair.dryRun'), 0, 'dry run is in the first section');
    assert.equal(k('repair.pruneKeep'), 0);
    assert.equal(k('repair.pruneMinAge'), 0);
    assert.ok(k('kubeconfig') > k('repair.dryRun'), 'kubeconfig comes after the repair settings');
    assert.equal(k('localNode.mode'), k('kubeconfig'), 'the local node switch sits with the kubeconfig');
    for (const internal of ['bridge.image', 'bridge.namespace', 'bridge.runtimeEndpoint', 'bridge.cniCacheDir', 'localNode.hostRoot', 'localNode.cniBinDir']) {
      assert.ok(k(internal) > k('kubeconfig'), `${internal} comes after nodes and kubeconfig`);
    }
    const first = sections().find((s) => 'kubeNodeDoctor.repair.dryRun' in s.properties);
    assert.equal(first?.properties['kubeNodeDoctor.repair.dryRun']?.order, 0, 'dry run leads its section');
  });
});
