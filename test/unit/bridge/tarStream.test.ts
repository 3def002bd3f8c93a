import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTar } from '../../../src/core/bridge/tarStream';
import { NodeDoctorError } from '../../../src/core/errors';

/** `tar -c -f - ...` from the real tool, as the bridge pod produces it. */
function tar(cwd: string, args: string[], tool: string[] = ['tar']): Buffer {
  return execFileSync(tool[0], [...tool.slice(1), '-c', '-f', '-', ...args], { cwd, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
}

function busybox(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, 'busybox');
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

describe('tar stream reader', () => {
  let dir: string;
  const longName = `${'n'.repeat(150)}-eth0`;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-tar-'));
    fs.writeFileSync(path.join(dir, 'a'), 'hello');
    fs.writeFileSync(path.join(dir, 'empty'), '');
    fs.writeFileSync(path.join(dir, longName), '{"long":true}');
    fs.writeFileSync(path.join(dir, 'bin'), Buffer.from([0, 1, 2, 255, 0]));
    fs.linkSync(path.join(dir, 'a'), path.join(dir, 'hard'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [label, tool] of [['GNU tar', ['tar']], ['GNU tar, pax format', ['tar', '--format=pax']], ['busybox tar', ['busybox', 'tar']]] as const) {
    it(`reads names, long names, empty and binary files and hard links written by ${label}`, function () {
      if (tool[0] === 'busybox') {
        const bb = busybox();
        if (!bb) this.skip();
      }
      const parsed = parseTar(tar(dir, ['a', 'empty', longName, 'bin', 'hard'], [...tool]));
      assert.equal(parsed.complete, true);
      assert.deepEqual(parsed.members.map((m) => [m.path, m.type]), [['a', '0'], ['empty', '0'], [longName, '0'], ['bin', '0'], ['hard', '1']]);
      assert.equal(parsed.members[0].data.toString(), 'hello');
      assert.equal(parsed.members[1].data.length, 0);
      assert.equal(parsed.members[2].data.toString(), '{"long":true}');
      assert.deepEqual([...parsed.members[3].data], [0, 1, 2, 255, 0]);
      assert.equal(parsed.members[4].linkPath, 'a');
    });
  }

  it('reads archives written one after another (find -exec tar {} + may run tar more than once)', () => {
    const parsed = parseTar(Buffer.concat([tar(dir, ['a']), tar(dir, ['bin'])]));
    assert.equal(parsed.complete, true);
    assert.deepEqual(parsed.members.map((m) => m.path), ['a', 'bin']);
  });

  it('treats an empty stream as a complete one (no file was selected, tar never ran)', () => {
    assert.deepEqual(parseTar(Buffer.alloc(0)), { members: [], complete: true });
  });

  it('reports a stream cut inside a member, or after a member without its end marker, as incomplete', () => {
    const whole = tar(dir, ['a', 'bin']);
    const insideSecond = parseTar(whole.subarray(0, 512 * 3 + 2));
    assert.equal(insideSecond.complete, false);
    assert.deepEqual(insideSecond.members.map((m) => m.path), ['a']);
    assert.deepEqual(insideSecond.cutOff, { path: 'bin', size: 5 });
    const afterFirst = parseTar(whole.subarray(0, 1024));
    assert.equal(afterFirst.complete, false);
    assert.deepEqual(afterFirst.members.map((m) => m.path), ['a']);
    assert.equal(afterFirst.cutOff, undefined);
  });

  it('refuses bytes that are not tar', () => {
    const garbage = Buffer.alloc(1024, 0x41);
    assert.throws(() => parseTar(garbage), (e: unknown) => e instanceof NodeDoctorError && e.reason === 'runtime-error' && /checksum/.test(e.message));
  });
});
