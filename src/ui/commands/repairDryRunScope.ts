// Where "Turn Off Dry Run" / "Turn On Dry Run" write kubeNodeDoctor.repair.dryRun: at the scope whose value is in
// effect, so the user's choice takes effect without overriding a setting somewhere else. No vscode import (unit-tested).

/** The setting's values per scope, as `WorkspaceConfiguration.inspect` gives them (the extension reads it without a resource). */
export interface DryRunValues {
  readonly defaultValue?: boolean;
  readonly globalValue?: boolean;
  readonly workspaceValue?: boolean;
}

export type DryRunScope = 'global' | 'workspace';

export interface DryRunWrite {
  readonly scope: DryRunScope;
  /** `undefined` removes the entry (the value below it, down to the default, is already the wanted one). */
  readonly value: boolean | undefined;
}

/** The value in effect: workspace over user over default. */
export function effectiveDryRun(values: DryRunValues): boolean {
  return values.workspaceValue ?? values.globalValue ?? values.defaultValue ?? false;
}

/** The scope whose value is in effect, if any (undefined: the default). */
export function dryRunSetAt(values: DryRunValues): DryRunScope | undefined {
  if (values.workspaceValue !== undefined) return 'workspace';
  if (values.globalValue !== undefined) return 'global';
  return undefined;
}

/**
 * The one write that makes the effective value `want`: none when it already is; at the scope in effect otherwise —
 * removing the entry when the scopes below it already give `want`, else writing `want` — and in the user settings
 * when only the default is in effect.
 */
export function dryRunWrite(values: DryRunValues, want: boolean): DryRunWrite | undefined {
  if (effectiveDryRun(values) === want) return undefined;
  const scope = dryRunSetAt(values) ?? 'global';
  const below = scope === 'workspace' ? (values.globalValue ?? values.defaultValue ?? false) : (values.defaultValue ?? false);
  return { scope, value: below === want && dryRunSetAt(values) !== undefined ? undefined : want };
}

/** How a scope is named to the user. */
export function scopeName(scope: DryRunScope): string {
  return scope === 'workspace' ? 'the workspace settings' : 'your user settings';
}
