import assert from 'node:assert/strict';
import { ARTICLES, articleFor } from '../../../src/core/knowledge/articles';
import { RULES, ruleById } from '../../../src/core/diagnosis/catalog';
import { diagnoseText } from '../../../src/core/diagnosis/logDiagnoser';
import { describeObject, explainMarkdown, fixCommandsFor } from '../../../src/core/diagnosis/explain';
import { CATEGORIES } from '../../../src/core/model/category';
import { readLogFixture } from './fixturePaths';

const SEED = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';

describe('explain', () => {
  const [finding] = diagnoseText(readLogFixture('seed-cni-cache.log'), { year: 2025 }).findings;

  it('gives the seed\'s manual fix with the extracted sandbox ID and network', () => {
    assert.deepEqual(fixCommandsFor(finding), [
      `ls -l /var/lib/cni/results/ | grep -F ${SEED}`,
      `rm -f /var/lib/cni/results/cbr0-${SEED}-eth0`,
      `crictl stopp ${SEED}`,
      `crictl rmp ${SEED}`,
    ]);
  });

  it('explains in Markdown: title, object, count, fenced fix, version notes, references', () => {
    const md = explainMarkdown(finding);
    assert.match(md, /^## Empty or invalid CNI result cache/);
    assert.match(md, /\*\*Object:\*\* sandbox 055b221e44a2 · network cbr0/);
    assert.match(md, /\*\*Seen:\*\* 3 times/);
    assert.ok(md.includes(`\`\`\`sh\nls -l /var/lib/cni/results/ | grep -F ${SEED}\nrm -f /var/lib/cni/results/cbr0-${SEED}-eth0\ncrictl stopp ${SEED}\ncrictl rmp ${SEED}\n\`\`\``));
    assert.match(md, /libcni >= 1\.2\.0/);
    assert.match(md, /https:\/\/github\.com\/containerd\/containerd\/issues\/8197/);
  });

  it('quotes a value that is not a plain shell word', () => {
    const [f] = diagnoseText(`failed to destroy network for sandbox "${SEED}": failed to get network "a;b" cached result: decoding version from network config: unexpected end of JSON input`).findings;
    assert.equal(f.network, 'a;b');
    assert.ok(fixCommandsFor(f).includes(`rm -f /var/lib/cni/results/'a;b'-${SEED}-eth0`));
  });

  it('names the object in one short phrase', () => {
    assert.equal(describeObject(finding), 'sandbox 055b221e44a2 · network cbr0');
  });
});

describe('rule catalog', () => {
  it('has unique IDs that ruleById finds', () => {
    assert.equal(new Set(RULES.map((r) => r.id)).size, RULES.length);
    for (const rule of RULES) {
      assert.equal(ruleById(rule.id), rule);
    }
    assert.equal(ruleById('no-such-rule'), undefined);
  });

  it('uses only known categories and covers the required ones', () => {
    const used = new Set(RULES.map((r) => r.category));
    for (const category of used) {
      assert.ok((CATEGORIES as readonly string[]).includes(category), category);
    }
    for (const required of ['cni-cache-corrupt', 'cni-teardown-failed', 'cri-message-too-large', 'sandbox-stop-timeout', 'runtime-object-missing', 'name-reserved', 'pleg-unhealthy', 'runtime-unavailable', 'oci-runtime-failed', 'cni-setup-failed', 'pod-ip-exhausted', 'disk-pressure']) {
      assert.ok(used.has(required as never), required);
    }
  });

  it('has pre-filter literals that survive normalisation (ASCII, no quotes, no backslashes)', () => {
    for (const rule of RULES) {
      assert.ok(rule.literals.length > 0, rule.id);
      for (const literal of rule.literals) {
        assert.match(literal, /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/, `${rule.id}: ${literal}`);
      }
    }
  });

  it('gives every category one article with an explanation, fix commands and references', () => {
    for (const category of CATEGORIES) {
      const article = articleFor(category);
      assert.equal(article.category, category);
      assert.ok(article.explanation.length > 100, category);
      assert.ok(article.fixCommands({}).length > 0, category);
      assert.ok(article.references.length > 0 && article.references.every((r) => r.url.startsWith('https://')), category);
    }
    assert.equal(ARTICLES.length, CATEGORIES.length);
  });
});
