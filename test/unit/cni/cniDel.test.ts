import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { classifyCacheBytes } from '../../../src/core/cni/cacheFile';
import { buildCniDel } from '../../../src/core/cni/cniDel';
import { manualCniDel } from '../../../src/core/repair/shell';
import { repoRoot } from '../diagnosis/fixturePaths';

const ID = '977313d0ebebfb765e9d373b82bef9081628dd64ee50d944e5c1b455412df44c';

function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(repoRoot, 'test/fixtures/cni', name));
}

describe('CNI DEL built from a cache file', () => {
  const { content } = classifyCacheBytes(fixture(`cbr0-${ID}-eth0`));

  it('runs the cached conflist\'s plugins in reverse order with the DEL environment', () => {
    assert.ok(content);
    const dels = buildCniDel(content, { binDir: '/opt/cni/bin/', netns: '/var/run/netns/cni-1' });
    assert.deepEqual(dels.map((d) => d.binary), ['/opt/cni/bin/portmap', '/opt/cni/bin/bridge']);
    const env = dels[1].env;
    assert.equal(env.CNI_COMMAND, 'DEL');
    assert.equal(env.CNI_CONTAINERID, ID);
    assert.equal(env.CNI_IFNAME, 'eth0');
    assert.equal(env.CNI_NETNS, '/var/run/netns/cni-1');
    assert.equal(env.CNI_PATH, '/opt/cni/bin');
    assert.equal(env.CNI_ARGS, content.cniArgs?.map(([k, v]) => `${k}=${v}`).join(';'), 'every recorded arg, in order');
    assert.match(env.CNI_ARGS, /(^|;)IgnoreUnknown=1;K8S_POD_NAMESPACE=fixture-ns;/);
    assert.match(env.CNI_ARGS, new RegExp(`K8S_POD_INFRA_CONTAINER_ID=${ID}`));
  });

  it('hands each plugin the network name, cniVersion and the cached result as prevResult', () => {
    assert.ok(content);
    const [portmap, bridge] = buildCniDel(content, { binDir: '/opt/cni/bin', netns: '' }).map((d) => JSON.parse(d.stdin) as Record<string, unknown>);
    assert.equal(bridge.name, 'cbr0');
    assert.equal(bridge.cniVersion, '1.0.0');
    assert.equal(bridge.type, 'bridge');
    assert.deepEqual(bridge.prevResult, content.result);
    assert.equal((bridge.ipam as { type: string }).type, 'host-local');
    assert.equal(portmap.type, 'portmap');
    assert.ok('runtimeConfig' in portmap === ('portMappings' in (content.capabilityArgs ?? {})), 'capability args only when the file records them');
  });

  it('prints the same DEL as commands a person can run', () => {
    assert.ok(content);
    const text = manualCniDel(buildCniDel(content, { binDir: '/opt/cni/bin', netns: '' }), '/var/run/netns/cni-1');
    assert.equal(text.split('\n').length, 3, 'the netns line, then one line per plugin');
    assert.match(text, /^netns='?\/var\/run\/netns\/cni-1'?; \[ -n "\$netns" \] && \[ -e "\$netns" \] \|\| netns=''$/m);
    assert.match(text, /^printf '%s' '\{.*' \| env CNI_COMMAND=DEL .* CNI_NETNS="\$netns" \/opt\/cni\/bin\/portmap$/m);
  });

  it('builds nothing from the loopback file\'s content when its config is missing', () => {
    assert.deepEqual(buildCniDel({ kind: 'cniCacheV1' }, { binDir: '/opt/cni/bin', netns: '' }), []);
  });

  it('refuses a plugin type that would escape the bin dir', () => {
    const config = Buffer.from(JSON.stringify({ cniVersion: '1.0.0', name: 'x', plugins: [{ type: '../../bin/sh' }] })).toString('base64');
    assert.throws(() => buildCniDel({ kind: 'cniCacheV1', config }, { binDir: '/opt/cni/bin', netns: '' }), (e: unknown) => (e as { reason?: string }).reason === 'bad-input');
  });
});
