import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CacheEntry, SandboxItem } from '../../../src/core/inventory/types';
import type { NodeRef } from '../../../src/core/session/nodeRef';
import {
  bridgeCleanupConfirmation, bridgeCleanupSummary, cacheFileView, copyIdText, escapeBytes, inspectionText, nodeRefOf, objectJson,
} from '../../../src/ui/commands/nodeText';
import { repoRoot } from '../diagnosis/fixturePaths';

const SEED = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';
const REF: NodeRef = { kind: 'bridge', context: 'prod-eu1', node: 'worker-3' };
const FIXTURE = 'cbr0-977313d0ebebfb765e9d373b82bef9081628dd64ee50d944e5c1b455412df44c-eth0';
const sandbox: SandboxItem = { id: SEED, state: 'SANDBOX_NOTREADY', name: 'web', namespace: 'prod', uid: 'u', attempt: 1, createdAtMs: 0, runtimeHandler: 'runc', ips: [] };
const entry: CacheEntry = {
  path: `/var/lib/cni/results/cbr0-${SEED}-eth0`, name: `cbr0-${SEED}-eth0`, network: 'cbr0', sandboxId: SEED, ifName: 'eth0', size: 0, mtimeMs: 0,
  sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', state: 'empty', jsonValid: false, ips: [], readOnTeardown: 'yes', readReason: 'r',
};

describe('node commands: text', () => {
  it('copies the full 64-hex sandbox ID, the cache file path and the node name', () => {
    assert.deepEqual(copyIdText({ kind: 'sandbox', id: 's', ref: REF, sandbox, badCache: true }), { text: SEED, what: 'sandbox ID' });
    assert.deepEqual(copyIdText({ kind: 'cniCache', id: 'c', ref: REF, entry, status: 'empty' }), { text: entry.path, what: 'cache file path' });
    assert.deepEqual(copyIdText({ kind: 'node', id: 'n', ref: REF }), { text: 'worker-3', what: 'node name' });
  });

  it('finds the node of a tree element or takes a NodeRef as it is', () => {
    assert.deepEqual(nodeRefOf({ kind: 'node', id: 'n', ref: REF }), REF);
    assert.deepEqual(nodeRefOf(REF), REF);
    assert.equal(nodeRefOf({ kind: 'more', id: 'm' }), undefined);
  });

  it('shows a sandbox as JSON with its cache files and the findings about it', () => {
    const finding = { id: `cni-cache-corrupt:${entry.name}`, category: 'cni-cache-corrupt' as const, rule: 'cni-cache-result-invalid', severity: 'error' as const, title: 't', detail: 'd', sandboxId: SEED, path: entry.path };
    const inventory = { cniCache: [entry], containers: [], findings: [finding] } as unknown as Parameters<typeof objectJson>[1];
    const doc = objectJson({ kind: 'sandbox', id: 's', ref: REF, sandbox, badCache: true }, inventory);
    assert.equal(doc?.name, 'sandbox-055b221e44a2.json');
    const parsed = JSON.parse(doc?.json ?? '') as { node: string; sandbox: SandboxItem; cniCache: string[]; findings: { id: string }[] };
    assert.equal(parsed.node, 'worker-3 (context prod-eu1)');
    assert.equal(parsed.sandbox.id, SEED);
    assert.deepEqual(parsed.cniCache, [entry.path]);
    assert.deepEqual(parsed.findings.map((f) => f.id), [finding.id]);
  });

  it('shows a real cbr0 result cache file as JSON, unchanged', () => {
    const bytes = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'cni', FIXTURE));
    const view = cacheFileView(`/var/lib/cni/results/${FIXTURE}`, bytes);
    assert.equal(view.language, 'json');
    assert.equal(view.escaped, false);
    assert.equal(view.text, bytes.toString('utf8'));
  });

  it('says "0 bytes" in the document of an empty cache file', () => {
    const view = cacheFileView(entry.path, Buffer.alloc(0));
    assert.equal(view.text, `${entry.path}: 0 bytes (the file is empty).\n`);
    assert.equal(view.language, 'plaintext');
  });

  it('shows a file full of NUL bytes hex-escaped, and says so', () => {
    const bytes = Buffer.concat([Buffer.from('{"kind":"cniCacheV1",'), Buffer.alloc(6), Buffer.from([0xff, 0x5c, 0x0a])]);
    const view = cacheFileView(entry.path, bytes);
    assert.equal(view.escaped, true);
    assert.equal(view.language, 'plaintext');
    const [header, body] = view.text.split('\n');
    assert.equal(header, `# ${entry.path}: 30 bytes of binary data (6 NUL bytes); bytes outside printable ASCII are shown as \\xNN.`);
    assert.equal(body, '{"kind":"cniCacheV1",\\x00\\x00\\x00\\x00\\x00\\x00\\xff\\\\');
    assert.match(view.note, /binary data \(NUL bytes\): shown hex-escaped/);
    assert.equal(escapeBytes(Buffer.from([0x41, 0x09, 0x1b])), 'A\t\\x1b');
  });

  it('offers inspection commands for an object without a repair', () => {
    assert.equal(inspectionText({ kind: 'sandbox', id: 's', ref: REF, sandbox, badCache: false }, REF),
      `# worker-3 (context prod-eu1): no repair applies; commands to inspect it on the node as root.\ncrictl inspectp ${SEED}\ncrictl ps -a --pod ${SEED}\nls -l /var/lib/cni/results/ | grep ${SEED}\n`);
  });

  it('names every leftover bridge pod in the clean-up confirmation, and the count in the summary', () => {
    const pods = ['kube-node-doctor-worker-3-7f2c1', 'kube-node-doctor-worker-5-1a9b0'];
    const ask = bridgeCleanupConfirmation('prod-eu1', 'kube-system', pods);
    assert.equal(ask.message, 'Delete 2 leftover bridge pods in context prod-eu1?');
    assert.equal(ask.button, 'Delete 2 Pods');
    assert.ok(ask.detail.includes('• kube-node-doctor-worker-3-7f2c1\n• kube-node-doctor-worker-5-1a9b0'));
    assert.equal(bridgeCleanupSummary('prod-eu1', pods, pods), 'Deleted 2 bridge pods in context prod-eu1.');
    assert.equal(bridgeCleanupSummary('prod-eu1', pods, [pods[0]]), 'Deleted 1 bridge pod in context prod-eu1. 1 of those listed was kept (in use again, or already gone).');
  });
});
