import type { Container, PodSandbox } from '../cri/types';
import type { ListSize } from './types';

const MIB = 1024 * 1024;

/**
 * Protobuf wire size of the List answers, computed from the listed objects (the same encoding rules as the runtime's
 * marshaller), so the distance to the 4 MiB client default and the runtime's 16 MiB send limit can be shown without
 * access to the raw bytes.
 */
function varintSize(value: number): number {
  let size = 1;
  let v = Math.floor(value);
  while (v >= 128) {
    v = Math.floor(v / 128);
    size += 1;
  }
  return size;
}

function bytesField(length: number): number {
  return length === 0 ? 0 : 1 + varintSize(length) + length;
}

function stringField(value: string): number {
  return bytesField(Buffer.byteLength(value));
}

function messageField(length: number): number {
  return 1 + varintSize(length) + length;
}

function mapField(map: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const [key, value] of Object.entries(map)) total += messageField(stringField(key) + stringField(value));
  return total;
}

function varintField(value: number): number {
  return value === 0 ? 0 : 1 + varintSize(value);
}

const NANOS_VARINT = 9; // a nanosecond timestamp of this century takes 9 bytes as a varint

export function sandboxWireBytes(s: PodSandbox): number {
  const metadata = stringField(s.name) + stringField(s.uid) + stringField(s.namespace) + varintField(s.attempt);
  const body = stringField(s.id) + messageField(metadata) + (s.state === 'SANDBOX_READY' ? 0 : 2)
    + (s.createdAtMs > 0 ? 1 + NANOS_VARINT : 0) + mapField(s.labels) + mapField(s.annotations) + stringField(s.runtimeHandler);
  return messageField(body);
}

export function containerWireBytes(c: Container): number {
  const metadata = stringField(c.name) + varintField(c.attempt);
  const stateNumber = { CONTAINER_CREATED: 0, CONTAINER_RUNNING: 1, CONTAINER_EXITED: 2, CONTAINER_UNKNOWN: 3 }[c.state];
  const body = stringField(c.id) + stringField(c.podSandboxId) + messageField(metadata) + messageField(stringField(c.image))
    + stringField(c.image) /* image_ref, usually as long */ + varintField(stateNumber) + (c.createdAtMs > 0 ? 1 + NANOS_VARINT : 0)
    + mapField(c.labels) + mapField(c.annotations);
  return messageField(body);
}

export function listWireBytes<T>(items: readonly T[], size: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += size(item);
  return total;
}

/**
 * A list's size against the 4 MiB client default and containerd's 16 MiB send limit, plus the send cap a runtime stated
 * when it refused a list (CRI and Docker inventories alike).
 */
export function listLimits(bytes: number, sendCap?: number): ListSize['limits'] {
  const out = [
    { label: '4 MiB client default', bytes: 4 * MIB, percent: Math.round((bytes / (4 * MIB)) * 100) },
    { label: '16 MiB runtime send limit', bytes: 16 * MIB, percent: Math.round((bytes / (16 * MIB)) * 100) },
  ];
  // A runtime whose cap differs from containerd's default said so when it refused: that limit is the one that bit.
  if (sendCap !== undefined && sendCap !== 16 * MIB) {
    const size = sendCap >= MIB ? `${(sendCap / MIB).toFixed(1)} MiB` : `${Math.round(sendCap / 1024)} KiB`;
    out.push({ label: `${size} send cap this runtime stated`, bytes: sendCap, percent: Math.round((bytes / sendCap) * 100) });
  }
  return out;
}
