import { objectsOf } from './eventObjects';
import type { EventObjects } from './eventObjects';
import type { ParsedLogLine } from './parse';

/**
 * The second half of parsing a line: from its message text to a structured event. What the runtime was asked to do
 * (the operation, named or implied by the wording), how it failed (the gRPC code and the cause chain that Go's
 * `: ` error wrapping produces) and the objects the line names, each by its role (a 64-hex ID after "sandbox" is a
 * sandbox ID, after "is reserved for" it is the holder of a name...). Rules classify events by these fields.
 *
 * Every pattern is anchored or bounded and every scan is linear, so a hostile line costs time proportional to its
 * length.
 */

/** What the runtime (or kubelet on its behalf) was doing. */
export type OperationKind =
  | 'list-sandboxes' | 'list-containers' | 'list-images' | 'stats' | 'runtime-status'
  | 'sandbox-status' | 'container-status'
  | 'sandbox-setup' | 'sandbox-stop' | 'sandbox-remove'
  | 'container-create' | 'container-start' | 'container-stop' | 'container-remove'
  | 'container-update' | 'exec' | 'image-pull' | 'image-status';

export interface Operation {
  readonly kind: OperationKind;
  /** The CRI method, when the operation maps to one. */
  readonly method?: string;
  /** The words of the line that named or implied it. */
  readonly phrase: string;
}

export interface LogEvent {
  readonly line: ParsedLogLine;
  /** The normalised message text. */
  readonly text: string;
  readonly operation?: Operation;
  /** The gRPC code, stated (`code = DeadlineExceeded`) or implied by the cause (`context deadline exceeded`). */
  readonly code?: string;
  /** The error chain, outermost first, split on `: ` (and `desc = `); empty when the line carries no error. */
  readonly causes: readonly string[];
  readonly objects: EventObjects;
  /** The runtime that wrote or answered the line (`containerd`, `cri-o`, `docker`, `cri-dockerd`), when the line says. */
  readonly runtime?: string;
  /** A runtime version the line announces (`Container runtime initialized … version="v2.0.3"`). */
  readonly runtimeVersion?: { readonly name: string; readonly version: string };
}

interface OperationPhrase {
  readonly source: string;
  readonly kind: OperationKind;
  readonly method?: string;
  /** Weak phrases (`error killing pod`) only count when no other operation is named. */
  readonly weak?: boolean;
}

