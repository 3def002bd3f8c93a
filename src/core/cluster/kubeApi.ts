import * as http from 'node:http';
import * as https from 'node:https';
import { errnoOf, NodeDoctorError } from '../errors';
import type { ErrorReason } from '../errors';
import { redact } from '../redact';
import type { KubeConfigObject } from './clientNode';

/** The `Status` object the API server returns with an error. */
export interface ApiStatus {
  readonly kind?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: { readonly name?: string; readonly kind?: string; readonly causes?: readonly { readonly reason?: string; readonly message?: string }[] };
}

/** An API error with the HTTP status and the server's `Status.reason`, so callers branch on data, not text. */
export class ApiError extends NodeDoctorError {
  constructor(
    reason: ErrorReason,
    message: string,
    readonly httpStatus: number,
    readonly status: ApiStatus | undefined,
    context: { cluster: string; hint?: string },
  ) {
    super(reason, message, context);
    this.name = 'ApiError';
  }
}

/** A non-JSON answer, as `requestRaw` returns it. */
export interface RawAnswer {
  readonly statusCode: number;
  readonly contentType: string;
  readonly text: string;
  /** The server sent more than the caller's `maxBytes`; `text` holds the first `maxBytes`. */
  readonly truncated: boolean;
}

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  /** Path under the server URL, e.g. `/api/v1/nodes`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT']);


/** What the bridge and the RBAC checks need of an API client (a `KubeApi`, or a fake in unit tests). */
export interface KubeRequester {
  /** The kubeconfig context, for messages. */
  readonly context: string;
  /** For client-node's exec transport; absent on fakes, which bring their own transport. */
  readonly kubeConfig?: KubeConfigObject;
  request<T>(req: ApiRequest): Promise<T>;
}

/**
 * The request URL for an API path. Every segment must reach the server as written: a `.` or `..` segment (which `new URL`
 * would fold into another API path), an encoded slash or dot, or a path the URL parser rewrote is refused.
 */
