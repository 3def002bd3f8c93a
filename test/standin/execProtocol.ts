// The Kubernetes exec stream protocol as the API server speaks it (test stand-in only).
// Source: kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/util/remotecommand/constants.go and
// staging/src/k8s.io/kubelet/pkg/cri/streaming/remotecommand/{httpstream,websocket,exec}.go, and client-node's
// src/web-socket-handler.ts (the client side this stand-in must satisfy).
// Every binary WebSocket message is one channel byte followed by the payload:
//   0 stdin (client → server), 1 stdout, 2 stderr, 3 error/status (v4+: a JSON metav1.Status), 4 resize,
//   255 close (v5 only: [255, channel] half-closes one stream, e.g. [255, 0] = stdin EOF).
export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const STATUS = 3;
export const RESIZE = 4;
export const CLOSE = 255;

/** Subprotocols this stand-in accepts, preferred first (upstream: v5 added the close signal; v4 the JSON status). */
export const SUBPROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

export function frame(channel: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/** The v4 status for a command that exited (`metav1.Status`, as `json.Marshal` writes it: `metadata` is always present). */
export function exitStatus(exitCode: number, argv: readonly string[]): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** The status for a command that could not start (runc's message, InternalError). */
export function startFailureStatus(argv: readonly string[]): Record<string, unknown> {
  const message = `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv[0]}": executable file not found in $PATH: unknown`;
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 };
}

/** Picks the subprotocol: the first of ours the client offered (client-node offers v5, v4, v3, v2, channel). */
export function negotiate(offered: Iterable<string>, supported: readonly string[] = SUBPROTOCOLS): string | undefined {
  const set = new Set(offered);
  return supported.find((p) => set.has(p));
}
