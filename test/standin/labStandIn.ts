// Wires the API stand-in to the real containerd harness (test/harness/runtime/up.sh): the bridge pod's hostPath mounts
// map onto the lab's directories, so the product's bridge reaches the real runtime and the real CNI cache.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiStandIn } from './apiStandIn';
import type { StandInOptions } from './apiStandIn';

export interface LabPaths {
  readonly labDir: string;
  readonly socket: string;
  readonly cniCacheDir: string;
  readonly cniConfDir?: string;
}

/** The harness's paths from its environment; undefined when no runtime harness runs. */
export function labPaths(): LabPaths | undefined {
  const endpoint = process.env.KND_CRI_ENDPOINT;
  if (!endpoint) return undefined;
  const socket = process.env.KND_CONTAINERD_SOCKET ?? endpoint.replace(/^unix:\/\//, '');
  return { labDir: process.env.KND_LAB_DIR ?? path.dirname(socket), socket, cniCacheDir: process.env.KND_CNI_CACHE_DIR ?? '/var/lib/cni', cniConfDir: process.env.KND_CNI_CONF_DIR };
}

/** A port nothing listens on (bound, read, closed): "unreachable cluster" without leaving loopback. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface LabStandIn {
  readonly standIn: ApiStandIn;
  readonly dir: string;
  /** Contexts: `lab` (the stand-in), `unreachable` (closed port), `bad-token` (rejected credentials). */
  readonly kubeconfig: string;
  readonly node: string;
  close(): Promise<void>;
}

/** Node paths the product mounts by default, mapped to the harness (the socket's directory holds `containerd.sock`). */
export async function startLabStandIn(lab: LabPaths, options: StandInOptions = {}): Promise<LabStandIn> {
  const socketDir = path.dirname(lab.socket);
  if (path.basename(lab.socket) !== 'containerd.sock') throw new Error(`the harness socket must be named containerd.sock, got ${lab.socket}`);
  const standIn = new ApiStandIn({
    extraNodes: ['lab-node'],
    hostDirs: {
      '/run/containerd': socketDir, '/var/lib/cni': lab.cniCacheDir, '/var/lib/containerd': path.join(lab.labDir, 'root'),
      // kubelet's pod log dirs, for the inventory's discovery
      '/var/log/pods': path.join(lab.labDir, 'pod-logs'),
      ...(lab.cniConfDir ? { '/etc/cni/net.d': lab.cniConfDir } : {}),
    },
    ...options,
  });
  await standIn.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-kubeconfig-'));
  const kubeconfig = path.join(dir, 'config');
  fs.writeFileSync(kubeconfig, standIn.kubeconfig([
    { name: 'lab' },
    { name: 'unreachable', server: `https://127.0.0.1:${await closedPort()}` },
    { name: 'bad-token', token: 'not-the-token' },
  ]), { mode: 0o600 });
  return {
    standIn, dir, kubeconfig, node: 'lab-node',
    close: async () => {
      await standIn.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
