// Where a node keeps what the tool reads and repairs, as containerd, libcni and the kubelet default them. Every
// default of the CLI, the extension's settings fallbacks, the bridge's mounts and the inventory comes from here.

export const DEFAULT_RUNTIME_ENDPOINT = 'unix:///run/containerd/containerd.sock';
/** libcni's cache dir; the result files are in `<dir>/results`. */
export const DEFAULT_CNI_CACHE_DIR = '/var/lib/cni';
export const DEFAULT_CNI_CONF_DIR = '/etc/cni/net.d';
export const DEFAULT_CNI_BIN_DIR = '/opt/cni/bin';
/** The tool's own directory on the node (the bridge mounts it read-write). */
export const DEFAULT_STATE_DIR = '/var/lib/kube-node-doctor';
/** Where repairs copy every file before removing it. */
export const DEFAULT_QUARANTINE_DIR = `${DEFAULT_STATE_DIR}/quarantine`;
/** containerd's `root` (persistent state; the CRI plugin keeps one directory per sandbox and container under it). */
export const DEFAULT_CONTAINERD_ROOT = '/var/lib/containerd';
/** containerd's `state` (volatile, on tmpfs). */
export const DEFAULT_CONTAINERD_STATE = '/run/containerd';
/** CRI-O's containers/storage root (`overlay-containers/<id>` per container, infra containers included). */
export const DEFAULT_CRIO_STORAGE = '/var/lib/containers/storage';
/** kubelet's pod log directories (`<namespace>_<name>_<uid>`). */
export const DEFAULT_POD_LOG_DIR = '/var/log/pods';
