import * as vscode from 'vscode';
import { DEFAULT_PRUNE_KEEP, DEFAULT_PRUNE_MIN_AGE_MS, parseDuration } from '../core/repair/duration';
import type { NodeDoctorSettings } from '../core/session/nodeDoctor';

export const SECTION = 'kubeNodeDoctor';

export interface LogDiagnosisSettings {
  readonly codeLens: boolean;
  readonly documents: 'logs' | 'all';
  readonly problems: boolean;
  readonly maxDocumentBytes: number;
}

export function readLogDiagnosisSettings(): LogDiagnosisSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  return {
    codeLens: config.get<boolean>('codeLens.enabled', true),
    documents: config.get<'logs' | 'all'>('diagnose.documents', 'logs'),
    problems: config.get<boolean>('diagnose.problems', true),
    maxDocumentBytes: Math.max(1, config.get<number>('diagnose.maxDocumentSizeMB', 50)) * 1024 * 1024,
  };
}

/** Fires when any of our settings change. */
export function onSettingsChanged(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration(SECTION)) listener();
  });
}

/** The node-side settings, read at each use (see NodeDoctorSettings). */
export function readNodeSettings(): NodeDoctorSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const text = (key: string): string | undefined => {
    const value = config.get<string>(key, '').trim();
    return value === '' ? undefined : value;
  };
  const profile = config.get<string>('bridge.profile', 'least-privilege');
  return {
    localNode: config.get<string>('localNode.mode', 'auto') === 'off' ? 'off' : 'auto',
    local: {
      name: text('localNode.name'), runtimeEndpoint: text('localNode.runtimeEndpoint'), hostRoot: text('localNode.hostRoot'),
      cniCacheDir: text('localNode.cniCacheDir'), cniConfDir: text('localNode.cniConfDir'), cniBinDir: text('localNode.cniBinDir'),
    },
    kubeconfig: text('kubeconfig'),
    bridge: {
      namespace: text('bridge.namespace'), image: text('bridge.image'), profile: profile === 'host-pid' ? 'host-pid' : 'least-privilege',
      idleTimeoutMs: Math.max(1, config.get<number>('bridge.idleMinutes', 5)) * 60_000, runtimeEndpoint: text('bridge.runtimeEndpoint'),
      cniCacheDir: text('bridge.cniCacheDir'), cniConfDir: text('bridge.cniConfDir'), cniBinDir: text('bridge.cniBinDir'),
    },
    quarantineDir: text('repair.quarantineDir'),
    stopTimeoutMs: Math.min(600, Math.max(1, config.get<number>('repair.stopTimeoutSeconds', 30))) * 1000,
    prune: {
      keep: Math.max(0, Math.floor(config.get<number>('repair.pruneKeep', DEFAULT_PRUNE_KEEP))),
      minAgeMs: parseDuration(config.get<string>('repair.pruneMinAge', '1h')) ?? DEFAULT_PRUNE_MIN_AGE_MS,
    },
  };
}

export interface RepairSettings {
  readonly dryRun: boolean;
}

export function readRepairSettings(): RepairSettings {
  return { dryRun: vscode.workspace.getConfiguration(SECTION).get<boolean>('repair.dryRun', false) };
}

export function readTreePageSize(): number {
  return Math.min(5000, Math.max(20, vscode.workspace.getConfiguration(SECTION).get<number>('tree.pageSize', 200)));
}
