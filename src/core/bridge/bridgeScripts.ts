import { NodeDoctorError } from '../errors';

/*
 * The fixed shell scripts BridgeNodeAccess runs in the bridge pod (`sh -c SCRIPT name ARGS…`: every path a positional
 * argument, never interpolated), and the parser of the directory listing's NUL-separated answer.
 */

/**
 * `stat -c` format understood by busybox and GNU stat: raw mode (hex), size, mtime (s), device:inode. No name: a name
 * may hold a newline, so names never travel in newline-separated text (see LIST_SCRIPT).
 */
export const STAT_FORMAT = '%f\t%s\t%Y\t%d:%i';

/**
 * Directory listing, NUL-separated, one exec: in directory $1, the directory's own record (`stat -c $2 .`) and a NUL,
 * then per batch of names (`find -print0 | xargs -0`, so names with newlines, spaces or quotes pass intact) the
 * batch script $3: each name as `./name` NUL-terminated, an empty record (two NULs: a name is never empty), one stat
 * record per name, newline-separated and in the same order (records hold no name), and a closing NUL. When a name
 * vanished before stat (stat fails), the batch is stat'ed name by name and a vanished one gets `-`, so a record never
 * shifts onto the wrong name.
 * Exit code 3: the directory is not there; 5: it is there but cannot be entered (not a directory, or no permission).
 */
export const LIST_SCRIPT = 'cd -- "$1" 2>/dev/null || { test -e "$1" && exit 5; exit 3; }; stat -c "$2" . || exit 4; printf \'\\0\'; find . -mindepth 1 -maxdepth 1 -print0 | xargs -r -0 -s 65536 sh -c "$3" "$2"';
/** One batch of LIST_SCRIPT: $0 = the stat format, "$@" = the names. */
export const LIST_BATCH_SCRIPT = 'printf \'%s\\0\' "$@"; printf \'\\0\'; if out=$(stat -c "$0" -- "$@" 2>/dev/null); then printf \'%s\\n\' "$out"; else for f in "$@"; do stat -c "$0" -- "$f" 2>/dev/null || echo -; done; fi; printf \'\\0\'';

export interface StatRecord {
  readonly mode: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** `device:inode`. */
  readonly id: string;
}

export function parseRecord(line: string): StatRecord | undefined {
  const m = /^([0-9a-f]+)\t(\d+)\t(\d+)\t(\d+:\d+)$/.exec(line);
  return m ? { mode: parseInt(m[1], 16), size: Number(m[2]), mtimeMs: Number(m[3]) * 1000, id: m[4] } : undefined;
}

/**
 * Parses LIST_SCRIPT's output into the directory's own record and its children's (name → record); names that vanished
 * between find and stat are left out. Throws when the output does not have the documented shape.
 */
export function parseListing(out: Buffer): { self: StatRecord; children: { name: string; record: StatRecord }[] } {
  const bad = (why: string): NodeDoctorError => new NodeDoctorError('runtime-error', `The directory listing from the bridge pod is malformed (${why}).`);
  let at = out.indexOf(0);
  if (at < 0) throw bad('no directory record');
  const self = parseRecord(out.subarray(0, at).toString('utf8').replace(/\n$/, ''));
  if (!self) throw bad('unreadable directory record');
  at += 1;
  const children: { name: string; record: StatRecord }[] = [];
  while (at < out.length) {
    const names: string[] = [];
    for (;;) {
      const end = out.indexOf(0, at);
      if (end < 0) throw bad('a batch of names does not end');
      if (end === at) { at += 1; break; }
      const name = out.subarray(at, end).toString('utf8');
      names.push(name.startsWith('./') ? name.slice(2) : name);
      at = end + 1;
    }
    const end = out.indexOf(0, at);
    if (end < 0) throw bad('a batch of records does not end');
    const lines = out.subarray(at, end).toString('utf8').split('\n').filter((l) => l !== '');
    at = end + 1;
    if (lines.length !== names.length) throw bad(`${lines.length} records for ${names.length} names`);
    names.forEach((name, i) => {
      if (lines[i] === '-') return; // vanished before stat
      const record = parseRecord(lines[i]);
      if (!record) throw bad('an unreadable record');
      children.push({ name, record });
    });
  }
  return { self, children };
}

/**
 * Bulk read, one exec per batch: in directory $1, the names arriving on stdin (`./name` NUL-terminated, exactly $4
 * bytes, so no end-of-stdin is needed) that are regular files (not symlinks, not directories) under $2 bytes go into
 * one tar stream, cut at $3 bytes so an exec never carries more than that; what was cut is asked for again. The names
 * travel on stdin, not in argv: argv is part of the exec URL, which API servers and proxies cap (Node's HTTP server at
 * 16 KiB, nginx at 8 KiB by default). Exit code 3: the directory is not there.
 */
export const READ_SCRIPT = 'cd -- "$1" 2>/dev/null || exit 3; limit=$2 cap=$3; head -c "$4" | xargs -r -0 sh -c \'exec find "$@" -maxdepth 0 -type f -size -"$0"c -exec tar -c -f - -- {} +\' "$limit" | head -c "$cap"';
/**
 * Write without needing end-of-stdin (the v4 exec protocol cannot signal it): exactly $1 bytes to $2, size checked, mode $3.
 */
export const WRITE_SCRIPT = 'head -c "$1" > "$2" || exit 1; n=$(stat -c %s "$2") || exit 1; [ "$n" = "$1" ] || { echo "short write: $n of $1 bytes" >&2; exit 1; }; chmod "$3" "$2"';
/**
 * Reads at most $2 bytes of $1 only if it is a regular file and not a symbolic link (exit 4 otherwise): `head` on a FIFO
 * would wait for a writer until the exec's timeout.
 */
export const READ_ONE_SCRIPT = '[ -f "$1" ] && [ ! -L "$1" ] || { [ -e "$1" ] || [ -L "$1" ] || { echo "$1: No such file or directory" >&2; exit 1; }; exit 4; }; exec head -c "$2" -- "$1"';
/**
 * Moves $1 to $2 without replacing $2 (exit 5 when it exists): a hard link + unlink on one filesystem, else (another
 * mount) a copy + remove whose partial copy is removed when it fails (disk full). Only regular files (exit 4).
 */
export const MOVE_SCRIPT = '[ -f "$1" ] && [ ! -L "$1" ] || exit 4; [ -e "$2" ] && exit 5; if ln -- "$1" "$2" 2>/dev/null; then rm -f -- "$1"; exit; fi; [ -e "$2" ] && exit 5; cp -p -- "$1" "$2" && rm -f -- "$1" || { rm -f -- "$2"; exit 1; }';
/** Gives a command exactly $1 bytes of stdin followed by end-of-file, on v4 as on v5: $1 = byte count, then the argv. */
export const STDIN_SCRIPT = 'n=$1; shift; head -c "$n" | "$@"';
