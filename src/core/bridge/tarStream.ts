import { NodeDoctorError } from '../errors';

/**
 * A reader for the tar streams `tar -c -f -` writes (GNU tar and busybox tar): ustar headers with the `prefix` field,
 * GNU long names and link names (`L`/`K` members), pax extended headers (`x`, with `path`, `linkpath` and `size`),
 * base-256 sizes, and several archives one after another (each ends with zero blocks, which are skipped). It only reads
 * what it is given, in memory; it never touches the filesystem.
 */
export interface TarMember {
  /** The member name as stored (`host/var/lib/cni/results/x`: tar strips the leading `/`). */
  readonly path: string;
  /** The typeflag: `0` regular file, `1` hard link, `2` symlink, `5` directory, ... (`\0` is reported as `0`). */
  readonly type: string;
  readonly size: number;
  /** For hard links and symlinks: what they point to (as stored). */
  readonly linkPath: string;
  readonly data: Buffer;
}

export interface TarParse {
  /** The members read completely, in stream order. */
  readonly members: TarMember[];
  /** A member whose header was read but whose data the stream cut off (the stream was truncated there). */
  readonly cutOff?: { readonly path: string; readonly size: number };
  /**
   * True when the stream ends cleanly: empty, or every member complete and the last one followed by an end-of-archive
   * zero block. False when it stops inside a header or a member, or right after a member with no end marker.
   */
  readonly complete: boolean;
}

const BLOCK = 512;

function text(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/** Octal (NUL/space terminated) or, with the high bit of the first byte set, GNU base-256. */
function numeric(field: Buffer): number {
  if (field[0] & 0x80) {
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    return value;
  }
  const digits = text(field).trim();
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) throw new NodeDoctorError('runtime-error', `Malformed tar header (numeric field "${digits.slice(0, 20)}").`);
  return parseInt(digits, 8);
}

function checksumOk(header: Buffer): boolean {
  const field = text(header.subarray(148, 156)).trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const stored = parseInt(field, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum === stored;
}

/** pax records: `<length> <key>=<value>\n`, the length counting the whole record. */
function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = Number(data.subarray(offset, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0 || offset + length > data.length) break;
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    offset += length;
  }
  return out;
}

function isZero(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/** Parses as much of a tar stream as is there; throws `runtime-error` for bytes that are not tar at all. */
export function parseTar(stream: Buffer): TarParse {
  const members: TarMember[] = [];
  let offset = 0;
  let longPath: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  let endedAfterLast = true;
  while (offset + BLOCK <= stream.length) {
    const header = stream.subarray(offset, offset + BLOCK);
    if (isZero(header)) {
      offset += BLOCK;
      endedAfterLast = true;
      continue;
    }
    if (!checksumOk(header)) throw new NodeDoctorError('runtime-error', `Not a tar stream (bad header checksum at byte ${offset}).`);
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
    const paxSize = pax.get('size');
    const size = paxSize !== undefined && /^\d+$/.test(paxSize) ? Number(paxSize) : numeric(header.subarray(124, 136));
    const ustar = header.subarray(257, 262).toString('latin1') === 'ustar';
    const prefix = ustar ? text(header.subarray(345, 500)) : '';
    const storedName = text(header.subarray(0, 100));
    const path = longPath ?? pax.get('path') ?? (prefix ? `${prefix}/${storedName}` : storedName);
    const linkPath = longLink ?? pax.get('linkpath') ?? text(header.subarray(157, 257));
    const dataStart = offset + BLOCK;
    if (dataStart + size > stream.length) {
      return { members, cutOff: { path, size }, complete: false };
    }
    const data = stream.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') { longPath = text(data); continue; }
    if (type === 'K') { longLink = text(data); continue; }
    if (type === 'x') { pax = paxRecords(data); continue; }
    if (type === 'g') continue; // global pax header: nothing we use
    members.push({ path, type, size, linkPath, data });
    longPath = undefined;
    longLink = undefined;
    pax = new Map();
    endedAfterLast = false;
  }
  const complete = offset >= stream.length ? endedAfterLast : false;
  return { members, complete };
}
