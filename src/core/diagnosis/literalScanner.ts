/**
 * Finds the first occurrence of any of a set of ASCII literals in a byte buffer, Wu-Manber style: a table indexed by
 * a hash of the last three bytes of the current window says how far the window may jump, so most of the input is
 * skipped without being compared. (Two-byte blocks collide on every common English bigram once the catalog has
 * a hundred phrases; three-byte blocks keep the jumps long.) With the catalog's literals (the shortest is 11 bytes) it reads about one byte in eight,
 * which is what keeps the pre-filter ahead of a `grep -E` over the same phrases.
 */
export class MultiLiteralScanner {
  private readonly patterns: readonly Uint8Array[];
  /** Length of the shortest pattern: the window size. */
  private readonly window: number;
  /** Jump for each block of the last `block` bytes of the window (three bytes hashed, or two bytes exact). */
  private readonly shift: Uint8Array;
  /** Bytes per block: 3 (fewer common-bigram collisions with a large catalog), 2 when the shortest literal is 2 long. */
  private readonly block: number;
  /** Patterns whose window ends with the block, for blocks with jump 0. */
  private readonly candidates = new Map<number, number[]>();

  constructor(literals: readonly string[]) {
    if (literals.length === 0) {
      throw new Error('MultiLiteralScanner needs at least one literal');
    }
    this.patterns = literals.map((literal) => {
      if (literal.length < 2 || !/^[\x20-\x7e]+$/.test(literal)) {
        throw new Error(`MultiLiteralScanner: literal must be printable ASCII of 2+ characters: ${JSON.stringify(literal)}`);
      }
      return Buffer.from(literal, 'latin1');
    });
    this.window = Math.min(255, ...this.patterns.map((p) => p.length));
    const m = this.window;
    this.block = m >= 3 ? 3 : 2;
    const b = this.block;
    this.shift = new Uint8Array(TABLE_SIZE).fill(m - b + 1);
    this.patterns.forEach((p, index) => {
      for (let q = b; q <= m; q += 1) {
        const key = b === 3 ? hash3(p[q - 3], p[q - 2], p[q - 1]) : hash2(p[q - 2], p[q - 1]);
        const jump = m - q;
        if (jump < this.shift[key]) {
          this.shift[key] = jump;
        }
        if (jump === 0) {
          const list = this.candidates.get(key);
          if (list) {
            list.push(index);
          } else {
            this.candidates.set(key, [index]);
          }
        }
      }
    });
  }

  /** Index of the first byte of the earliest-ending window that starts a literal in `buf[from, to)`, or -1. */
  find(buf: Uint8Array, from: number, to: number): number {
    const m = this.window;
    const shift = this.shift;
    const three = this.block === 3;
    let pos = from + m - 1;
    while (pos < to) {
      const key = three ? hash3(buf[pos - 2], buf[pos - 1], buf[pos]) : hash2(buf[pos - 1], buf[pos]);
      const jump = shift[key];
      if (jump > 0) {
        pos += jump;
        continue;
      }
      const start = pos - m + 1;
      const list = this.candidates.get(key);
      if (list !== undefined) {
        for (const index of list) {
          const p = this.patterns[index];
          const end = start + p.length;
          if (end > to) {
            continue;
          }
          let k = 0;
          while (k < p.length && buf[start + k] === p[k]) {
            k += 1;
          }
          if (k === p.length) {
            return start;
          }
        }
      }
      pos += 1;
    }
    return -1;
  }
}

/** Table size for block hashes: 2^18 entries (256 KiB), one per catalog. */
const TABLE_SIZE = 1 << 18;

function hash3(a: number, b: number, c: number): number {
  return ((a << 10) ^ (b << 5) ^ c) & (TABLE_SIZE - 1);
}

function hash2(a: number, b: number): number {
  return (a << 8) | b;
}