export function apiUrl(server: string, apiPath: string, context: string): URL {
  const segments = apiPath.split('/');
  const bad = !apiPath.startsWith('/') || /[?#\\]/.test(apiPath) || segments.some((s) => /^(?:%2e|\.){1,2}$/i.test(s) || /%2f|%5c/i.test(s));
  const url = bad ? undefined : new URL(server.replace(/\/+$/, '') + apiPath);
  const base = new URL(server).pathname.replace(/\/+$/, '');
  if (!url || url.pathname !== base + apiPath) {
    throw new NodeDoctorError('bad-input', `Refused to send a request to the API server of context "${context}": the path ${JSON.stringify(apiPath.slice(0, 200))} would not reach the server as written.`, { cluster: context });
  }
  return url;
}

/**
 * A minimal JSON client for the few API calls the tool makes. Authentication (token, client certificate, exec plugin,
 * OIDC) comes from client-node's `applyToHTTPSOptions`; every request has a timeout and an abort signal.
 * Error messages name the context and the cause, never a header, token or certificate.
 */
export class KubeApi implements KubeRequester {
  constructor(
    readonly context: string,
    readonly kubeConfig: KubeConfigObject,
    private readonly defaultTimeoutMs = 15_000,
  ) {}

  get server(): string {
    return this.kubeConfig.getCurrentCluster()?.server ?? '';
  }

  async request<T>(req: ApiRequest): Promise<T> {
    return this.withDeadline(req, (signal) => this.send<T>(req, signal));
  }

  /** Runs one exchange under the request's deadline and the caller's signal; timeouts, aborts and network errors become typed errors. */
  private async withDeadline<T>(req: ApiRequest, exchange: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeoutMs = req.timeoutMs ?? this.defaultTimeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
    const onAbort = (): void => controller.abort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (req.signal?.aborted) throw new NodeDoctorError('cancelled', 'Cancelled.', { cluster: this.context });
      return await exchange(controller.signal);
    } catch (error) {
      if (error instanceof NodeDoctorError) throw error;
      if (timedOut) {
        throw new NodeDoctorError('timeout', `The API server of context "${this.context}" did not answer within ${Math.round(timeoutMs / 1000)} s.`, {
          cluster: this.context, hint: 'Check the network path to the cluster (VPN, proxy) and try again.',
        });
      }
      if (req.signal?.aborted) throw new NodeDoctorError('cancelled', 'Cancelled.', { cluster: this.context });
      throw this.networkError(error);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  private networkError(error: unknown): NodeDoctorError {
    const code = errnoOf(error);
    const what = code && (NETWORK_CODES.has(code) || code.startsWith('ERR_TLS') || code.includes('CERT')) ? code : 'connection failed';
    return new NodeDoctorError('unreachable', `Cannot reach the API server of context "${this.context}" (${what}).`, {
      cluster: this.context, cause: error, hint: 'Check that the cluster is running and reachable from here (kubectl --context ... get nodes).',
    });
  }

  private async send<T>(req: ApiRequest, signal: AbortSignal): Promise<T> {
    const { statusCode, body } = await this.exchange(req, signal, Number.POSITIVE_INFINITY);
    const text = body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (statusCode >= 200 && statusCode < 300) {
      if (parsed === undefined) throw new NodeDoctorError('internal', `The API server of context "${this.context}" sent a non-JSON answer to ${req.method} ${req.path}.`, { cluster: this.context });
      return parsed as T;
    }
    throw this.statusError(statusCode, parsed as ApiStatus | undefined, req);
  }

  /**
   * A request whose answer is not JSON (a node's log through the API server's node proxy): whatever the status, the
   * answer comes back, at most `maxBytes` of its body (`truncated` says when more was sent). Timeouts, aborts and
   * unreachable servers throw as `request` does; `errorFor` turns a status the caller does not handle into an `ApiError`.
   */
  async requestRaw(req: ApiRequest & { readonly maxBytes: number }): Promise<RawAnswer> {
    return this.withDeadline(req, async (signal) => {
      const answer = await this.exchange(req, signal, req.maxBytes);
      return { statusCode: answer.statusCode, contentType: answer.contentType, text: answer.body.toString('utf8'), truncated: answer.truncated };
    });
  }

  /** The `ApiError` for a status a raw request's caller does not handle itself (the body parsed as a `Status` when it is one). */
  errorFor(answer: RawAnswer, req: ApiRequest): ApiError {
    let status: ApiStatus | undefined;
    try {
      const parsed = JSON.parse(answer.text) as ApiStatus;
      status = parsed && typeof parsed === 'object' && parsed.kind === 'Status' ? parsed : undefined;
    } catch {
      status = undefined;
    }
    return this.statusError(answer.statusCode, status, req);
  }

  private async exchange(req: ApiRequest, signal: AbortSignal, maxBytes: number): Promise<{ statusCode: number; contentType: string; body: Buffer; truncated: boolean }> {
    const server = this.server;
    if (!server) throw new NodeDoctorError('bad-input', `Context "${this.context}" has no cluster server URL.`, { cluster: this.context });
    const url = apiUrl(server, req.path, this.context);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const options: https.RequestOptions = {
      method: req.method,
      headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } : {}) },
    };
    try {
      await this.kubeConfig.applyToHTTPSOptions(options);
    } catch (error) {
      // The auth provider's own message may quote its output: keep it only as the cause.
      throw new NodeDoctorError('bad-input', `Could not prepare a connection for context "${this.context}" (its credentials, auth provider or TLS settings failed).`, {
        cluster: this.context, cause: error, hint: 'Run kubectl --context ... get nodes once to see the full error.',
      });
    }
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { ...options, signal }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const done = (): void => resolve({ statusCode: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body: Buffer.concat(chunks), truncated });
        response.on('data', (chunk: Buffer) => {
          if (truncated) return;
          if (size + chunk.length > maxBytes) {
            chunks.push(chunk.subarray(0, maxBytes - size));
            size = maxBytes;
            truncated = true;
            done();
            response.destroy();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => { if (!truncated) done(); });
        response.on('error', (error) => { if (!truncated) reject(error); });
      });
      request.on('error', (error) => reject(error));
      request.end(body);
    });
  }

  private statusError(httpStatus: number, status: ApiStatus | undefined, req: ApiRequest): ApiError {
    const said = status?.message ? `: ${redact(status.message)}` : '';
    const cluster = this.context;
    switch (httpStatus) {
      case 401:
        return new ApiError('forbidden', `The API server of context "${cluster}" rejected the credentials (401 Unauthorized).`, httpStatus, status, {
          cluster, hint: 'Log in again or refresh the kubeconfig credentials.',
        });
      case 403:
        return new ApiError('forbidden', `Forbidden in context "${cluster}"${said}`, httpStatus, status, { cluster });
      case 404:
        return new ApiError('not-found', `Not found in context "${cluster}": ${req.method} ${req.path}${said}`, httpStatus, status, { cluster });
      case 409:
        return new ApiError('rejected', `Conflict in context "${cluster}"${said}`, httpStatus, status, { cluster });
      case 400:
      case 422:
        return new ApiError('rejected', `The API server of context "${cluster}" refused the request${said}`, httpStatus, status, { cluster });
      default:
        return new ApiError(httpStatus >= 500 ? 'unreachable' : 'internal', `The API server of context "${cluster}" answered ${httpStatus}${said}`, httpStatus, status, { cluster });
    }
  }
}
