import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  analyseCacheFile, classifyCacheBytes, cniVersionReadsCache, decodeConfig, isUnreadable, parseCacheFileName, parseConfList,
} from '../../../src/core/cni/cacheFile';
import type { CacheFileState } from '../../../src/core/cni/cacheFile';
import type { FileEntry } from '../../../src/core/node/nodeAccess';
import { repoRoot } from '../diagnosis/fixturePaths';

const ID = '977313d0ebebfb765e9d373b82bef9081628dd64ee50d944e5c1b455412df44c';
const ETH0 = `cbr0-${ID}-eth0`;
const LO = `cni-loopback-${ID}-lo`;
const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'cni');
const original = fs.readFileSync(path.join(fixtureDir, ETH0));
const loopback = fs.readFileSync(path.join(fixtureDir, LO));

function entry(name: string, size: number): FileEntry {
  return { name, path: `/var/lib/cni/results/${name}`, size, mtimeMs: 1_700_000_000_000, isFile: true, isDirectory: false };
}

function analyse(name: string, bytes: Buffer, conf?: ReadonlyMap<string, string>): NonNullable<ReturnType<typeof analyseCacheFile>> {
  const result = analyseCacheFile(entry(name, bytes.length), bytes, conf);
  assert.ok(result, `${name} parses as a cache file name`);
  return result;
}

describe('CNI cache file names', () => {
  it('anchors on the 64-hex ID so network names with dashes survive', () => {
    assert.deepEqual(parseCacheFileName(LO), { network: 'cni-loopback', sandboxId: ID, containerId: ID, ifName: 'lo' });
    assert.deepEqual(parseCacheFileName(`my-multi-dash-net-${ID}-net1`), { network: 'my-multi-dash-net', sandboxId: ID, containerId: ID, ifName: 'net1' });
  });

  it('rejects names without a full lowercase 64-hex ID', () => {
    assert.equal(parseCacheFileName(`cbr0-${ID.slice(1)}-eth0`), undefined);
    assert.equal(parseCacheFileName(`cbr0-${ID.toUpperCase()}-eth0`), undefined);
    assert.equal(parseCacheFileName('cbr0-eth0'), undefined);
    assert.equal(analyseCacheFile(entry('last_reserved_ip.0', 9), Buffer.from('10.0.0.1\n')), undefined);
  });
});

