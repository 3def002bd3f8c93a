import fs from 'node:fs';
import path from 'node:path';

/** The repository root, from either the TypeScript source or its compiled copy under out/. */
export const repoRoot: string = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error('package.json not found above the test directory');
    }
    dir = parent;
  }
  return dir;
})();

export function logFixture(name: string): string {
  return path.join(repoRoot, 'test', 'fixtures', 'logs', name);
}

export function readLogFixture(name: string): string {
  return fs.readFileSync(logFixture(name), 'utf8');
}
