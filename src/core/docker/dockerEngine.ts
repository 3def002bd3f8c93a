import * as http from 'node:http';
import { NodeDoctorError } from '../errors';
import type { ErrorReason } from '../errors';

/**
 * A client for the few Docker Engine API calls this tool makes, over the daemon's unix socket (HTTP/1.1, JSON). No
 * `docker` CLI is needed on the node; through the bridge the socket is relayed like a CRI socket. Every request has a
 * deadline and an abort signal; every failure is a `DockerError` with the HTTP status and the daemon's own message.
 */

export interface DockerCallOptions {
  readonly signal?: AbortSignal;
  /** Per-request deadline (the client's default when omitted). */
  readonly timeoutMs?: number;
}

/** One entry of `GET /containers/json` (the fields this tool reads). */
export interface DockerContainerSummary {
  readonly Id: string;
  readonly Names: readonly string[];
  readonly Image: string;
  readonly ImageID: string;
  /** Seconds since the epoch. */
  readonly Created: number;
  /** `created`, `running`, `paused`, `restarting`, `removing`, `exited`, `dead`. */
  readonly State: string;
  /** e.g. `Exited (137) 2 hours ago`, `Up 5 minutes`. */
  readonly Status: string;
  readonly Labels: Readonly<Record<string, string>> | null;
}

/** `GET /containers/<id>/json`, the fields this tool reads; the whole document is kept as `raw`. */
export interface DockerContainerInspect {
  readonly Id: string;
  readonly Name: string;
  readonly Created: string;
  readonly State: {
    readonly Status: string;
    readonly Running: boolean;
    readonly ExitCode: number;
    readonly StartedAt: string;
    readonly FinishedAt: string;
    readonly Error?: string;
    readonly OOMKilled?: boolean;
  };
  readonly Config: { readonly Image: string; readonly Labels: Readonly<Record<string, string>> | null };
}

export interface DockerVersion {
  readonly Version: string;
  readonly ApiVersion: string;
  readonly MinAPIVersion?: string;
  readonly Os?: string;
  readonly Arch?: string;
}

/** Label filters (`key` or `key=value`), sent as the daemon's `filters` query parameter. */
export interface DockerListFilter {
  readonly labels?: readonly string[];
  readonly ids?: readonly string[];
}

export class DockerError extends NodeDoctorError {
  /** 0 when no HTTP answer came (socket missing, refused, cut, deadline). */
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** The daemon's `message`, verbatim (or the transport error). */
  readonly details: string;

  constructor(method: string, path: string, status: number, details: string, reason?: ErrorReason, cause?: unknown) {
    super(reason ?? reasonFor(status), `Docker ${method} ${path.split('?')[0]} failed: ${status > 0 ? `HTTP ${status}: ` : ''}${details}`, {
      cause, hint: status === 0 && reason === 'unreachable' ? 'Check that dockerd is running and the socket path is right (unix:///var/run/docker.sock).' : undefined,
    });
    this.name = 'DockerError';
    this.status = status;
    this.method = method;
    this.path = path;
    this.details = details;
  }
}

function reasonFor(status: number): ErrorReason {
  if (status === 404) return 'not-found';
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 409) return 'rejected';
  if (status === 400) return 'bad-input';
  return 'runtime-error';
}

export function isDockerNotFound(error: unknown): error is DockerError {
  return error instanceof DockerError && error.status === 404;
}

/** The shape the inventory and repairs need; tests may give a fake. */
export interface DockerApi {
  ping(options?: DockerCallOptions): Promise<{ apiVersion: string }>;
  version(options?: DockerCallOptions): Promise<DockerVersion>;
  listContainers(filter?: DockerListFilter, options?: DockerCallOptions): Promise<DockerListed>;
  inspectContainer(id: string, options?: DockerCallOptions): Promise<{ container: DockerContainerInspect; raw: string }>;
  stopContainer(id: string, timeoutSeconds: number, options?: DockerCallOptions): Promise<'stopped' | 'not-running'>;
  removeContainer(id: string, options?: DockerCallOptions): Promise<void>;
}

/** A list answer and its size on the wire. */
export interface DockerListed {
  readonly containers: DockerContainerSummary[];
  readonly bytes: number;
}

export interface DockerEngineOptions {
  /** Node-local socket path (what `unix:///var/run/docker.sock` names, or a relay's local socket). */
  readonly socketPath: string;
  /** Default 30 s. */
  readonly defaultTimeoutMs?: number;
  /** Largest answer accepted (default 256 MiB). */
  readonly maxResponseBytes?: number;
}

const ID = /^[0-9a-f]{64}$/;

function requireId(id: string): string {
  if (!ID.test(id)) throw new NodeDoctorError('invalid-id', `Invalid container ID "${id.slice(0, 80)}": expected 64 hexadecimal characters.`);
  return id;
}

/** The Engine API over a unix socket, unversioned paths (the daemon answers with its own API version). */
export class DockerEngine implements DockerApi {
  private readonly agent = new http.Agent({ keepAlive: false });

  constructor(private readonly options: DockerEngineOptions) {}