/** Operation words, named (`StopPodSandbox`) or implied (`failed to destroy network for sandbox`). */
const OPERATION_PHRASES: readonly OperationPhrase[] = [
  { source: 'ListPodSandbox(?!Stats|Metrics)', kind: 'list-sandboxes', method: 'ListPodSandbox' },
  { source: '[Ff]ailed to list pod sandboxes|listing pod sandboxes|[Ff]ailed to list sandbox|GenericPLEG: Unable to retrieve pods|[Ff]ailed to get pod sandboxes|[Uu]nable to retrieve pods', kind: 'list-sandboxes', method: 'ListPodSandbox' },
  { source: 'ListContainers(?!Stats)|ContainerGCFailed|[Cc]ontainer garbage collection failed|listing containers|[Ff]ailed to list (?:all )?containers|[Ff]ailed to get container list|getKubeletContainers|[Ff]ailed to rotate log', kind: 'list-containers', method: 'ListContainers' },
  { source: 'ListPodSandboxStats|ListPodSandboxMetrics|ListContainerStats|PodSandboxStats|ContainerStats|ListMetricDescriptors', kind: 'stats' },
  { source: 'ImageFsInfo|imageFs stats|[Ii]mage[Ff]s ?[Ii]nfo', kind: 'stats', method: 'ImageFsInfo' },
  { source: 'Image garbage collection failed', kind: 'stats' },
  { source: '"?Status from runtime service failed|[Cc]ontainer runtime status check|RuntimeStatus|[Vv]ersion from runtime service failed|getting the runtime version|getting status of runtime|[Ff]ailed to get runtime status|[Cc]ontainer runtime not ready|validate service connection', kind: 'runtime-status', method: 'Status' },
  { source: 'ImageStatus', kind: 'image-status', method: 'ImageStatus' },
  { source: 'ListImages|[Ff]ailed to update image list|[Ff]ailed to (?:get|list) images', kind: 'list-images', method: 'ListImages' },
  { source: '[Ee]rror determining status|[Ff]ailed cleaning pods', kind: 'sandbox-status' },
  { source: 'PodSandboxStatus', kind: 'sandbox-status', method: 'PodSandboxStatus' },
  { source: 'ContainerStatus(?=[ "\':])|[Ff]ailed to get container status', kind: 'container-status', method: 'ContainerStatus' },
  { source: 'RunPodSandbox|CreatePodSandbox|FailedCreatePodSandBox|[Ff]ailed to create (?:pod )?sandbox|[Ee]rror adding (?:pod )?\\S{1,300} to (?:cni )?network|failed to setup network for sandbox|failed to set up sandbox container|failed to set up pod|SetUpPod|failed to reserve sandbox name|error reserving pod name|failed to start sandbox|SetupNetwork|[Ff]ailed to setup network for pod|[Rr]un pod sandbox|[Ee]rror adding network|[Ee]rror while adding to cni network|failed to get network status for pod sandbox|[Uu]nable to create pod sandbox', kind: 'sandbox-setup', method: 'RunPodSandbox' },
  { source: 'StopPodSandbox|KillPodSandbox|[Ff]ailed to stop sandbox|failed to destroy network for sandbox|failed to teardown pod|[Ee]rror deleting (?:pod )?\\S{1,300} from (?:cni )?network|TearDownPod|[Ff]ailed to kill sandbox|failed to stop sandbox container|[Ss]topping (?:the )?pod sandbox|[Ss]top pod sandbox|failed to destroy network for (?:pod sandbox|container)|[Ee]rror deleting network', kind: 'sandbox-stop', method: 'StopPodSandbox' },
  { source: 'RemovePodSandbox|[Ff]ailed to remove (?:pod )?sandbox|failed to forcibly stop sandbox|[Ff]ailed to delete sandbox|cleaning up failed sandbox|failed to cleanup sandbox|[Rr]emoving (?:the )?pod sandbox', kind: 'sandbox-remove', method: 'RemovePodSandbox' },
  { source: 'CreateContainer(?!Error)|CreateContainerError|failed to create containerd container|failed to reserve container name|error reserving ctr name|[Ff]ailed to create container', kind: 'container-create', method: 'CreateContainer' },
  { source: 'StartContainer|RunContainerError|failed to start containerd task|[Ff]ailed to start container', kind: 'container-start', method: 'StartContainer' },
  { source: 'StopContainer|KillContainer|termination failed with gracePeriod|[Ff]ailed to kill container|[Ff]ailed to stop container|[Ee]rror killing container|failed to kill|wait container "?[0-9a-f]{12,64}"? is cancelled|[Kk]illContainer|termination failed after|waiting for container [^\\n]{1,120} to be killed|[Kk]ill container|[Ss]topping container|[Ss]top container', kind: 'container-stop', method: 'StopContainer' },
  { source: 'RemoveContainer|[Ff]ailed to remove container|[Ee]rror removing container|DeleteContainer', kind: 'container-remove', method: 'RemoveContainer' },
  { source: 'UpdateContainerResources|\\[cpumanager\\] AddContainer error|[Ff]ailed to update container resources', kind: 'container-update', method: 'UpdateContainerResources' },
  { source: 'ExecSync|Probe errored|[Ff]ailed to exec in container', kind: 'exec', method: 'ExecSync' },
  { source: 'PullImage|[Ff]ailed to pull image|ErrImagePull', kind: 'image-pull', method: 'PullImage' },
  { source: 'FailedKillPod|[Ee]rror killing pod|KillPod(?!Sandbox)|[Ff]ailed to kill pod', kind: 'sandbox-stop', method: 'StopPodSandbox', weak: true },
];

const OPERATION_RE = new RegExp(OPERATION_PHRASES.map((p) => `(${p.source})`).join('|'), 'g');

/** kubelet's `failed to "StartContainer" for "x" with ErrImagePull: …`: the error kind names the call that failed. */
const WITH_ERROR = /\bwith (ErrImagePull|ImagePullBackOff|RunContainerError|CreateContainerError|KillPodSandboxError|CreatePodSandboxError|KillContainerError)\b/;
const WITH_ERROR_OPERATION: Readonly<Record<string, Operation>> = {
  ErrImagePull: { kind: 'image-pull', method: 'PullImage', phrase: 'ErrImagePull' },
  ImagePullBackOff: { kind: 'image-pull', method: 'PullImage', phrase: 'ImagePullBackOff' },
  RunContainerError: { kind: 'container-start', method: 'StartContainer', phrase: 'RunContainerError' },
  CreateContainerError: { kind: 'container-create', method: 'CreateContainer', phrase: 'CreateContainerError' },
  KillPodSandboxError: { kind: 'sandbox-stop', method: 'StopPodSandbox', phrase: 'KillPodSandboxError' },
  CreatePodSandboxError: { kind: 'sandbox-setup', method: 'RunPodSandbox', phrase: 'CreatePodSandboxError' },
  KillContainerError: { kind: 'container-stop', method: 'StopContainer', phrase: 'KillContainerError' },
};

