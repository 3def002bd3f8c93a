import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Step { readonly id: string; readonly title: string; readonly description: string; readonly media: { readonly markdown?: string; readonly image?: unknown }; readonly completionEvents?: readonly string[] }
interface Walkthrough { readonly id: string; readonly title: string; readonly steps: readonly Step[] }
interface Manifest {
  readonly contributes: {
    readonly walkthroughs: readonly Walkthrough[];
    readonly commands: readonly { readonly command: string }[];
    readonly configuration: readonly { readonly properties: Record<string, unknown> }[];
  };
}

const ROOT = path.resolve(__dirname, '../../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;

describe('Getting Started walkthrough', () => {
  const [walkthrough] = manifest.contributes.walkthroughs;

  it('walks through pasting a log, adding a kubeconfig, inspecting a node and repairing safely, in that order', () => {
    assert.deepEqual(walkthrough.steps.map((s) => s.id), ['pasteLog', 'addKubeconfig', 'inspectNode', 'repairSafely']);
  });

  it('gives every step a Markdown page that exists and is shipped in the .vsix', () => {
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const step of walkthrough.steps) {
      const page = step.media.markdown;
      assert.ok(page, `${step.id} has a Markdown page`);
      const text = fs.readFileSync(path.join(ROOT, page), 'utf8');
      assert.match(text, /^# /, `${page} starts with a title`);
      assert.ok(ignore.includes(`!${path.dirname(page)}/*.md`), `${page} is included by .vscodeignore`);
    }
  });

  it('completes each step on a command the extension contributes or a setting it declares, and links a command', () => {
    const commands = new Set(manifest.contributes.commands.map((c) => c.command));
    const settings = new Set(manifest.contributes.configuration.flatMap((s) => Object.keys(s.properties)));
    for (const step of walkthrough.steps) {
      assert.ok((step.completionEvents ?? []).length > 0, `${step.id} has a completion event`);
      for (const event of step.completionEvents ?? []) {
        const [kind, target] = event.split(/:(.*)/s);
        if (kind === 'onCommand') assert.ok(commands.has(target), `${step.id}: ${target} is a contributed command`);
        else if (kind === 'onSettingChanged') assert.ok(settings.has(target), `${step.id}: ${target} is a declared setting`);
        else assert.fail(`${step.id}: unexpected completion event ${event}`);
      }
      const links = [...step.description.matchAll(/\]\(command:([\w.]+)/g)].map((m) => m[1]);
      assert.equal(links.length, 1, `${step.id} links one command`);
      assert.ok(commands.has(links[0]) || links[0].startsWith('workbench.') || links[0] === 'kubeNodeDoctor.nodes.focus', `${step.id}: ${links[0]} exists`);
    }
  });
});
