import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeDoctorError } from '../errors';
import { displayUrl } from '../redact';
import { requireValidName } from './names';
import { loadClientNode } from './clientNode';
import type { KubeConfigObject } from './clientNode';

/** Where kubeconfig files come from, in kubectl's order: an explicit path, else `KUBECONFIG` (several files), else `~/.kube/config`. */
export interface KubeconfigSourceOptions {
  /** The `kubeNodeDoctor.kubeconfig` setting or `--kubeconfig`: used alone when set. */
  readonly explicitPath?: string;
  /** Defaults to `process.env` (only `KUBECONFIG` is read). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to `os.homedir()`. */
  readonly homeDir?: string;
}

export interface ContextInfo {
  readonly name: string;
  readonly cluster: string;
  readonly user: string;
  readonly namespace?: string;
  /** The API server URL as shown to users: user information and query removed (see `displayUrl`). */
  readonly server?: string;
}

type Named = { readonly name: string };

/** The kubeconfig files that apply, in order (missing `KUBECONFIG` entries are skipped, as kubectl does). */
export function kubeconfigFiles(options: KubeconfigSourceOptions = {}): string[] {
  if (options.explicitPath) {
    if (!fs.existsSync(options.explicitPath)) {
      throw new NodeDoctorError('not-found', `The kubeconfig file ${options.explicitPath} does not exist.`, { hint: 'Fix the kubeNodeDoctor.kubeconfig setting or the --kubeconfig option.' });
    }
    return [options.explicitPath];
  }
  const env = options.env ?? process.env;
  const list = env.KUBECONFIG;
  if (list) {
    return [...new Set(list.split(path.delimiter).filter((file) => file !== '' && fs.existsSync(file)))];
  }
  const home = path.join(options.homeDir ?? os.homedir(), '.kube', 'config');
  return fs.existsSync(home) ? [home] : [];
}

function firstWins<T extends Named>(lists: readonly (readonly T[])[]): T[] {
  const seen = new Map<string, T>();
  for (const list of lists) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
  return [...seen.values()];
}

/** All contexts of the merged kubeconfig; `forContext` gives a client-node KubeConfig bound to one of them. */
export class Kubeconfigs {
  constructor(
    readonly files: readonly string[],
    private readonly merged: KubeConfigObject,
    private readonly build: () => KubeConfigObject,
  ) {}

  get currentContext(): string | undefined {
    return this.merged.getCurrentContext() || undefined;
  }

  get contexts(): ContextInfo[] {
    return this.merged.getContexts().map((c) => ({
      name: c.name, cluster: c.cluster, user: c.user, namespace: c.namespace,
      server: displayUrl(this.merged.getCluster(c.cluster)?.server),
    }));
  }

  /** A KubeConfig whose current context is `name` (the file's current context when omitted). */
  forContext(name?: string): KubeConfigObject {
    const wanted = name ?? this.currentContext;
    if (!wanted) {
      throw new NodeDoctorError('not-found', 'The kubeconfig has no current context.', { hint: 'Pass --context NAME (kubectl config get-contexts lists them).' });
    }
    requireValidName('context', wanted);
    const context = this.merged.getContextObject(wanted);
    if (!context) {
      throw new NodeDoctorError('not-found', `Context "${wanted}" is not in the kubeconfig (${this.files.length} file(s) read).`, {
        cluster: wanted, hint: 'kubectl config get-contexts lists the available contexts.',
      });
    }
    if (!this.merged.getCluster(context.cluster)) {
      throw new NodeDoctorError('bad-input', `Context "${wanted}" refers to cluster "${context.cluster}", which the kubeconfig does not define.`, { cluster: wanted });
    }
    const config = this.build();
    config.setCurrentContext(wanted);
    return config;
  }
}

/** Loads and merges the kubeconfig files like kubectl (the first file defining a name wins). Never logs content. */
export async function loadKubeconfigs(options: KubeconfigSourceOptions = {}): Promise<Kubeconfigs> {
  const files = kubeconfigFiles(options);
  if (files.length === 0) {
    throw new NodeDoctorError('not-found', 'No kubeconfig found (KUBECONFIG is unset or lists no existing file, and ~/.kube/config does not exist).', {
      hint: 'Set KUBECONFIG, or the kubeNodeDoctor.kubeconfig setting, or pass --kubeconfig FILE.',
    });
  }
  const k8s = await loadClientNode();
  const parts = files.map((file) => {
    const config = new k8s.KubeConfig();
    try {
      config.loadFromFile(file);
    } catch (error) {
      throw new NodeDoctorError('bad-input', `The kubeconfig file ${file} cannot be parsed.`, { cause: error, hint: 'Check it with kubectl config view.' });
    }
    return config;
  });
  const options_ = {
    clusters: firstWins(parts.map((p) => p.getClusters())),
    users: firstWins(parts.map((p) => p.getUsers())),
    contexts: firstWins(parts.map((p) => p.getContexts())),
    currentContext: parts.map((p) => p.getCurrentContext()).find((c) => c) ?? '',
  };
  const build = (): KubeConfigObject => {
    const config = new k8s.KubeConfig();
    config.loadFromOptions(options_);
    return config;
  };
  return new Kubeconfigs(files, build(), build);
}
