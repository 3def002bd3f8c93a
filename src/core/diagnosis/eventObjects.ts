import type { Operation } from './event';

/** The objects a line names, by role. Only what the line states; IDs are complete (64 hex) or absent. */
export interface EventObjects {
  sandboxId?: string;
  containerId?: string;
  podUid?: string;
  podNamespace?: string;
  podName?: string;
  /** The sandbox or container that holds a reserved name. */
  holderId?: string;
  /** CRI-O's ID of the new object that could not reserve its name (`error reserving pod name … for id …`). */
  newId?: string;
  /** A reserved sandbox/container name. */
  name?: string;
  /** Whether the reserved name is a sandbox's or a container's. */
  nameKind?: 'sandbox' | 'container';
  /** The CNI network name (`network "cbr0"`, dockershim's `from network multus/multus-cni-network` → `multus-cni-network`). */
  network?: string;
  /** The CNI plugin type (`plugin type="calico"`, the `multus` of `multus/multus-cni-network`). */
  pluginType?: string;
  /** The runtime handler (`runsc`, `kata`, `nvidia`). */
  handler?: string;
  /** Message size and limit from `(N vs. M)`. */
  size?: number;
  limit?: number;
  /** A runtime socket path (`/run/containerd/containerd.sock`). */
  socket?: string;
}

const HEX64_G = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g;
/** The tail of a UUID: a literal `-` to anchor on (a leading character class with a look-behind is slow on long lines). */
const UUID_TAIL_G = /-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const UID_IN_NAME = /_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})_\d{1,6}\b/;
const POD_REF = /pod="([a-z0-9][a-z0-9.-]{0,252})\/([A-Za-z0-9][A-Za-z0-9.-]{0,252})"/;
const POD_PAREN = /\bpod "?([a-z0-9][a-z0-9.-]{0,252})_([a-z0-9][a-z0-9.-]{0,62})\(([0-9a-f-]{36})\)/;
const NETWORK_QUOTED = /\b(?:network|cached network|CNI network) "([^"\s]{1,253})"/;
const NETWORK_DOCKERSHIM = /(?:from|to) (?:cni )?network ([\w.-]{1,253})\/([\w.-]{1,253})/;
const PLUGIN_TYPE = /plugin type="([\w.-]{1,64})"(?: name="([^"\s]{1,253})")?/;
const HANDLER = /\b(?:runtime handler|RuntimeHandler:|runtimeHandler=|no runtime for) ?"?([\w.-]{1,64})"?/;
const SIZES = /\((\d{1,12}) vs\.? (\d{1,12})\)/;
const SOCKET = /\b(?:dial unix|unix:\/\/|connect to|endpoint) ?"?(\/[\w./@-]{1,200}\.sock)\b/;
const RESERVED_SANDBOX_OR_CONTAINER = /\b(?:failed to reserve (sandbox|container) name|error reserving (pod|ctr) name) "?([^"\s]{1,512}?)"?(?=[: ]|$)/;
const DOCKER_CONFLICT = /Conflict\. The (?:container )?name "?\/?([^"\s]{1,512}?)"? is already in use by (?:container|sandbox) "?([0-9a-f]{64})|name "([^"\s]{1,512})" already reserved for (?:ctr|pod) "?([0-9a-f]{64})?|with name "([^"\s]{1,512})" already exists/;

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);

/** The first UUID (lower-case, not part of a longer hex/dash run). */
function firstUuid(text: string): string | undefined {
  UUID_TAIL_G.lastIndex = 0;
  for (let m = UUID_TAIL_G.exec(text), n = 0; m !== null && n < 64; m = UUID_TAIL_G.exec(text), n += 1) {
    const start = m.index - 8;
    const end = m.index + m[0].length;
    if (start < 0) continue;
    let ok = true;
    for (let i = start; i < m.index && ok; i += 1) ok = isHex(text.charCodeAt(i));
    const before = text.charCodeAt(start - 1);
    const after = text.charCodeAt(end);
    if (ok && !(isHex(before) || before === 0x2d) && !(isHex(after) || after === 0x2d)) {
      return text.slice(start, end);
    }
  }
  return undefined;
}

/** The role of a 64-hex ID from the words just before it. */
function roleBefore(context: string): 'sandbox' | 'container' | 'holder' | 'new' | undefined {
  if (/(?:is|already) reserved for (?:ctr |pod )?"?$|already in use by (?:container|sandbox) "?$/.test(context)) {
    return 'holder';
  }
  if (/ for id "?$/.test(context)) {
    return 'new';
  }
  const lower = context.toLowerCase();
  const sandboxAt = Math.max(lower.lastIndexOf('sandbox'), lower.lastIndexOf('podsandboxid'), lower.lastIndexOf('rmp '), lower.lastIndexOf('stopp '), lower.lastIndexOf('pod_sandbox'));
  let containerAt = Math.max(lower.lastIndexOf('container'), lower.lastIndexOf('ctr '), lower.lastIndexOf('containerid'), lower.lastIndexOf('task '), lower.lastIndexOf('docker://'), lower.lastIndexOf('containerd://'), lower.lastIndexOf('cri-o://'), lower.lastIndexOf('exec '));
  if (containerAt >= 0 && lower.startsWith('sandbox ', containerAt - 8)) {
    containerAt = -1; // "sandbox container" is the sandbox
  }
  if (sandboxAt < 0 && containerAt < 0) {
    return undefined;
  }
  return sandboxAt > containerAt ? 'sandbox' : 'container';
}

