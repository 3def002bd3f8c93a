import { criMethod, hexIdAfterAny, shellWord, shortReason } from '../extract';
import type { Extracted, Rule } from '../types';

/** runc (or another OCI runtime) failed to create/start a container or sandbox. */
export const ociRuntimeFailedRule: Rule = {
  id: 'oci-runtime-failed',
  category: 'oci-runtime-failed',
  severity: 'error',
  title: 'OCI runtime failed to start a container',
  literals: ['OCI runtime'],
  pattern: /OCI runtime (create|start|exec) failed: ([^\n]{1,300})/,
  keyFields: ['reason'],
  extract(match, line): Extracted | undefined {
    // The reason may quote paths ("/app"); it ends where the enclosing field or message does.
    const end = /"(?:\s{1,8}[\w.]{1,64}=|\s*$)/.exec(match[2]);
    const reasonText = (end ? match[2].slice(0, end.index) : match[2]).replace(/: unknown$/, '');
    const extracted: Extracted = { reason: shortReason(`${match[1]}: ${reasonText}`), runtime: /runc/.test(reasonText) ? 'runc' : /runsc/.test(reasonText) ? 'runsc' : undefined };
    if (extracted.runtime === undefined) {
      delete extracted.runtime;
    }
    const containerId = hexIdAfterAny(line.text, ['containerID=', 'container "', 'for container']);
    if (containerId !== undefined) {
      extracted.containerId = containerId;
    }
    const sandboxId = hexIdAfterAny(line.text, ['podSandboxID=', 'sandbox "']);
    if (sandboxId !== undefined) {
      extracted.sandboxId = sandboxId;
    }
    const method = criMethod(line.text);
    if (method !== undefined) {
      extracted.method = method;
    }
    return extracted;
  },
  explanation: [
    'The runtime handed the container to its OCI runtime (runc, crun, runsc) and that failed before the process',
    'started. The text after `OCI runtime create failed:` is the real reason: a missing executable or working',
    'directory in the image (`exec: ... no such file or directory`), an image built for another architecture',
    '(`exec format error`), a permission problem (`oom_score_adj: Permission denied`, seccomp, AppArmor), or a',
    'broken runtime state (`can\'t get final child\'s PID from pipe: EOF`).',
  ].join('\n'),
  fixCommands(f): string[] {
    const commands: string[] = [];
    if (f.containerId !== undefined) {
      commands.push(`crictl inspect ${shellWord(f.containerId)}`, `crictl logs ${shellWord(f.containerId)}`);
    }
    commands.push('runc --version', 'journalctl -u containerd -n 200 --no-pager | grep -F "OCI runtime"');
    return commands;
  },
  references: [
    { title: 'containerd/containerd#7388: OCI runtime create failed: runc create failed', url: 'https://github.com/containerd/containerd/issues/7388' },
    { title: 'containerd/containerd#9160: OCI runtime create failed: unable to create new parent process', url: 'https://github.com/containerd/containerd/issues/9160' },
  ],
};