  private request(method: string, path: string, call: DockerCallOptions = {}): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
    const timeoutMs = call.timeoutMs ?? this.options.defaultTimeoutMs ?? 30_000;
    const maxBytes = this.options.maxResponseBytes ?? 256 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      if (call.signal?.aborted) {
        reject(new NodeDoctorError('cancelled', 'Cancelled.'));
        return;
      }
      let settled = false;
      const finish = (error: Error | undefined, value?: { status: number; body: Buffer; headers: http.IncomingHttpHeaders }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        call.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else if (value) resolve(value);
      };
      const req = http.request({ socketPath: this.options.socketPath, method, path, agent: this.agent, headers: { Host: 'docker', Accept: 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy();
            finish(new DockerError(method, path, res.statusCode ?? 0, `answer larger than ${maxBytes} bytes`, 'bad-input'));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
        res.on('error', (error) => finish(new DockerError(method, path, 0, error.message, 'unreachable', error)));
      });
      const timer = setTimeout(() => {
        req.destroy();
        finish(new DockerError(method, path, 0, `no answer within ${timeoutMs} ms`, 'timeout'));
      }, timeoutMs);
      const onAbort = (): void => {
        req.destroy();
        finish(new NodeDoctorError('cancelled', 'Cancelled.'));
      };
      call.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error: NodeJS.ErrnoException) => {
        const reason: ErrorReason = error.code === 'EACCES' || error.code === 'EPERM' ? 'forbidden' : 'unreachable';
        finish(new DockerError(method, path, 0, `${error.code ?? 'error'}: ${error.message}`, reason, error));
      });
      req.end();
    });
  }

  /** Sends a request; throws a DockerError for any status outside `ok`. */
  private async call(method: string, path: string, ok: readonly number[], call?: DockerCallOptions): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
    const answer = await this.request(method, path, call);
    if (!ok.includes(answer.status)) throw new DockerError(method, path, answer.status, daemonMessage(answer.body));
    return answer;
  }

  async ping(options?: DockerCallOptions): Promise<{ apiVersion: string }> {
    const answer = await this.call('GET', '/_ping', [200], options);
    const header = answer.headers['api-version'];
    if (answer.body.toString('utf8').trim() !== 'OK' || typeof header !== 'string') {
      throw new DockerError('GET', '/_ping', answer.status, 'the socket answered, but not as a Docker daemon', 'unreachable');
    }
    return { apiVersion: header };
  }

  async version(options?: DockerCallOptions): Promise<DockerVersion> {
    return parseJson<DockerVersion>('GET', '/version', (await this.call('GET', '/version', [200], options)).body);
  }

  async listContainers(filter: DockerListFilter = {}, options?: DockerCallOptions): Promise<DockerListed> {
    const filters: Record<string, string[]> = {};
    if (filter.labels && filter.labels.length > 0) filters.label = [...filter.labels];
    if (filter.ids && filter.ids.length > 0) filters.id = [...filter.ids];
    const query = `all=1${Object.keys(filters).length > 0 ? `&filters=${encodeURIComponent(JSON.stringify(filters))}` : ''}`;
    const path = `/containers/json?${query}`;
    const { body } = await this.call('GET', path, [200], options);
    return { containers: parseJson<DockerContainerSummary[]>('GET', path, body), bytes: body.length };
  }

  async inspectContainer(id: string, options?: DockerCallOptions): Promise<{ container: DockerContainerInspect; raw: string }> {
    const path = `/containers/${requireId(id)}/json`;
    const { body } = await this.call('GET', path, [200], options);
    return { container: parseJson<DockerContainerInspect>('GET', path, body), raw: body.toString('utf8') };
  }

  /** `POST /containers/<id>/stop?t=N`: 204 stopped, 304 it was not running. */
  async stopContainer(id: string, timeoutSeconds: number, options?: DockerCallOptions): Promise<'stopped' | 'not-running'> {
    const t = Math.max(0, Math.floor(timeoutSeconds));
    // The daemon waits t seconds before SIGKILL: the request's own deadline must outlast it.
    const timeoutMs = Math.max(options?.timeoutMs ?? this.options.defaultTimeoutMs ?? 30_000, t * 1000 + 15_000);
    const answer = await this.call('POST', `/containers/${requireId(id)}/stop?t=${t}`, [204, 304], { ...options, timeoutMs });
    return answer.status === 304 ? 'not-running' : 'stopped';
  }

  /** `DELETE /containers/<id>` (no force, no volumes: a running container is refused with 409). */
  async removeContainer(id: string, options?: DockerCallOptions): Promise<void> {
    await this.call('DELETE', `/containers/${requireId(id)}`, [204], options);
  }

  close(): void {
    this.agent.destroy();
  }
}

function daemonMessage(body: Buffer): string {
  const text = body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return text.slice(0, 500) || '(empty answer)';
}

function parseJson<T>(method: string, path: string, body: Buffer): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (error) {
    throw new DockerError(method, path, 200, `the answer is not JSON (${body.length} bytes)`, 'runtime-error', error);
  }
}
