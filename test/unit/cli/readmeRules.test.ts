import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { renderCatalogMarkdown } from '../../../src/core/diagnosis/catalogMarkdown';
import { repoRoot } from '../diagnosis/fixturePaths';

describe('README rule catalog', () => {
  it('is exactly the output of "kube-node-doctor rules --markdown" (regenerate it, never edit it by hand)', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const start = readme.indexOf('<!-- section:rules -->');
    const end = readme.indexOf('<!-- /section:rules -->');
    assert.ok(start >= 0 && end > start, 'README.md lacks the rules section markers');
    const section = readme.slice(start + '<!-- section:rules -->'.length, end).trim();
    assert.equal(section, renderCatalogMarkdown().trim());
  });
});
