import { escapeRegExp } from './model/regex';

/**
 * The one redaction function: every piece of cluster, URL or error text that leaves the core (a message, a log line, a
 * tree label, the CLI's stderr) goes through `redact`, so credential material never reaches a user or a log.
 * It removes URL user information (`https://user:pass@host` → `https://***@host`), the values of credential-like
 * query parameters and `key=value` / `key: value` / `"key": "value"` pairs (`access_token`, `refresh_token`, `token`,
 * `password`, `client-key-data`, …), `Bearer`/`Basic` authorization values, JSON Web Tokens, bootstrap tokens and PEM
 * blocks. Text that cannot be proven free of secrets (an auth plugin's stderr) is not passed through at all: callers
 * describe such a failure in their own words and keep the raw error only as `cause`.
 */

export const REDACTED = '***';

/** Names whose values are credentials, as query parameters, `key=value`, YAML or JSON keys (case-insensitive). */
const SECRET_KEYS = [
  'access[_-]?token', 'refresh[_-]?token', 'id[_-]?token', 'auth[_-]?token', 'bearer[_-]?token', 'session[_-]?token', 'token',
  'client[_-]?secret', 'secret', 'password', 'passwd', 'pwd', 'api[_-]?key', 'apikey', 'private[_-]?key',
  'client-key-data', 'client-certificate-data', 'authorization', 'x-amz-signature', 'x-amz-credential', 'x-amz-security-token',
  'sig', 'signature',
].join('|');

const RULES: readonly [RegExp, string | ((...groups: string[]) => string)][] = [
  // PEM blocks (private keys, certificates): the whole block.
  [/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g, `[PEM block ${REDACTED}]`],
  // URL user information: scheme://user[:password]@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi, `$1${REDACTED}@`],
  // JSON: "token": "value".
  [new RegExp(`("(?:${SECRET_KEYS})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1"${REDACTED}"`],
  // Authorization header values, whatever the scheme.
  [/\b(authorization\s*[:=]\s*)(?:(?:bearer|basic|negotiate|digest)\s+)?[^\s,;"']+/gi, `$1${REDACTED}`],
  [/\b(Bearer)\s+(?!\*\*\*)[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // key=value (query strings, env, logfmt) and key: value (YAML, headers); the key may carry a prefix (AWS_SESSION_TOKEN).
  [new RegExp(`(^|[^A-Za-z0-9_-])([A-Za-z0-9_-]*(?:${SECRET_KEYS}))(\\s*[=:]\\s*)(?!${escapeRegExp(REDACTED)})(?!\\s)[^\\s&;,"'<>)}\\]]+`, 'gim'), `$1$2$3${REDACTED}`],
  // JSON Web Tokens (three base64url parts, the first two starting with `eyJ`).
  [/\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // Kubernetes bootstrap tokens: [a-z0-9]{6}.[a-z0-9]{16}.
  [/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, REDACTED],
];

/** `text` without credential material (see the module comment). Idempotent. */
export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement as string);
  return out;
}

/**
 * A server URL as shown to users: user information and the whole query and fragment are dropped (a Kubernetes API
 * server URL needs neither; a kubeconfig that has them carries credentials there). Text that is not a URL is redacted.
 */
export function displayUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redact(url);
  }
  const hadUser = parsed.username !== '' || parsed.password !== '';
  parsed.username = '';
  parsed.password = '';
  const hadQuery = parsed.search !== '' || parsed.hash !== '';
  parsed.search = '';
  parsed.hash = '';
  let shown = parsed.toString();
  if (!url.endsWith('/') && shown.endsWith('/') && parsed.pathname === '/') shown = shown.slice(0, -1);
  if (hadUser) shown = shown.replace('://', `://${REDACTED}@`);
  return redact(hadQuery ? `${shown}?${REDACTED}` : shown);
}
