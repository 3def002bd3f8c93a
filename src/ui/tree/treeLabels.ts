// How each tree element looks: one presenter per kind (src/ui/tree/presenters/), picked from a table. No vscode import:
// treeItems.ts maps the ItemSpec onto a vscode.TreeItem; unit tests assert on ItemSpecs in plain Node.
import { presentCluster } from './presenters/clusterPresenter';
import { presentCniCache } from './presenters/cniCachePresenter';
import { presentContainer } from './presenters/containerPresenter';
import { presentFinding } from './presenters/findingPresenter';
import { presentGroup } from './presenters/groupPresenter';
import { presentAction, presentAddKubeconfig, presentMessage, presentMore } from './presenters/messagePresenter';
import { presentInspect, presentNode } from './presenters/nodePresenter';
import { presentSandbox } from './presenters/sandboxPresenter';
import type { ItemSpec, PresentationContext, Presenter } from './presenters/types';
import type { TreeElement } from './treeModel';

export type { IconSpec, ItemSpec, NodeView, PresentationContext } from './presenters/types';
export { INSPECT_COMMAND, LOAD_MORE_COMMAND, OPEN_FINDING_COMMAND } from './presenters/types';

type PresenterTable = { readonly [K in TreeElement['kind']]: Presenter<K> };

const PRESENTERS: PresenterTable = {
  cluster: presentCluster,
  node: presentNode,
  inspect: presentInspect,
  group: presentGroup,
  finding: presentFinding,
  sandbox: presentSandbox,
  container: presentContainer,
  cniCache: presentCniCache,
  message: presentMessage,
  action: presentAction,
  addKubeconfig: presentAddKubeconfig,
  more: presentMore,
};

/** Everything a TreeItem needs for an element, from the element and the tree's state only. */
export function present(element: TreeElement, ctx: PresentationContext): ItemSpec {
  return (PRESENTERS[element.kind] as Presenter<TreeElement['kind']>)(element as never, ctx);
}

/** The view's title while `kubeNodeDoctor.repair.dryRun` is on (repairs only say what they would do): `Nodes · DRY RUN`. */
export function dryRunTitle(base: string, dryRun: boolean): string {
  return dryRun ? `${base} · DRY RUN` : base;
}
