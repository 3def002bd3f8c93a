/** The Nodes view (package.json `contributes.views`), shared by the activation shell and the tree. */
export const NODES_VIEW_ID = 'kubeNodeDoctor.nodes';