describe('CNI cache file content', () => {
  it('reads a real cache file written by containerd: recorded IDs, versions, IP, netns and pod', () => {
    const a = analyse(ETH0, original);
    assert.equal(a.state, 'valid');
    assert.equal(a.jsonValid, true);
    assert.equal(a.kind, 'cniCacheV1');
    assert.equal(a.recordedContainerId, ID);
    assert.equal(a.recordedNetworkName, 'cbr0');
    assert.equal(a.recordedIfName, 'eth0');
    assert.equal(a.resultCniVersion, '1.0.0');
    assert.equal(a.configCniVersion, '1.0.0');
    assert.deepEqual(a.ips, ['10.244.9.2/24']);
    assert.match(a.netnsPath ?? '', /\/netns\/cni-[0-9a-f-]{36}$/);
    assert.deepEqual([a.podNamespace, a.podName, a.podUid], ['fixture-ns', 'fixture-pod', '6d1f8e2a-3b4c-4d5e-8f90-a1b2c3d4e5f6']);
    assert.equal(a.readOnTeardown, 'yes');
  });

  const variants: readonly [string, Buffer, CacheFileState][] = [
    ['0 bytes (the seed)', Buffer.alloc(0), 'empty'],
    ['a single newline', Buffer.from('\n'), 'whitespace'],
    ['the first half of the original', original.subarray(0, Math.floor(original.length / 2)), 'truncated'],
    ['"this is not json"', Buffer.from('this is not json\n'), 'garbage'],
    ['"garbage"', Buffer.from('garbage'), 'garbage'],
    ['1370 NUL bytes (ext4 after a crash)', Buffer.alloc(1370), 'nul-bytes'],
    ['"{}"', Buffer.from('{}'), 'not-cache-v1'],
  ];
  for (const [label, bytes, state] of variants) {
    it(`classifies ${label} as ${state}`, () => {
      assert.equal(classifyCacheBytes(bytes).state, state);
      const a = analyse(ETH0, bytes, new Map([['cbr0', '1.0.0']]));
      assert.equal(a.state, state);
      assert.equal(a.size, bytes.length);
      assert.equal(isUnreadable(state), state !== 'not-cache-v1');
    });
  }

  it('says a broken file of a >= 0.4.0 network is read on teardown, deciding by the conf dir', () => {
    const a = analyse(ETH0, Buffer.alloc(0), new Map([['cbr0', '1.0.0']]));
    assert.equal(a.readOnTeardown, 'yes');
    assert.match(a.readReason, /conf dir/);
    assert.equal(analyse(ETH0, Buffer.alloc(0), new Map([['cbr0', '0.4.0']])).readOnTeardown, 'yes');
  });

  it('says a broken file of a 0.3.1 network is harmless', () => {
    const a = analyse(ETH0, Buffer.from('garbage'), new Map([['cbr0', '0.3.1']]));
    assert.equal(a.readOnTeardown, 'no');
    assert.match(a.readReason, /< 0\.4\.0/);
  });

  it("treats a 0-byte loopback file as harmless: containerd's loopback conf is 0.3.1", () => {
    const a = analyse(LO, Buffer.alloc(0));
    assert.equal(a.state, 'empty');
    assert.equal(a.readOnTeardown, 'no');
    assert.equal(analyse(LO, loopback).configCniVersion, '0.3.1');
  });

  it('assumes an unparseable file of an unknown network is read, and says so', () => {
    const a = analyse(`weave-net-${ID}-eth0`, Buffer.alloc(0));
    assert.equal(a.network, 'weave-net');
    assert.equal(a.readOnTeardown, 'assumed');
    assert.match(a.readReason, /unknown/);
  });

  it('treats "{}" as not read: libcni sees no cniCacheV1 document and the DEL goes ahead', () => {
    assert.equal(analyse(ETH0, Buffer.from('{}'), new Map([['cbr0', '1.0.0']])).readOnTeardown, 'no');
  });

  it('decodes each distinct cached configuration once per directory pass, with the same result as without the memo', () => {
    const memo = new Map<string, string | undefined>();
    const other = Buffer.from(original.toString('utf8').split(ID).join('f'.repeat(64)));
    const first = analyseCacheFile(entry(ETH0, original.length), original, undefined, memo);
    const second = analyseCacheFile(entry(`cbr0-${'f'.repeat(64)}-eth0`, other.length), other, undefined, memo);
    assert.equal(memo.size, 1, 'both files cache the same configuration');
    assert.deepEqual([first?.configCniVersion, second?.configCniVersion], ['1.0.0', '1.0.0']);
    assert.deepEqual(first, analyse(ETH0, original));
    const old = Buffer.from(JSON.stringify({ ...JSON.parse(original.toString('utf8')), config: Buffer.from('{"cniVersion":"0.3.1","name":"cbr0"}').toString('base64') }));
    const third = analyseCacheFile(entry(ETH0, old.length), old, undefined, memo);
    assert.deepEqual([memo.size, third?.configCniVersion, third?.readOnTeardown], [2, '0.3.1', 'no']);
  });
});

describe('CNI versions and configurations', () => {
  it('reads the cache on DEL from 0.4.0 on only', () => {
    assert.deepEqual(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'].map(cniVersionReadsCache), [false, false, false, false, true, true, true]);
  });

  it('parses the conflist the runtime used and the one cached in the file', () => {
    const conf = parseConfList(fs.readFileSync(path.join(fixtureDir, '10-cbr0.conflist'), 'utf8'));
    assert.deepEqual([conf?.name, conf?.cniVersion, conf?.plugins.map((p) => p.type)], ['cbr0', '1.0.0', ['bridge', 'portmap']]);
    const cached = decodeConfig((JSON.parse(original.toString('utf8')) as { config: string }).config);
    assert.equal(cached?.name, 'cbr0');
    assert.equal(parseConfList('{"name":"single","cniVersion":"0.4.0","type":"bridge"}')?.plugins.length, 1);
    assert.equal(parseConfList('not json'), undefined);
  });
});