/** The objects a line names (IDs with their roles, pod, network, plugin, handler, sizes, socket); only what it states. */
export function objectsOf(text: string, operation: Operation | undefined): EventObjects {
  const objects: EventObjects = {};
  HEX64_G.lastIndex = 0;
  let previousEnd = 0;
  let unknown: string | undefined;
  let found = 0;
  for (let m = HEX64_G.exec(text); m !== null && found < 32; m = HEX64_G.exec(text), found += 1) {
    let from = Math.max(previousEnd, m.index - 48);
    if (text.charCodeAt(m.index - 1) === 0x28 /* ( */) {
      // CRI-O's `name(id)`: the words before the name tell the role.
      const nameStart = text.lastIndexOf(' ', m.index - 1);
      from = Math.max(previousEnd, (nameStart < 0 ? 0 : nameStart) - 48);
    }
    const role = roleBefore(text.slice(from, m.index));
    previousEnd = m.index + 64;
    if (role === 'holder') {
      objects.holderId ??= m[0];
    } else if (role === 'new') {
      objects.newId ??= m[0];
    } else if (role === 'sandbox') {
      objects.sandboxId ??= m[0];
    } else if (role === 'container') {
      objects.containerId ??= m[0];
    } else {
      unknown ??= m[0];
    }
  }
  if (unknown !== undefined && operation !== undefined) {
    // An ID the words do not place belongs to the object of the operation (`StopPodSandbox "<id>"` is placed anyway).
    if (operation.kind.startsWith('sandbox-') && objects.sandboxId === undefined) {
      objects.sandboxId = unknown;
    } else if ((operation.kind.startsWith('container-') || operation.kind === 'exec') && objects.containerId === undefined) {
      objects.containerId = unknown;
    }
  }
  const pod = POD_REF.exec(text);
  if (pod) {
    objects.podNamespace = pod[1];
    objects.podName = pod[2];
  }
  const paren = POD_PAREN.exec(text);
  if (paren) {
    objects.podName ??= paren[1];
    objects.podNamespace ??= paren[2];
    objects.podUid = paren[3];
  }
  objects.podUid ??= firstUuid(text);
  const reserved = RESERVED_SANDBOX_OR_CONTAINER.exec(text);
  if (reserved) {
    const kind = reserved[1] ?? (reserved[2] === 'pod' ? 'sandbox' : 'container');
    objects.nameKind = kind === 'sandbox' ? 'sandbox' : 'container';
    objects.name = reserved[3];
  } else {
    const conflict = DOCKER_CONFLICT.exec(text);
    if (conflict) {
      const name = conflict[1] ?? conflict[3] ?? conflict[5];
      objects.name = name;
      objects.nameKind = conflict[3] !== undefined ? (/reserved for pod/.test(conflict[0]) ? 'sandbox' : 'container') : name.startsWith('k8s_POD_') || conflict[5] !== undefined ? 'sandbox' : 'container';
      const holder = conflict[2] ?? conflict[4];
      if (holder !== undefined) objects.holderId ??= holder;
    }
  }
  if (objects.name !== undefined && objects.podUid === undefined) {
    const uid = UID_IN_NAME.exec(objects.name);
    if (uid) {
      objects.podUid = uid[1];
    }
  }
  const dockershim = NETWORK_DOCKERSHIM.exec(text);
  const plugin = PLUGIN_TYPE.exec(text);
  if (dockershim) {
    objects.pluginType = dockershim[1];
    objects.network = dockershim[2];
  } else if (plugin && plugin[2] !== undefined) {
    objects.network = plugin[2];
  } else {
    const network = NETWORK_QUOTED.exec(text);
    if (network) {
      objects.network = network[1];
    }
  }
  if (plugin) {
    objects.pluginType ??= plugin[1];
  } else if (text.includes('Multus')) {
    objects.pluginType ??= 'multus';
  }
  const handler = HANDLER.exec(text);
  if (handler) {
    objects.handler = handler[1];
  }
  const sizes = SIZES.exec(text);
  if (sizes) {
    objects.size = Number(sizes[1]);
    objects.limit = Number(sizes[2]);
  }
  const socket = SOCKET.exec(text);
  if (socket) {
    objects.socket = socket[1];
  }
  return objects;
}
