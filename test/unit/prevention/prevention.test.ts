import * as assert from 'node:assert/strict';
import * as yaml from 'js-yaml';
import { containerdMajor, generatePrevention } from '../../../src/core/prevention/prevention';

interface RuleDoc { alert: string; expr: string; for: string; annotations: { summary: string; description: string } }

function parse(content: string): unknown {
  return yaml.load(content);
}

function rulesOf(doc: unknown, path: 'groups' | 'spec.groups'): RuleDoc[] {
  const root = path === 'groups' ? doc as { groups: { rules: RuleDoc[] }[] } : (doc as { spec: { groups: { rules: RuleDoc[] }[] } }).spec;
  return root.groups.flatMap((g) => g.rules);
}

/** Every range selector in PromQL needs a duration, and brackets must balance: the seed's own queries lacked both. */
function assertPlausiblePromql(expr: string): void {
  let depth = 0;
  for (const ch of expr) {
    if (ch === '(' || ch === '{' || ch === '[') depth += 1;
    if (ch === ')' || ch === '}' || ch === ']') depth -= 1;
    assert.ok(depth >= 0, `unbalanced brackets in ${expr}`);
  }
  assert.equal(depth, 0, `unbalanced brackets in ${expr}`);
  for (const m of expr.matchAll(/\b(rate|increase)\(([^()]*)\)/g)) {
    assert.match(m[2], /\[\d+[smh]\]$/, `${m[1]}() needs a range selector: ${m[0]}`);
  }
}

describe('prevention rules', () => {
  it('writes a Talos machine-config patch that creates the CRI customization part with the metrics listener', () => {
    const files = generatePrevention({ monitoring: 'victoriametrics', os: 'talos' });
    const patch = files.find((f) => f.name.startsWith('talos-'));
    assert.ok(patch, 'a Talos patch is generated');
    const doc = parse(patch.content) as { machine: { files: { op: string; path: string; content: string }[] } };
    assert.equal(doc.machine.files[0].op, 'create');
    assert.equal(doc.machine.files[0].path, '/etc/cri/conf.d/20-customization.part');
    assert.match(doc.machine.files[0].content, /^\[metrics\]\n\s+address = "0\.0\.0\.0:11234"\n$/);
  });

  it('writes containerd config schema 3 for containerd 2.x and schema 2 for 1.x', () => {
    const v2 = generatePrevention({ monitoring: 'prometheus', os: 'generic', containerdVersion: 'v2.0.1' })[0];
    const v1 = generatePrevention({ monitoring: 'prometheus', os: 'generic', containerdVersion: '1.6.20~ds1' })[0];
    assert.match(v2.content, /^version = 3$/m);
    assert.match(v1.content, /^version = 2$/m);
    assert.match(v1.content, /^\[metrics\]$/m);
  });

  it('produces Prometheus rule groups that parse and alert on sandbox start, teardown and unknown containers', () => {
    const files = generatePrevention({ monitoring: 'prometheus', os: 'generic', metricsPort: 9338 });
    const rules = rulesOf(parse(files.find((f) => f.name === 'prometheus-rules-containerd.yaml')!.content), 'groups');
    assert.deepEqual(rules.map((r) => r.alert), [
      'ContainerdSandboxStartFailing', 'ContainerdSandboxTeardownFailing', 'ContainerdContainersUnknownToKubernetes',
    ]);
    assert.match(rules[1].expr, /StopPodSandbox\|RemovePodSandbox/);
    for (const rule of rules) assertPlausiblePromql(rule.expr);
    const scrape = parse(files.find((f) => f.name === 'prometheus-scrape-containerd.yaml')!.content) as { relabel_configs: { replacement?: string }[] }[];
    assert.ok(scrape[0].relabel_configs.some((r) => r.replacement === '/api/v1/nodes/${1}:9338/proxy/v1/metrics'));
  });

  it('produces a VMRule custom resource for VictoriaMetrics with the same alerts', () => {
    const files = generatePrevention({ monitoring: 'victoriametrics', os: 'generic' });
    const doc = parse(files.find((f) => f.name === 'vmrule-containerd.yaml')!.content) as { kind: string; apiVersion: string };
    assert.equal(doc.kind, 'VMRule');
    assert.equal(doc.apiVersion, 'operator.victoriametrics.com/v1beta1');
    assert.equal(rulesOf(doc, 'spec.groups').length, 3);
  });

  it('keeps the job label of the scrape config and the rules in step', () => {
    const files = generatePrevention({ monitoring: 'prometheus', os: 'generic', job: 'node-runtime' });
    assert.match(files[1].content, /job_name: node-runtime/);
    assert.ok(rulesOf(parse(files[2].content), 'groups').every((r) => r.expr.includes('job="node-runtime"')));
  });

  it('refuses a metrics port that is not a TCP port', () => {
    assert.throws(() => generatePrevention({ monitoring: 'prometheus', os: 'generic', metricsPort: 70000 }), RangeError);
  });

  it('reads the containerd major version from CRI version strings', () => {
    assert.equal(containerdMajor('1.6.20~ds1'), 1);
    assert.equal(containerdMajor('v2.1.0-rc.1'), 2);
    assert.equal(containerdMajor(undefined), undefined);
  });
});
