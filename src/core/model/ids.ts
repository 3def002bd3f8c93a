import { NodeDoctorError } from '../errors';

const FULL_ID = /^[0-9a-f]{64}$/;

/** True for a full container/sandbox ID as containerd and CRI-O use them: 64 lowercase hex characters. */
export function isFullId(value: string): boolean {
  return FULL_ID.test(value);
}

/** Validates a full 64-hex ID before it goes anywhere near a path, an argv or a gRPC call. */
export function requireFullId(value: string, what = 'ID'): string {
  if (!isFullId(value)) {
    throw new NodeDoctorError('invalid-id', `Invalid ${what} "${value.slice(0, 80)}": expected 64 hexadecimal characters.`);
  }
  return value;
}

/** The 12-character short form that crictl and the UI show. */
export function shortId(value: string): string {
  return value.slice(0, 12);
}
