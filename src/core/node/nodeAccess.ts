import type { ProcessAccess } from './processes';

/**
 * Everything the inventory and the repairs need from a node. `LocalNodeAccess` implements it with plain fs calls
 * under a host-root prefix; the debug-pod bridge implements it remotely, so nothing above it changes.
 * All paths are node-absolute (as seen on the host, e.g. `/var/lib/cni/results/...`).
 */
export interface FileEntry {
  readonly name: string;
  /** Node-absolute path. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
}

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

export interface RunOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly stdin?: Buffer;
  readonly env?: Readonly<Record<string, string>>;
}

/** A gRPC address reaching the node's CRI socket (`unix:///...`), and how to release it. */
export interface CriEndpointLease {
  readonly address: string;
  close(): Promise<void>;
}

export interface NodeAccess {
  /** Human-readable, e.g. `local (/)` or `bridge pod kube-system/node-doctor-abc on node-1`. */
  readonly description: string;
  /**
   * The node's processes (last-resort repairs: a stuck sandbox's shim); absent when this access cannot see them
   * (a bridge pod outside the host-pid profile).
   */
  readonly processes?: ProcessAccess;
  /** Lists a directory; undefined when it does not exist. */
  listDir(path: string, signal?: AbortSignal): Promise<FileEntry[] | undefined>;
  stat(path: string, signal?: AbortSignal): Promise<FileEntry | undefined>;
  /**
   * Reads at most `maxBytes` of a regular file, without blocking (a FIFO or device is refused, not waited on); throws
   * `bad-input` if the file is larger or not a regular file.
   */
  readFile(path: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer>;
  /**
   * Optional bulk read of many small files in one directory (an inventory reads thousands of CNI cache files).
   * Returns one entry per name; a file that vanished or is larger than `maxBytes` maps to undefined.
   */
  readSmallFiles?(dir: string, names: readonly string[], maxBytes: number, signal?: AbortSignal): Promise<(Buffer | undefined)[]>;
  writeFile(path: string, data: Buffer, mode: number, signal?: AbortSignal): Promise<void>;
  /** Creates the directory and its parents (mode applies to the last one). */
  makeDir(path: string, mode: number, signal?: AbortSignal): Promise<void>;
  /**
   * Moves a file within the node without replacing an existing target (`precondition-changed` then): a rename (link +
   * unlink) on one filesystem; across filesystems a copy + remove, whose partial copy is removed when it fails.
   */
  moveFile(from: string, to: string, signal?: AbortSignal): Promise<void>;
  removeFile(path: string, signal?: AbortSignal): Promise<void>;
  /** Runs an argv on the node (never through a shell). */
  run(argv: readonly string[], options: RunOptions): Promise<RunResult>;
  /**
   * The path under which a node path is seen by the commands `run` starts (a plugin binary, CNI_PATH, a netns): the
   * node path itself when they run in the node's mount namespace; under the host root when they run in this process's.
   * Absent means the node path itself.
   */
  commandPath?(nodePath: string): string;
  /** Opens a path for gRPC to the runtime endpoint given as `unix:///run/containerd/containerd.sock`. */
  openCriEndpoint(endpoint: string, signal?: AbortSignal): Promise<CriEndpointLease>;
  dispose(): Promise<void>;
}
