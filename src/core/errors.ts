import { redact } from './redact';

/**
 * Typed errors raised by the core. The UI turns them into one sentence plus actions (src/ui/errors.ts);
 * the CLI turns them into one line and an exit code. Never branch on `message` text: branch on `reason`.
 */
export type ErrorReason =
  | 'bad-input' // malformed arguments, unreadable or binary input
  | 'invalid-id' // a sandbox/container ID that is not 64 hex characters (or a unique prefix where allowed)
  | 'not-found' // the object is gone
  | 'unreachable' // runtime socket, API server or pod cannot be reached
  | 'timeout'
  | 'cancelled'
  | 'forbidden' // RBAC or filesystem permission
  | 'rejected' // admission (Pod Security) or the runtime refused the request
  | 'precondition-changed' // a repair re-check found the state changed since the plan
  | 'runtime-error' // the runtime answered with an error we keep verbatim
  | 'internal';

export interface ErrorContext {
  readonly cluster?: string;
  readonly node?: string;
  /** One short next step for the user, e.g. "Check that containerd is running and the socket path is right." */
  readonly hint?: string;
  readonly cause?: unknown;
}

/** Marks our errors across bundles (the extension and its lazily loaded engine each carry a copy of this class). */
const BRAND = Symbol.for('kube-node-doctor.error');

export class NodeDoctorError extends Error {
  /** `x instanceof NodeDoctorError` holds whichever bundle created x; subclasses keep the ordinary prototype check. */
  static override [Symbol.hasInstance](this: unknown, value: unknown): boolean {
    if (this !== NodeDoctorError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  readonly reason: ErrorReason;
  readonly cluster?: string;
  readonly node?: string;
  readonly hint?: string;

  constructor(reason: ErrorReason, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'NodeDoctorError';
    Object.defineProperty(this, BRAND, { value: true });
    this.reason = reason;
    this.cluster = context.cluster;
    this.node = context.node;
    this.hint = context.hint;
  }
}

export function isNodeDoctorError(value: unknown): value is NodeDoctorError {
  return value instanceof NodeDoctorError;
}

/** Throws a `cancelled` error when the signal has fired. Call between units of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new NodeDoctorError('cancelled', 'Cancelled.');
  }
}

/** A one-line description of any thrown value, without stack traces and without credential material (see redact.ts). */
export function describeError(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}

/** The `code` of a Node.js system error (`ENOENT`, `ECONNREFUSED`, …), or of anything else that carries one. */
export function errnoOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}
