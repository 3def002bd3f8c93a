import { hexIdAfterAny, shellWord, uuidAfter } from '../extract';
import type { Extracted, Rule } from '../types';

/** Stopping or killing a sandbox timed out, or the runtime lost the sandbox's shim. */
export const sandboxStopTimeoutRule: Rule = {
  id: 'sandbox-stop-timeout',
  category: 'sandbox-stop-timeout',
  severity: 'error',
  title: 'Sandbox stop timed out',
  literals: ['SANDBOX_READY', 'DeadlineExceeded', 'ttrpc: closed'],
  pattern: /failed to stop sandbox container(?: "[0-9a-f]{64}")? in "?SANDBOX_READY"? state: context deadline exceeded|code = DeadlineExceeded|context deadline exceeded|ttrpc: closed/,
  keyFields: ['sandboxId', 'podUid'],
  extract(match, line): Extracted | undefined {
    // A deadline or a lost shim only counts in a sandbox stop/kill/remove, named within 500 characters before it.
    if (!line.text.includes('failed to stop sandbox container')) {
      const before = line.text.slice(Math.max(0, match.index - 500), match.index);
      if (!/StopPodSandbox|KillPodSandbox|RemovePodSandbox|Failed to remove sandbox/.test(before)) {
        return undefined;
      }
    }
    const extracted: Extracted = { method: line.text.includes('RemovePodSandbox') || line.text.includes('Failed to remove sandbox') ? 'RemovePodSandbox' : 'StopPodSandbox' };
    const sandboxId = hexIdAfterAny(line.text, ['sandbox container', 'StopPodSandbox', 'RemovePodSandbox', 'remove sandbox', 'sandbox', 'podSandboxID=']);
    if (sandboxId !== undefined) {
      extracted.sandboxId = sandboxId;
    }
    const podUid = uuidAfter(line.text, 'KillPodSandbox" for');
    if (podUid !== undefined) {
      extracted.podUid = podUid;
    }
    if (line.text.includes('ttrpc: closed')) {
      extracted.reason = 'shim connection lost (ttrpc: closed)';
    } else {
      extracted.reason = 'context deadline exceeded';
    }
    return extracted;
  },
  explanation: [
    'kubelet asked the runtime to stop (or kill) a pod sandbox and the call did not finish in time, or the runtime lost',
    'its connection to the sandbox\'s shim (`ttrpc: closed`). Common causes: the pause process or a sandboxed runtime',
    '(gVisor `runsc`, Kata) does not exit on SIGTERM/SIGKILL, a hung network teardown, a shim that crashed, or I/O',
    'stalls on the node. The pod stays `Terminating` and kubelet retries with `FailedKillPod` events.',
    '',
    'Inspect the sandbox and its shim, then stop and force-remove it by hand. If the stop keeps timing out, look at',
    'the runtime\'s log for the sandbox ID: the step that hangs is usually named there. When the sandbox stays',
    '`SANDBOX_READY` through every stop (seen with gVisor and with a runtime that loses `kill`), `crictl rmp --force`',
    'hangs the same way: the way out is to kill the sandbox\'s shim (the process whose arguments hold `-id <sandbox-id>`),',
    'then stop and remove the sandbox; "Repair on node…" plans exactly that (Force-stop stuck sandbox).',
  ].join('\n'),
  fixCommands(f): string[] {
    const id = shellWord(f.sandboxId ?? '<sandbox-id>');
    return [`crictl inspectp ${id}`, `crictl stopp ${id}`, `crictl rmp --force ${id}`, `journalctl -u containerd --no-pager | grep -F ${id} | tail -n 50`, `pgrep -a -f -- ${shellWord(`-id ${f.sandboxId ?? '<sandbox-id>'}`)}`];
  },
  repair: 'force-stop-stuck-sandbox',
  references: [
    { title: 'containerd/containerd#7988: Sandbox containers not deleted leaving pods in NotReady state', url: 'https://github.com/containerd/containerd/issues/7988' },
    { title: 'kata-containers/tests#2705: Failed to remove sandbox ... ttrpc: closed', url: 'https://github.com/kata-containers/tests/issues/2705' },
    { title: 'kubernetes/kubernetes#107730: Some pod sandboxes were not cleaned up until next kubelet restart', url: 'https://github.com/kubernetes/kubernetes/issues/107730' },
  ],
  versionNotes: [
    { component: 'containerd + gVisor', versions: 'containerd 2.0 release candidates', note: 'Reports of sandboxes stuck in SANDBOX_READY with runsc recommend containerd >= 2.1 with gVisor >= 20231016.0.' },
  ],
};
