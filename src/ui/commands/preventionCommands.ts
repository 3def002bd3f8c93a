import * as vscode from 'vscode';
import { generatePrevention } from '../../core/prevention/prevention';
import type { MonitoringStack, NodeOs, PreventionOptions } from '../../core/prevention/prevention';
import type { ErrorReporter } from '../errors';

interface PreventionArgs {
  readonly monitoring?: MonitoringStack;
  readonly os?: NodeOs;
  readonly containerdVersion?: string;
}

async function pick(args: PreventionArgs): Promise<PreventionOptions | undefined> {
  const monitoring = args.monitoring ?? (await vscode.window.showQuickPick(
    [{ label: 'Prometheus', value: 'prometheus' as const }, { label: 'VictoriaMetrics', value: 'victoriametrics' as const, description: 'vmagent + VMRule' }],
    { title: 'Prevention rules: which monitoring stack scrapes containerd?', placeHolder: 'Monitoring stack' }))?.value;
  if (!monitoring) return undefined;
  const os = args.os ?? (await vscode.window.showQuickPick(
    [{ label: 'Talos Linux', value: 'talos' as const, description: 'machine-config patch' }, { label: 'Other Linux', value: 'generic' as const, description: '/etc/containerd/config.toml' }],
    { title: 'Prevention rules: how is containerd configured on the nodes?', placeHolder: 'Node OS' }))?.value;
  if (!os) return undefined;
  return { monitoring, os, containerdVersion: args.containerdVersion };
}

/** Opens, as untitled documents the user reviews and saves, the containerd metrics config and the alert rules. */
export async function showPreventionFiles(options: PreventionOptions): Promise<vscode.TextDocument[]> {
  const documents: vscode.TextDocument[] = [];
  for (const file of generatePrevention(options)) {
    const header = file.language === 'yaml' || file.language === 'toml' ? `# ${file.name}: ${file.description}\n` : '';
    const document = await vscode.workspace.openTextDocument({ language: file.language === 'toml' ? 'toml' : 'yaml', content: header + file.content });
    await vscode.window.showTextDocument(document, { preview: false, preserveFocus: documents.length > 0 });
    documents.push(document);
  }
  return documents;
}

/** Node Doctor: Generate Prevention Rules… (seed 001: containerd metrics + alerts on sandbox failures). */
export function registerPreventionCommands(errors: ErrorReporter): vscode.Disposable {
  return vscode.commands.registerCommand('kubeNodeDoctor.generatePrevention', errors.command('Generate Prevention Rules', async (args?: PreventionArgs) => {
    const options = await pick(args ?? {});
    if (options) await showPreventionFiles(options);
  }));
}
