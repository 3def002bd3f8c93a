import { NodeDoctorError } from '../errors';

/**
 * Kubernetes name rules (k8s.io/apimachinery `validation.IsDNS1123Subdomain` / `IsDNS1123Label`), checked before a name
 * reaches an API path: `new URL` would otherwise normalise `..` into another API path, and `%2F` would pass encoded.
 * Node and pod names are DNS subdomains, namespaces DNS labels. A kubeconfig context name is not an API object and may
 * hold `/` or `:` (EKS ARNs); it is checked only for length and control characters (it is shown, never put in a URL).
 */
export type NameKind = 'node' | 'namespace' | 'pod' | 'context';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// eslint-disable-next-line no-control-regex -- control characters are what this rejects
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const RULES: Readonly<Record<NameKind, { test: (name: string) => boolean; rule: string }>> = {
  node: {
    test: (n) => n.length <= 253 && DNS_SUBDOMAIN.test(n),
    rule: 'a node name is a DNS subdomain: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters',
  },
  pod: {
    test: (n) => n.length <= 253 && DNS_SUBDOMAIN.test(n),
    rule: 'a pod name is a DNS subdomain: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters',
  },
  namespace: {
    test: (n) => n.length <= 63 && DNS_LABEL.test(n),
    rule: 'a namespace is a DNS label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
  },
  context: {
    test: (n) => n.length <= 512 && !CONTROL.test(n) && n.trim() !== '',
    rule: 'a kubeconfig context name is non-empty, at most 512 characters, without control characters',
  },
};

/** A name that breaks the Kubernetes rules for its kind. */
export class InvalidNameError extends NodeDoctorError {
  constructor(readonly kind: NameKind, readonly value: string) {
    // The name is quoted with escapes and cut, so a newline or a 10 kB string cannot shape the message.
    const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
    super('bad-input', `${shown} is not a valid ${kind} name (${RULES[kind].rule}).`, {
      hint: kind === 'node' ? 'kubectl get nodes lists the node names.' : kind === 'context' ? 'kubectl config get-contexts lists the context names.' : undefined,
    });
    this.name = 'InvalidNameError';
  }
}

/** Whether `name` follows the rules for `kind`. */
export function isValidName(kind: NameKind, name: string): boolean {
  return RULES[kind].test(name);
}

/** Returns `name` when it follows the rules for `kind`; throws `InvalidNameError` otherwise. */
export function requireValidName(kind: NameKind, name: string): string {
  if (typeof name !== 'string' || !RULES[kind].test(name)) throw new InvalidNameError(kind, String(name));
  return name;
}
