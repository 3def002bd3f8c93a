import { PassThrough, Writable } from 'node:stream';
import type { Duplex } from 'node:stream';
import { errnoOf, NodeDoctorError } from '../errors';
import { redact } from '../redact';
import type { RunResult } from '../node/nodeAccess';
import { loadClientNode } from '../cluster/clientNode';
import type { KubeConfigObject } from '../cluster/clientNode';

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly container: string;
}

export interface ExecOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /**
   * Sent on channel 0. Under `v5.channel.k8s.io` it is followed by the close signal (end-of-file for the command);
   * `v4` has no way to say end-of-file (client-node would close the whole stream instead), so there stdin stays open:
   * the command must stop reading by itself, e.g. `head -c N` with N = the length (see the scripts in bridgeNodeAccess).
   */
  readonly stdin?: Buffer;
  /** Cap on what is kept of stdout and of stderr (default 32 MiB). */
  readonly maxOutputBytes?: number;
}

/** The v4/v5 status document sent on channel 3 (a `metav1.Status`). */
export interface ExecStatus {
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly details?: { readonly causes?: readonly { readonly reason?: string; readonly message?: string }[] };
}

/**
 * The exit code a status document carries: 0 for `Success`, the `ExitCode` cause for `NonZeroExitCode`,
 * undefined when the command did not run at all (the status then explains why).
 */
export function exitCodeOf(status: ExecStatus): number | undefined {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (cause?.message !== undefined && /^\d+$/.test(cause.message)) return Number(cause.message);
  return undefined;
}

/** Raised when the exec stream ends without a status (pod deleted, connection lost): the caller checks the pod. */
export class ExecInterruptedError extends NodeDoctorError {
  constructor(message: string, cause?: unknown) {
    super('unreachable', message, { cause });
    this.name = 'ExecInterruptedError';
  }
}

class Collector extends Writable {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) { super(); }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.size < this.max) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    callback();
  }
  data(): Buffer { return Buffer.concat(this.chunks); }
}

const V5 = 'v5.channel.k8s.io';
const NETWORK_CODES = /^(?:E[A-Z]+|ERR_TLS\w*|\w*CERT\w*)$/;

/**
 * Why an exec stream could not be opened, in words that hold no credential: a network error code, the HTTP status of the
 * upgrade, or the fact that the context's credentials failed. The raw error stays the cause only: an exec-credential
 * plugin's failure message is its stderr verbatim (client-node `exec_auth.ts`), which may quote tokens.
 */
export function describeOpenFailure(error: unknown): string {
  const code = errnoOf(error);
  if (code && NETWORK_CODES.test(code)) return `connection failed (${code})`;
  const message = error instanceof Error ? error.message : '';
  const status = /^Unexpected server response: (\d{3})$/.exec(message);
  if (status) return `the API server answered ${status[1]}`;
  return 'the connection could not be prepared (the context\'s credentials, auth plugin or TLS settings failed; their output is not shown because it may hold secrets)';
}

interface ExecSocket {
  close(): void;
  on(event: 'close', listener: () => void): unknown;
  readonly protocol: string;
}

/**
 * Runs an argv (never a shell string) in a pod through client-node's `Exec` (WebSocket, `v5.channel.k8s.io` with
 * fallback to `v4`), collecting stdout, stderr and the exit status. Timeout and abort close the stream.
 */
