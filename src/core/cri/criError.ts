import { NodeDoctorError } from '../errors';
import type { ErrorReason } from '../errors';

/** gRPC status codes (grpc/doc/statuscodes.md) this tool distinguishes. */
export const GrpcCode = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
} as const;

const CODE_NAMES = Object.fromEntries(Object.entries(GrpcCode).map(([name, code]) => [code, name])) as Record<number, string>;

/** Which side refused a message for its size: the runtime's send limit or this client's receive limit. */
export interface SizeLimit {
  readonly side: 'runtime-send' | 'client-receive';
  readonly size: number;
  readonly limit: number;
}

// grpc-go: "grpc: trying to send message larger than max (17775539 vs. 16777216)";
// grpc-js: "Received message larger than max (4736139 vs 4194304)".
const SEND_LIMIT = /trying to send message larger than max \((\d{1,12}) vs\. ?(\d{1,12})\)/;
const RECEIVE_LIMIT = /[Rr]eceived message larger than max \((\d{1,12}) vs\.? ?(\d{1,12})\)/;

function reasonFor(code: number): ErrorReason {
  switch (code) {
    case GrpcCode.NOT_FOUND: return 'not-found';
    case GrpcCode.DEADLINE_EXCEEDED: return 'timeout';
    case GrpcCode.UNAVAILABLE: return 'unreachable';
    case GrpcCode.CANCELLED: return 'cancelled';
    case GrpcCode.PERMISSION_DENIED:
    case GrpcCode.UNAUTHENTICATED: return 'forbidden';
    default: return 'runtime-error';
  }
}

/** An error answered by (or on the way to) the container runtime. `details` is the runtime's text, verbatim. */
export class CriError extends NodeDoctorError {
  readonly method: string;
  readonly code: number;
  readonly codeName: string;
  readonly details: string;
  readonly sizeLimit?: SizeLimit;

  constructor(method: string, code: number, details: string, hint?: string) {
    const codeName = CODE_NAMES[code] ?? `CODE_${code}`;
    const sendCap = code === GrpcCode.RESOURCE_EXHAUSTED && SEND_LIMIT.test(details);
    super(reasonFor(code), `${method} failed: ${codeName}: ${details}`, {
      hint: hint ?? (sendCap ? 'The runtime refused to send an answer this large (its gRPC send limit); list with server-side filters.' : undefined),
    });
    this.name = 'CriError';
    this.method = method;
    this.code = code;
    this.codeName = codeName;
    this.details = details;
    if (code === GrpcCode.RESOURCE_EXHAUSTED) {
      const send = SEND_LIMIT.exec(details);
      const receive = send ? undefined : RECEIVE_LIMIT.exec(details);
      const m = send ?? receive;
      if (m) this.sizeLimit = { side: send ? 'runtime-send' : 'client-receive', size: Number(m[1]), limit: Number(m[2]) };
    }
  }

  /** The text kubelet and crictl print for this error: `rpc error: code = Unknown desc = <details>`. */
  get grpcText(): string {
    const words = this.codeName.toLowerCase().split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
    const name = this.code === GrpcCode.CANCELLED ? 'Canceled' : this.codeName === 'OK' ? 'OK' : words; // grpc-go spelling
    return `rpc error: code = ${name} desc = ${this.details}`;
  }
}

/** True when the runtime refused to send a list because it exceeds its own send limit (16 MiB in containerd). */
export function isSendLimitError(error: unknown): error is CriError {
  return error instanceof CriError && error.sizeLimit?.side === 'runtime-send';
}

export function isNotFound(error: unknown): error is CriError {
  return error instanceof CriError && error.code === GrpcCode.NOT_FOUND;
}
