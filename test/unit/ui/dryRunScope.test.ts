import * as assert from 'node:assert/strict';
import { dryRunWrite, effectiveDryRun } from '../../../src/ui/commands/repairDryRunScope';

describe('Turn Off / Turn On Dry Run: where the setting is written', () => {
  it('removes a user setting that turned it on (the default is off)', () => {
    assert.deepEqual(dryRunWrite({ defaultValue: false, globalValue: true }, false), { scope: 'global', value: undefined });
  });

  it('turns it off in the workspace when the workspace turned it on; removes the entry when the user setting is off', () => {
    assert.deepEqual(dryRunWrite({ defaultValue: false, workspaceValue: true }, false), { scope: 'workspace', value: undefined });
    assert.deepEqual(dryRunWrite({ defaultValue: false, globalValue: true, workspaceValue: true }, false), { scope: 'workspace', value: false });
  });

  it('turns it on in the user settings when only the default is in effect, and does nothing when it already is', () => {
    assert.deepEqual(dryRunWrite({ defaultValue: false }, true), { scope: 'global', value: true });
    assert.deepEqual(dryRunWrite({ defaultValue: false, workspaceValue: false, globalValue: true }, true), { scope: 'workspace', value: undefined });
    assert.equal(dryRunWrite({ defaultValue: false, globalValue: true }, true), undefined);
    assert.equal(effectiveDryRun({ defaultValue: false, globalValue: true, workspaceValue: false }), false);
  });
});
