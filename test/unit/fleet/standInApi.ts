import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeApi } from '../../../src/core/cluster/kubeApi';
import { loadKubeconfigs } from '../../../src/core/cluster/kubeconfig';
import { ApiStandIn } from '../../standin/apiStandIn';
import type { StandInOptions } from '../../standin/apiStandIn';

/** A started stand-in and a real KubeApi on it; `close` stops both. */
export async function standInApi(options: StandInOptions): Promise<{ standIn: ApiStandIn; api: KubeApi; close: () => Promise<void> }> {
  const standIn = new ApiStandIn(options);
  await standIn.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-fleet-'));
  fs.writeFileSync(path.join(dir, 'config'), standIn.kubeconfig([{ name: 'fleet' }]));
  const api = new KubeApi('fleet', (await loadKubeconfigs({ explicitPath: path.join(dir, 'config') })).forContext());
  return { standIn, api, close: async () => { await standIn.stop(); fs.rmSync(dir, { recursive: true, force: true }); } };
}