export function operationOf(text: string): Operation | undefined {
  if (text.includes('with ')) {
    const named = WITH_ERROR.exec(text);
    if (named !== null) {
      return WITH_ERROR_OPERATION[named[1]];
    }
  }
  OPERATION_RE.lastIndex = 0;
  let weak: Operation | undefined;
  let count = 0;
  for (let m = OPERATION_RE.exec(text); m !== null && count < 64; m = OPERATION_RE.exec(text), count += 1) {
    let group = 1;
    while (group < m.length && m[group] === undefined) {
      group += 1;
    }
    const phrase = OPERATION_PHRASES[group - 1];
    if (phrase === undefined) {
      break;
    }
    const operation: Operation = phrase.method !== undefined ? { kind: phrase.kind, method: phrase.method, phrase: m[0] } : { kind: phrase.kind, phrase: m[0] };
    if (!phrase.weak) {
      return operation;
    }
    weak ??= operation;
  }
  return weak;
}

/** The methods a line names in so many words, to report `ListContainerStats` rather than a generic `stats`. */
const EXACT_METHODS = /\b(ListPodSandboxStats|ListPodSandboxMetrics|ListContainerStats|ListMetricDescriptors|PodSandboxStats|ContainerStats|ImageFsInfo|KillPodSandbox|KillContainer)\b/;

const GRPC_CODES = new Set([
  'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable',
  'DataLoss', 'Unauthenticated',
]);
const CODE_RE = /\bcode ?[=:] ?"?([A-Z][A-Za-z]{3,30}|\d{1,2})\b/;
const NUMERIC_CODES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

/** A gRPC code from its name, its number (old CRI-O prints `code = 2`), or a name glued to the next word (`Unavailabledesc`). */
function grpcCode(word: string): string | undefined {
  if (/^\d/.test(word)) {
    const name = NUMERIC_CODES[Number(word)];
    return name !== undefined && name !== 'OK' ? name : undefined;
  }
  if (GRPC_CODES.has(word)) {
    return word;
  }
  for (const code of GRPC_CODES) {
    if (word.startsWith(code) && /^desc/.test(word.slice(code.length))) {
      return code;
    }
  }
  return undefined;
}

/** Where an error chain starts: the value of `err=`/`error=`, `rpc error:`, `Error: `, or `… failed: `. */
const ERROR_START = /\b(?:err|error)="|\brpc error: |\b[Ee]rror: |\bfailed: |\bfailed (?=\(|with\b)| failed, |: (?=(?:[Ff]ailed|[Ee]rror|rpc error|[Uu]nable|[Cc]annot|[Cc]ould not|[Nn]o such)\b)/;
/** The end of a quoted `err="…"` value inside a structured line: a quote followed by the next ` key=` or the end. */
const VALUE_END = /"(?= [A-Za-z][\w.]{0,40}=|\s*$)/;
const SEGMENT_SPLIT = /: | desc = |; /;
const MAX_CAUSES = 24;

