import * as assert from 'node:assert/strict';
import { csvCell, fleetCsv, fleetMarkdown, fleetModel, fleetSummary } from '../../../src/core/fleet/fleetReport';
import type { ScanOutcome } from '../../../src/core/fleet/scan';
import type { Finding } from '../../../src/core/inventory/types';
import { filterRows, isFleetWebviewMessage, sortRows } from '../../../src/shared/fleetProtocol';

const finding = (category: Finding['category'], n: number): Finding => ({ id: `${category}:${n}`, category, rule: 'r', severity: 'error', title: '', detail: '' });

const outcome: ScanOutcome = {
  concurrency: 8, wallMs: 41_234, cancelled: false, podsLeft: { count: 0, pods: [] },
  results: [
    { node: 'worker-b', status: 'inspected', findings: [finding('cni-cache-corrupt', 1), finding('cni-cache-corrupt', 2), finding('dead-objects-piling-up', 3)], ms: 900 },
    { node: 'worker-a', status: 'inspected', findings: [], ms: 700 },
    { node: 'worker-c', status: 'failed', reason: 'rejected', error: '=HYPERLINK("http://x","pod rejected"), "quoted"\nsecond line', ms: 20 },
    { node: 'worker-d', status: 'inspected', findings: [finding('sandbox-stop-timeout', 4)], incomplete: 'inventory incomplete: the list was refused', ms: 800 },
    { node: 'worker-e', status: 'cancelled' },
  ],
};

describe('fleet report', () => {
  const model = fleetModel('prod', 'all nodes', outcome, new Date('2026-12-01T00:00:00Z'));

  it('has one row per node and one column per category found anywhere', () => {
    assert.deepEqual(model.categories, ['cni-cache-corrupt', 'dead-objects-piling-up', 'sandbox-stop-timeout']);
    assert.deepEqual(model.rows.map((r) => [r.node, r.status, r.total]), [['worker-b', 'findings', 3], ['worker-a', 'clean', 0], ['worker-c', 'failed', 0], ['worker-d', 'findings', 1], ['worker-e', 'cancelled', 0]]);
    assert.equal(model.rows[0].counts['cni-cache-corrupt'], 2);
    assert.equal(fleetSummary(model), '5 nodes (all nodes) scanned in 41.2 s at concurrency 8: 2 nodes with findings, 1 clean, 1 failed, 1 not scanned (cancelled); bridge pods left: 0');
  });

  it('sorts by any column, ties by node name, and filters on name, status, category or error', () => {
    assert.deepEqual(sortRows(model.rows, 'total', true).map((r) => r.node), ['worker-b', 'worker-d', 'worker-a', 'worker-c', 'worker-e']);
    assert.deepEqual(sortRows(model.rows, 'category:sandbox-stop-timeout', true).map((r) => r.node).slice(0, 2), ['worker-d', 'worker-a']);
    assert.deepEqual(sortRows(model.rows, 'status', false).map((r) => r.node), ['worker-c', 'worker-b', 'worker-d', 'worker-e', 'worker-a']);
    assert.deepEqual(filterRows(model.rows, 'CNI-CACHE').map((r) => r.node), ['worker-b']);
    assert.deepEqual(filterRows(model.rows, 'failed').map((r) => r.node), ['worker-c']);
    assert.deepEqual(filterRows(model.rows, 'hyperlink').map((r) => r.node), ['worker-c']);
    assert.equal(filterRows(model.rows, '  ').length, 5);
  });

  it('escapes CSV cells (RFC 4180) and defuses spreadsheet formulas', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell('=1+1'), "'=1+1");
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('-1'), "'-1");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('\t=1'), "'\t=1");
    assert.equal(csvCell('=A1,"x"'), `"'=A1,""x"""`);
    assert.equal(csvCell(3), '3');
  });

  it('exports the rows in the view\'s order and filter as CSV and Markdown', () => {
    const csv = fleetCsv(model, { sort: 'node', descending: false, filter: 'worker-' });
    const lines = csv.split('\r\n');
    assert.equal(lines[0], 'node,status,total,cni-cache-corrupt,dead-objects-piling-up,sandbox-stop-timeout,error,incomplete');
    assert.equal(lines[1], 'worker-a,clean,0,0,0,0,,');
    assert.equal(lines[2], 'worker-b,findings,3,2,1,0,,');
    assert.equal(lines[3], `worker-c,failed,0,0,0,0,"'=HYPERLINK(""http://x"",""pod rejected""), ""quoted""\nsecond line",`);
    assert.equal(lines[4], 'worker-d,findings,1,0,0,1,,inventory incomplete: the list was refused');
    assert.equal(lines.at(-1), '');
    const md = fleetMarkdown(model, { sort: 'total', descending: true, filter: '' });
    assert.match(md, /^# Fleet report: prod\n/);
    assert.match(md, /\| worker\\-b \| findings \| 3 \| 2 \| 1 \| 0 \| {2}\| {2}\|/);
    assert.match(md, /\| worker\\-c \| failed \| 0 \| 0 \| 0 \| 0 \| =HYPERLINK\\\(\\"http:\/\/x\\"/, 'text cells escaped, the error on one line');
    assert.ok(!md.includes('second line\n'), 'a newline in a cell does not break the table');
  });

  it('accepts only well-formed messages from the webview', () => {
    assert.ok(isFleetWebviewMessage({ type: 'openNode', node: 'worker-a' }));
    assert.ok(isFleetWebviewMessage({ type: 'export', format: 'csv', view: { sort: 'category:x', descending: true, filter: '' } }));
    assert.ok(!isFleetWebviewMessage({ type: 'export', format: 'xlsx', view: { sort: 'node', descending: true, filter: '' } }));
    assert.ok(!isFleetWebviewMessage({ type: 'export', format: 'csv', view: { sort: 'bogus', descending: true, filter: '' } }));
    assert.ok(!isFleetWebviewMessage({ type: 'openNode', node: '' }));
    assert.ok(!isFleetWebviewMessage('ready'));
  });
});
