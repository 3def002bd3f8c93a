// What the activation shell needs to defer work until first use: a part (a second bundle next to dist/extension.js)
// required and started once, and stand-ins for the commands, providers and the view that load the part when VS Code
// first calls them. Nothing here imports the parts themselves (only their types), so they stay out of the first bundle.
import * as path from 'node:path';
import * as vscode from 'vscode';

/**
 * A bundle in dist/ (e.g. `logs.js`), required and started on first `get()`. Its commands are placeholders until then
 * (`commands`): the first call of one starts the part, which registers the real handlers under the same ids, and runs
 * the command again with its arguments. Whatever starts the part (a command, a provider, the view) removes the
 * placeholders first, so the part's own registrations never collide with them.
 */
export class LazyPart<T> {
  private value: T | undefined;
  private placeholders: vscode.Disposable | undefined;

  constructor(
    private readonly file: string,
    private readonly start: (module: unknown) => T,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get loaded(): T | undefined {
    return this.value;
  }

  /** Placeholder registrations for the commands the part registers itself once started. */
  commands(ids: readonly string[]): vscode.Disposable {
    this.placeholders = vscode.Disposable.from(...ids.map((id) => vscode.commands.registerCommand(id, (...args: unknown[]) => {
      this.get();
      return vscode.commands.executeCommand(id, ...args);
    })));
    return { dispose: () => this.removePlaceholders() };
  }

  private removePlaceholders(): void {
    this.placeholders?.dispose();
    this.placeholders = undefined;
  }

  get(): T {
    if (this.value === undefined) {
      this.removePlaceholders();
      const started = Date.now();
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a second bundle, required on first use on purpose
      this.value = this.start(require(path.join(__dirname, this.file)));
      this.log.info(`${this.file} loaded in ${Date.now() - started} ms`);
    }
    return this.value;
  }
}

/** A code lens provider that starts its part on the first request. */
export function lazyCodeLenses(real: () => vscode.CodeLensProvider): vscode.CodeLensProvider {
  const changed = new vscode.EventEmitter<void>();
  let provider: vscode.CodeLensProvider | undefined;
  return {
    onDidChangeCodeLenses: changed.event,
    provideCodeLenses: (document, token) => {
      if (!provider) {
        provider = real();
        provider.onDidChangeCodeLenses?.(() => changed.fire());
      }
      return provider.provideCodeLenses(document, token);
    },
  };
}

/** A hover provider that starts its part on the first request. */
export function lazyHovers(real: () => vscode.HoverProvider): vscode.HoverProvider {
  return { provideHover: (document, position, token) => real().provideHover(document, position, token) };
}

/** A Quick Fix provider that starts its part on the first request. */
export function lazyCodeActions(real: () => vscode.CodeActionProvider): vscode.CodeActionProvider {
  return { provideCodeActions: (document, range, context, token) => real().provideCodeActions(document, range, context, token) };
}

/**
 * A tree view whose data provider is started on the first `getChildren` (VS Code asks only once the view is shown), or
 * earlier by whoever starts the part. The provider takes the view with `attach`; its change events are passed on.
 */
export function lazyTreeView<T>(viewId: string, start: () => vscode.TreeDataProvider<T>): { view: vscode.TreeView<T>; attach: (provider: vscode.TreeDataProvider<T>) => vscode.TreeView<T> } {
  const changed = new vscode.EventEmitter<T | T[] | undefined | null | void>();
  let provider: vscode.TreeDataProvider<T> | undefined;
  const attach = (attached: vscode.TreeDataProvider<T>): vscode.TreeView<T> => {
    provider = attached;
    attached.onDidChangeTreeData?.((e) => changed.fire(e));
    return view;
  };
  const real = (): vscode.TreeDataProvider<T> => {
    provider ??= start();
    return provider;
  };
  const view: vscode.TreeView<T> = vscode.window.createTreeView<T>(viewId, {
    showCollapseAll: true,
    treeDataProvider: {
      onDidChangeTreeData: changed.event,
      getChildren: (element) => real().getChildren(element),
      getTreeItem: (element) => real().getTreeItem(element),
      getParent: (element) => real().getParent?.(element),
      resolveTreeItem: (item, element, token) => real().resolveTreeItem?.(item, element, token) ?? item,
    },
  });
  return { view, attach };
}