/** Splits an error chain on Go's `: ` wrapping, dropping the `rpc error` / `code = X` framing. Outermost first. */
export function causeChain(text: string): string[] {
  const start = ERROR_START.exec(text);
  if (start === null) {
    return [];
  }
  let body = text.slice(start.index + start[0].length);
  if (start[0].endsWith('"')) {
    const end = VALUE_END.exec(body);
    if (end !== null) {
      body = body.slice(0, end.index);
    }
  } else {
    // A structured line's trailing fields (`podSandboxID="…"`) are not part of the chain.
    const fields = / [A-Za-z][\w.]{0,40}="/.exec(body);
    if (fields !== null && body.charCodeAt(fields.index - 1) === 0x22) {
      body = body.slice(0, fields.index - 1);
    }
  }
  const head = text.slice(Math.max(0, start.index - 200), start.index).replace(/^.*(?:\] |")/, '');
  const causes: string[] = [];
  if (head.length > 0) {
    causes.push(head);
  }
  const parts = body.split(SEGMENT_SPLIT, MAX_CAUSES);
  for (const whole of parts) {
    const raw = whole.length > 640 ? whole.slice(0, 640) : whole;
    const part = raw.trim().replace(/^[\s"'[(]{1,4}|[\s"'\])]{1,4}$/g, '');
    if (part.length === 0 || part === 'rpc error' || /^code ?[=:] ?\w{1,20}$/.test(part)) {
      continue;
    }
    causes.push(part.length > 600 ? part.slice(0, 600) : part);
  }
  return causes;
}

// ---- objects by role ----

function runtimeFrom(text: string, source: string | undefined, socket: string | undefined): string | undefined {
  const s = source?.toLowerCase();
  if (s !== undefined) {
    if (s.startsWith('containerd')) return 'containerd';
    if (s === 'crio' || s === 'cri-o') return 'cri-o';
    if (s === 'dockerd' || s === 'docker') return 'docker';
    if (s.startsWith('cri-dockerd')) return 'cri-dockerd';
  }
  const probe = socket ?? text;
  if (/containerd\.sock|cri-containerd|containerd:\/\//.test(probe)) return 'containerd';
  if (/crio\.sock|cri-o:\/\//.test(probe)) return 'cri-o';
  if (/cri-dockerd\.sock/.test(probe)) return 'cri-dockerd';
  if (/dockershim\.sock|docker\.sock|docker:\/\//.test(probe)) return 'docker';
  return undefined;
}

const RUNTIME_VERSION = /Container runtime initialized"? containerRuntime="?(\w[\w-]{0,31})"? version="?v?(\d{1,4}\.\d{1,4}(?:\.\d{1,6})?)|starting containerd"? revision=\S{1,80} version="?v?(\d{1,4}\.\d{1,4}(?:\.\d{1,6})?)|Starting CRI-O, version: v?(\d{1,4}\.\d{1,4}(?:\.\d{1,6})?)|containerd(?: github\.com\/containerd\/containerd(?:\/v2)?)? v?(\d\.\d{1,3}\.\d{1,4})\b/;

/** Literals of the lines that announce the runtime version. */
export const VERSION_LITERALS: readonly string[] = ['Container runtime initialized', 'starting containerd', 'Starting CRI-O'];

function runtimeVersionOf(text: string): { name: string; version: string } | undefined {
  const m = RUNTIME_VERSION.exec(text);
  if (m === null) {
    return undefined;
  }
  if (m[1] !== undefined) {
    const name = m[1] === 'cri-o' || m[1] === 'crio' ? 'cri-o' : m[1];
    return { name, version: m[2] };
  }
  if (m[3] !== undefined) return { name: 'containerd', version: m[3] };
  if (m[4] !== undefined) return { name: 'cri-o', version: m[4] };
  return { name: 'containerd', version: m[5] };
}

/**
 * How much of a message is analysed: failures state their operation, code, causes and objects well within it, and the
 * cost per line stays bounded (a 64 KiB line of noise costs what 16 KiB do).
 */
export const MAX_EVENT_CHARS = 16 * 1024;

/** Builds the event of a parsed line (its first `MAX_EVENT_CHARS` characters). */
export function eventOf(line: ParsedLogLine): LogEvent {
  const text = line.text.length > MAX_EVENT_CHARS ? line.text.slice(0, MAX_EVENT_CHARS) : line.text;
  let operation = operationOf(text);
  const exact = operation !== undefined ? EXACT_METHODS.exec(text) : null;
  if (operation !== undefined && exact !== null) {
    const method = exact[1] === 'KillPodSandbox' ? 'StopPodSandbox' : exact[1] === 'KillContainer' ? 'StopContainer' : exact[1];
    if (operation.kind === 'stats' || method === operation.method) {
      operation = { ...operation, method };
    }
  }
  const causes = causeChain(text);
  const stated = CODE_RE.exec(text);
  let code = stated !== null ? grpcCode(stated[1]) : undefined;
  if (code === undefined && causes.length > 0) {
    const deepest = causes[causes.length - 1];
    if (/context deadline exceeded|DeadlineExceeded|operation timeout/.test(deepest)) code = 'DeadlineExceeded';
    else if (/context canceled/.test(deepest)) code = 'Canceled';
  }
  const objects = objectsOf(text, operation);
  const runtime = runtimeFrom(text, line.source, objects.socket);
  const event: { -readonly [K in keyof LogEvent]: LogEvent[K] } = { line, text, causes, objects };
  if (operation !== undefined) event.operation = operation;
  if (code !== undefined) event.code = code;
  if (runtime !== undefined) event.runtime = runtime;
  if (text.includes('version')) {
    const version = runtimeVersionOf(text);
    if (version !== undefined) event.runtimeVersion = version;
  }
  return event;
}

/** Replaces IDs, numbers and paths so that the same failure on different objects groups together. */
export function shortReason(text: string, max = 120): string {
  const clipped = text.slice(0, max * 3);
  const reason = clipped
    .replace(/[0-9a-f]{12,64}/g, '<id>')
    .replace(/\b\d+\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
  return reason.length > max ? `${reason.slice(0, max - 1)}…` : reason;
}
