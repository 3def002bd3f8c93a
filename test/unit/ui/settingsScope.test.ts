import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Property { readonly scope?: string }

function settings(): Record<string, Property> {
  const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, Property> } | { properties: Record<string, Property> }[] } };
  const sections = Array.isArray(manifest.contributes.configuration) ? manifest.contributes.configuration : [manifest.contributes.configuration];
  return Object.assign({}, ...sections.map((s) => s.properties)) as Record<string, Property>;
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