export async function execInPod(config: KubeConfigObject, pod: PodRef, argv: readonly string[], options: ExecOptions): Promise<RunResult> {
  if (argv.length === 0) throw new NodeDoctorError('bad-input', 'Empty command.');
  if (options.signal?.aborted) throw new NodeDoctorError('cancelled', 'Cancelled.');
  const k8s = await loadClientNode();
  const max = options.maxOutputBytes ?? 32 * 1024 * 1024;
  const stdout = new Collector(max);
  const stderr = new Collector(max);
  let stdin: PassThrough | null = null;
  if (options.stdin !== undefined) {
    stdin = new PassThrough();
    // In frames of at most 64 KiB: one WebSocket message per chunk.
    for (let at = 0; at < options.stdin.length; at += 64 * 1024) stdin.write(options.stdin.subarray(at, at + 64 * 1024));
  }
  return new Promise<RunResult>((resolve, reject) => {
    let socket: ExecSocket | undefined;
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket?.close();
      outcome();
    };
    const timer = setTimeout(() => finish(() => reject(new NodeDoctorError('timeout', `${argv[0]} did not finish within ${options.timeoutMs} ms in pod ${pod.namespace}/${pod.name}.`))), options.timeoutMs);
    const onAbort = (): void => finish(() => reject(new NodeDoctorError('cancelled', `${argv[0]} cancelled.`)));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const onStatus = (status: ExecStatus): void => {
      const code = exitCodeOf(status);
      if (code === undefined) {
        finish(() => reject(new NodeDoctorError('runtime-error', `Could not run ${argv[0]} in pod ${pod.namespace}/${pod.name}: ${redact(status.message ?? status.reason ?? 'unknown failure')}`)));
        return;
      }
      // Output frames precede the status frame on the same socket: everything has been written.
      finish(() => resolve({ exitCode: code, stdout: stdout.data(), stderr: stderr.data() }));
    };
    new k8s.Exec(config)
      .exec(pod.namespace, pod.name, pod.container, [...argv], stdout, stderr, stdin, false, onStatus)
      .then((ws) => {
        socket = ws as unknown as ExecSocket;
        if (settled) { socket.close(); return; }
        // Only v5 can half-close stdin; ending the stream under v4 would make client-node close the socket mid-command.
        if (socket.protocol === V5) stdin?.end();
        socket.on('close', () => finish(() => reject(new ExecInterruptedError(`The exec stream of ${argv[0]} in pod ${pod.namespace}/${pod.name} ended without an exit status.`))));
      })
      .catch((error: unknown) => finish(() => reject(new ExecInterruptedError(`Could not open an exec stream to pod ${pod.namespace}/${pod.name}: ${describeOpenFailure(error)}.`, error))));
  });
}

/**
 * Carries one byte stream (a local socket) through an exec'd relay such as `socat - UNIX-CONNECT:/host/run/containerd/containerd.sock`:
 * the socket's bytes go to the command's stdin, its stdout comes back to the socket. Resolves once the stream is open.
 */
export async function relayThroughPod(config: KubeConfigObject, pod: PodRef, argv: readonly string[], local: Duplex, onEnd: (stderr: string) => void): Promise<void> {
  const k8s = await loadClientNode();
  const stderr = new Collector(64 * 1024);
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    local.end(); // flushes what the relay already wrote
    setTimeout(() => local.destroy(), 1_000).unref();
    onEnd(stderr.data().toString('utf8'));
  };
  const ws = (await new k8s.Exec(config).exec(pod.namespace, pod.name, pod.container, [...argv], local, stderr, local, false, () => end())) as unknown as ExecSocket;
  ws.on('close', end);
  local.on('close', () => { ws.close(); end(); });
  local.on('error', () => ws.close());
}

/** How commands reach a pod: client-node's `Exec` (WebSocket) in production; anything with the same contract in tests. */
export interface ExecTransport {
  /** Runs an argv in the pod's container and collects its output and exit status (see `execInPod`). */
  exec(pod: PodRef, argv: readonly string[], options: ExecOptions): Promise<RunResult>;
  /** Carries a local byte stream through an exec'd relay command (see `relayThroughPod`). */
  relay(pod: PodRef, argv: readonly string[], local: Duplex, onEnd: (stderr: string) => void): Promise<void>;
}

/** The production transport: the Kubernetes exec subresource over WebSocket, authenticated by the kubeconfig. */
export class WebSocketExecTransport implements ExecTransport {
  constructor(private readonly config: KubeConfigObject) {}

  exec(pod: PodRef, argv: readonly string[], options: ExecOptions): Promise<RunResult> {
    return execInPod(this.config, pod, argv, options);
  }

  relay(pod: PodRef, argv: readonly string[], local: Duplex, onEnd: (stderr: string) => void): Promise<void> {
    return relayThroughPod(this.config, pod, argv, local, onEnd);
  }
}
