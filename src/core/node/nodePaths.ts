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
