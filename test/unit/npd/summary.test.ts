import * as assert from 'node:assert/strict';
import { listSummary, summaryLine, utf8Prefix } from '../../../src/core/npd/summary';

describe('npd-check summary line', () => {
  it('keeps a short text as it is, on one line', () => {
    assert.equal(summaryLine('2 empty CNI cache files\nblock   teardown'), '2 empty CNI cache files block teardown');
  });

  it('cuts a long text to at most 200 bytes with an ellipsis, never inside a multi-byte character', () => {
    for (const unit of ['a', 'é', '€', '😀']) {
      for (let pad = 0; pad < 4; pad++) {
        const text = 'x'.repeat(pad) + unit.repeat(300);
        const line = summaryLine(text);
        const bytes = Buffer.from(line, 'utf8');
        assert.ok(bytes.length <= 200, `${unit}/${pad}: ${bytes.length}`);
        assert.ok(bytes.length >= 200 - 3 - 4, `${unit}/${pad}: cut too short (${bytes.length})`);
        assert.equal(bytes.toString('utf8'), line, 'valid UTF-8 round trip');
        assert.ok(line.endsWith('…'));
        assert.doesNotMatch(line, /\uFFFD/);
      }
    }
  });

  it('takes the longest prefix that fits in a byte budget, keeping surrogate pairs whole', () => {
    assert.equal(utf8Prefix('ab😀c', 5), 'ab'); // the emoji is 4 bytes: 2 + 4 > 5
    assert.equal(utf8Prefix('ab😀c', 6), 'ab😀');
    assert.equal(utf8Prefix('€€', 5), '€');
    assert.equal(utf8Prefix('abc', 0), '');
  });

  it('lists as many items as fit and counts the rest', () => {
    const items = Array.from({ length: 40 }, (_, i) => `item-${String(i).padStart(8, '0')}`);
    const line = listSummary('40 things: ', items);
    assert.ok(Buffer.byteLength(line) <= 200);
    const shown = /^40 things: (.*), … \((\d+) more\)$/.exec(line);
    assert.ok(shown, line);
    assert.equal(shown[1].split(', ').length + Number(shown[2]), 40);
    assert.equal(listSummary('2 things: ', ['a', 'b']), '2 things: a, b');
  });
});
