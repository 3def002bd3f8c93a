import assert from 'node:assert/strict';
import { MultiLiteralScanner } from '../../../src/core/diagnosis/literalScanner';
import { catalogLiterals } from '../../../src/core/diagnosis/catalog';

function naive(text: Buffer, literals: readonly string[], from: number, to: number): number {
  let best = -1;
  for (const literal of literals) {
    const at = text.indexOf(literal, from, 'latin1');
    if (at >= 0 && at + literal.length <= to && (best < 0 || at < best)) {
      best = at;
    }
  }
  return best;
}

describe('MultiLiteralScanner', () => {
  const literals = catalogLiterals();
  const scanner = new MultiLiteralScanner(literals);

  it('finds the earliest catalog literal exactly where a naive search does, on random text with planted literals', () => {
    let state = 12345;
    const next = (): number => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state;
    };
    for (let round = 0; round < 100; round += 1) {
      const parts: string[] = [];
      while (parts.join('').length < 2000) {
        const roll = next() % 10;
        if (roll === 0) {
          const literal = literals[next() % literals.length];
          parts.push(next() % 2 === 0 ? literal : literal.slice(0, Math.max(1, literal.length - 1 - (next() % 3))));
        } else {
          parts.push(String.fromCharCode(32 + (next() % 95)).repeat(1 + (next() % 5)));
        }
      }
      const text = Buffer.from(parts.join(''), 'latin1');
      let at = 0;
      while (at < text.length) {
        const expected = naive(text, literals, at, text.length);
        assert.equal(scanner.find(text, at, text.length), expected, `round ${round} from ${at}`);
        if (expected < 0) {
          break;
        }
        at = expected + 1;
      }
    }
  });

  it('does not report a literal that crosses the end of the range', () => {
    const text = Buffer.from('xxPLEG is not healthy');
    assert.equal(scanner.find(text, 0, text.length - 1), -1);
    assert.equal(scanner.find(text, 0, text.length), 2);
  });

  it('rejects literals it cannot index', () => {
    assert.throws(() => new MultiLiteralScanner(['x']));
    assert.throws(() => new MultiLiteralScanner(['caf\u00e9 au lait']));
    assert.throws(() => new MultiLiteralScanner([]));
  });
});
