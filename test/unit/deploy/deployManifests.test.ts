import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { EXE_LIBS_DIR, INSTALLED_NAME } from '../../../src/cli/installCommand';
import { repoRoot } from '../diagnosis/fixturePaths';
import { loadAsNpd } from './npdCustomPluginConfig';
import type { CustomPluginConfig } from './npdCustomPluginConfig';

const deploy = (...p: string[]): string => path.join(repoRoot, 'deploy', ...p);
const read = (file: string): string => fs.readFileSync(file, 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- YAML documents are walked field by field below
type Doc = any;
const loadYaml = (file: string): Doc => yaml.load(read(file));

const MONITOR_FILE = deploy('kustomize', 'base', 'kube-node-doctor-monitor.json');
const CONDITIONS = ['CNICacheCorrupt', 'SandboxBacklog', 'OrphanContainers', 'StuckSandbox'];
const SOCKET_DIRS: Readonly<Record<string, string>> = { default: '/run/containerd', k3s: '/run/k3s/containerd', rke2: '/run/k3s/containerd', talos: '/run/containerd' };

/** The value after `flag` in argv. */
function flagValue(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

interface PodParts {
  readonly init: Doc;
  readonly mounts: Doc[];
  readonly volumes: Doc[];
}

/**
 * Checks one pod's worth of parts against the monitor config: the initContainer installs where the rules invoke; NPD
 * mounts that volume read-only there; host paths are absolute and mounted read-only; socket, CNI cache and shared cache
 * are where the rules' flags say.
 */
function checkPod(parts: PodParts, config: CustomPluginConfig, socketDir: string): void {
  const installDir = flagValue(parts.init.args as string[], '--to');
  assert.deepEqual((parts.init.args as string[]).slice(0, 1), ['install']);
  assert.ok(installDir !== undefined && path.posix.isAbsolute(installDir), 'install --to takes an absolute directory');
  const binMount = (parts.init.volumeMounts as Doc[]).find((m) => m.mountPath === installDir);
  assert.ok(binMount, 'the initContainer mounts a volume at its --to directory');
  assert.notEqual(binMount.readOnly, true, 'the initContainer writes into it');
  const binVolume = parts.volumes.find((v) => v.name === binMount.name);
  assert.ok(binVolume?.emptyDir !== undefined, 'the executable goes into an emptyDir');
  const npdBin = parts.mounts.find((m) => m.name === binMount.name);
  assert.equal(npdBin?.mountPath, installDir, 'NPD sees the emptyDir where the initContainer wrote it');
  assert.equal(npdBin?.readOnly, true);

  for (const rule of config.rules) {
    assert.equal(rule.path, path.posix.join(installDir, INSTALLED_NAME), `${rule.reason}: the rule invokes what install --to writes`);
    assert.ok(path.posix.isAbsolute(rule.path));
    const args = rule.args ?? [];
    const endpoint = flagValue(args, '--runtime-endpoint') ?? '';
    assert.match(endpoint, /^unix:\/\/\//);
    const socket = endpoint.slice('unix://'.length);
    const socketMount = parts.mounts.find((m) => m.mountPath === path.posix.dirname(socket));
    assert.ok(socketMount, `${rule.reason}: the socket's directory ${path.posix.dirname(socket)} is mounted`);
    assert.equal(socketMount.readOnly, true, 'runtime socket directory read-only');
    assert.equal(parts.volumes.find((v) => v.name === socketMount.name)?.hostPath?.path, socketDir);
    const cniDir = flagValue(args, '--cni-cache-dir') ?? '';
    const cniMount = parts.mounts.find((m) => m.mountPath === cniDir);
    assert.equal(cniMount?.readOnly, true, 'CNI cache read-only');
    assert.equal(parts.volumes.find((v) => v.name === cniMount.name)?.hostPath?.path, '/var/lib/cni');
    const cacheDir = flagValue(args, '--cache-dir') ?? '';
    const cacheMount = parts.mounts.find((m) => m.mountPath === cacheDir);
    assert.ok(cacheMount && cacheMount.readOnly !== true, 'the shared answers directory is writable');
    assert.equal(parts.volumes.find((v) => v.name === cacheMount.name)?.emptyDir?.medium, 'Memory');
  }
  for (const volume of parts.volumes.filter((v) => v.hostPath !== undefined)) {
    assert.ok(path.posix.isAbsolute(volume.hostPath.path), `${volume.name}: absolute host path`);
    for (const mount of parts.mounts.filter((m) => m.name === volume.name)) assert.equal(mount.readOnly, true, `${volume.name} is mounted read-only`);
  }
}

describe('deploy/: node-problem-detector manifests', () => {
  const monitorText = read(MONITOR_FILE);
  const exists = (p: string): boolean => p === `/opt/kube-node-doctor/${INSTALLED_NAME}`;
  const loaded = loadAsNpd(monitorText, exists);

  it('the custom-plugin monitor passes NPD\'s own loading (unmarshal, defaults, validation)', () => {
    assert.ok('config' in loaded, 'fatal' in loaded ? loaded.fatal : '');
  });

  it('declares the four conditions, one permanent rule each, answering within the rule timeout', () => {
    assert.ok('config' in loaded);
    const config = loaded.config;
    assert.deepEqual(config.defaultConditions.map((c) => c.type), CONDITIONS);
    assert.deepEqual(config.rules.map((r) => [r.type, r.condition]), CONDITIONS.map((c) => ['permanent', c]));
    for (const rule of config.rules) {
      const args = rule.args ?? [];
      assert.deepEqual(args.slice(0, 2), ['npd-check', rule.condition]);
      const own = flagValue(args, '--timeout');
      assert.ok(own !== undefined && rule.timeout !== undefined);
      assert.ok(BigInt(parseInt(own, 10)) * 1_000_000_000n < rule.timeout, `${rule.reason}: npd-check --timeout ${own} answers before NPD kills it at the rule timeout`);
    }
    // Summaries are up to 200 bytes; NPD cuts the message at max_output_length (80 by default).
    assert.ok((config.pluginGlobalConfig.maxOutputLength ?? 0) >= 200);
    // One check at a time inside NPD's container (memory): the first of an interval reads the inventory, the others
    // answer from the shared cache.
    assert.equal(config.pluginGlobalConfig.concurrency, 1);
    // Every rule passes the same node flags, so they share one cache file (npd-check keys it by the flags).
    const flags = config.rules.map((r) => JSON.stringify((r.args ?? []).slice(2)));
    assert.equal(new Set(flags).size, 1);
  });

  it('the kustomize patch: ConfigMap, flag, initContainer and read-only mounts agree with the rules, for every socket variant', () => {
    assert.ok('config' in loaded);
    const kustomization = loadYaml(deploy('kustomize', 'base', 'kustomization.yaml'));
    const generator = (kustomization.configMapGenerator as Doc[]).find((g) => g.name === 'kube-node-doctor-npd-config');
    assert.deepEqual(generator.files, ['kube-node-doctor-monitor.json']);
    const patch = loadYaml(deploy('kustomize', 'base', 'daemonset-patch.yaml'));
    const spec = patch.spec.template.spec;
    const npd = (spec.containers as Doc[]).find((c) => c.name === 'node-problem-detector');
    const configVolume = (spec.volumes as Doc[]).find((v) => v.configMap?.name === 'kube-node-doctor-npd-config');
    const configMount = (npd.volumeMounts as Doc[]).find((m) => m.name === configVolume.name);
    assert.equal(configMount.readOnly, true);
    const commandPatch = loadYaml(deploy('kustomize', 'base', 'command-patch.yaml')) as Doc[];
    assert.deepEqual(commandPatch, [{ op: 'add', path: '/spec/template/spec/containers/0/command/-', value: `--config.custom-plugin-monitor=${configMount.mountPath}/kube-node-doctor-monitor.json` }]);
    assert.equal(spec.initContainers[0].image, kustomization.images[0].name, 'the images transformer names the initContainer image');
    const base: PodParts = { init: spec.initContainers[0], mounts: npd.volumeMounts, volumes: spec.volumes };
    checkPod(base, loaded.config, SOCKET_DIRS.default);
    for (const variant of ['k3s', 'rke2', 'talos']) {
      const overlay = loadYaml(deploy('kustomize', variant, 'kustomization.yaml'));
      assert.deepEqual(overlay.resources, ['../base']);
      const variantPatch = yaml.load(overlay.patches[0].patch) as Doc;
      const changed = variantPatch.spec.template.spec.volumes as Doc[];
      const volumes = (spec.volumes as Doc[]).map((v) => ({ ...v, ...(changed.find((c) => c.name === v.name) ?? {}) }));
      checkPod({ ...base, volumes }, loaded.config, SOCKET_DIRS[variant]);
    }
    const rbac = yaml.loadAll(read(deploy('kustomize', 'base', 'rbac-pods.yaml'))) as Doc[];
    assert.deepEqual(rbac[0].rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
    assert.deepEqual(rbac[1].subjects, [{ kind: 'ServiceAccount', name: 'node-problem-detector', namespace: 'kube-system' }]);
  });

  it('renders with kubectl kustomize over a DaemonSet shaped like NPD\'s deployment/ (base and each variant)', function () {
    if (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status !== 0) {
      console.log('      (kubectl not installed: the kustomize render is not checked here; the structure checks above still ran)');
      this.skip();
    }
    // A stand-in for upstream's deployment/ (no network in tests): NPD's container by name, its command as a list.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'knd-kustomize-'));
    try {
      fs.mkdirSync(path.join(work, 'upstream'));
      fs.writeFileSync(path.join(work, 'upstream', 'kustomization.yaml'), 'resources:\n- node-problem-detector.yaml\n');
      fs.writeFileSync(path.join(work, 'upstream', 'node-problem-detector.yaml'), [
        'apiVersion: apps/v1', 'kind: DaemonSet', 'metadata:', '  name: node-problem-detector', '  namespace: kube-system', 'spec:',
        '  selector:', '    matchLabels: {app: node-problem-detector}', '  template:', '    metadata:', '      labels: {app: node-problem-detector}', '    spec:',
        '      containers:', '      - name: node-problem-detector', '        command: [/node-problem-detector, --logtostderr, --config.system-log-monitor=/config/kernel-monitor.json]',
        '        image: registry.k8s.io/node-problem-detector/node-problem-detector:v1.36.0',
        '        resources: {limits: {cpu: 10m, memory: 80Mi}, requests: {cpu: 10m, memory: 80Mi}}', '        volumeMounts:', '        - {name: log, mountPath: /var/log, readOnly: true}',
        '      volumes:', '      - {name: log, hostPath: {path: /var/log/}}', '',
      ].join('\n'));
      fs.cpSync(deploy('kustomize'), path.join(work, 'kustomize'), { recursive: true });
      const base = path.join(work, 'kustomize', 'base', 'kustomization.yaml');
      const text = read(base);
      assert.match(text, /- https:\/\/github\.com\/kubernetes\/node-problem-detector\/\/deployment\?ref=v1\.36\.0\n/);
      fs.writeFileSync(base, text.replace(/- https:\/\/github\.com\/kubernetes\/node-problem-detector\/\/deployment\?ref=v1\.36\.0\n/, '- ../../upstream\n'));
      for (const variant of ['base', 'k3s', 'rke2', 'talos']) {
        const out = spawnSync('kubectl', ['kustomize', path.join(work, 'kustomize', variant)], { encoding: 'utf8' });
        assert.equal(out.status, 0, out.stderr);
        const docs = yaml.loadAll(out.stdout) as Doc[];
        const ds = docs.find((d) => d.kind === 'DaemonSet');
        const cm = docs.find((d) => d.kind === 'ConfigMap');
        assert.equal(cm.data['kube-node-doctor-monitor.json'], monitorText);
        const spec = ds.spec.template.spec;
        const npd = spec.containers[0];
        assert.deepEqual(npd.command, ['/node-problem-detector', '--logtostderr', '--config.system-log-monitor=/config/kernel-monitor.json',
          '--config.custom-plugin-monitor=/kube-node-doctor-config/kube-node-doctor-monitor.json']);
        assert.equal(spec.initContainers[0].image, 'registry.example.invalid/kube-node-doctor:0.1.0');
        assert.equal((spec.volumes as Doc[]).find((v) => v.name === 'kube-node-doctor-config').configMap.name, cm.metadata.name, 'the hashed ConfigMap name is referenced');
        assert.ok((npd.volumeMounts as Doc[]).some((m) => m.name === 'log'), 'NPD\'s own mounts stay');
        assert.deepEqual(npd.resources, { requests: { cpu: '20m', memory: '128Mi' }, limits: { cpu: '1', memory: '384Mi' } }, 'NPD\'s 10m/80Mi raised for the plugin');
        const variantDir = variant === 'base' ? 'default' : variant;
        assert.equal((spec.volumes as Doc[]).find((v) => v.name === 'runtime-socket-dir').hostPath.path, SOCKET_DIRS[variantDir]);
        assert.ok('config' in loaded);
        checkPod({ init: spec.initContainers[0], mounts: npd.volumeMounts, volumes: spec.volumes }, loaded.config, SOCKET_DIRS[variantDir]);
        assert.ok(docs.some((d) => d.kind === 'ClusterRoleBinding' && d.metadata.name === 'kube-node-doctor-npd-pods'));
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it('the Helm values embed the monitor JSON verbatim and mount what the rules use, for every socket variant', () => {
    assert.ok('config' in loaded);
    const values = loadYaml(deploy('helm', 'values.yaml'));
    const definitions = values.settings.custom_monitor_definitions as Record<string, string>;
    assert.equal(definitions['kube-node-doctor-monitor.json'], monitorText, 'identical to deploy/kustomize/base/kube-node-doctor-monitor.json');
    // The chart mounts custom_monitor_definitions at /custom-config.
    assert.deepEqual(values.settings.custom_plugin_monitors, ['/custom-config/kube-node-doctor-monitor.json']);
    assert.deepEqual(values.rbac.clusterRole.extraRules, [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
    const base: PodParts = { init: values.initContainers[0], mounts: values.extraVolumeMounts, volumes: values.extraVolumes };
    checkPod(base, loaded.config, SOCKET_DIRS.default);
    for (const variant of ['k3s', 'rke2', 'talos']) {
      const overlay = loadYaml(deploy('helm', `values-${variant}.yaml`));
      assert.deepEqual(Object.keys(overlay), ['extraVolumes'], 'a variant changes the volumes only');
      assert.deepEqual((overlay.extraVolumes as Doc[]).map((v) => v.name), (values.extraVolumes as Doc[]).map((v) => v.name), 'and restates every one (Helm replaces lists)');
      checkPod({ ...base, volumes: overlay.extraVolumes }, loaded.config, SOCKET_DIRS[variant]);
    }
  });

  it('the PrometheusRule selects only conditions and reasons the monitor reports', () => {
    assert.ok('config' in loaded);
    const config = loaded.config;
    const rule = loadYaml(deploy('prometheus', 'prometheusrule.yaml'));
    assert.equal(rule.kind, 'PrometheusRule');
    const exprs = (rule.spec.groups[0].rules as Doc[]).map((r) => r.expr as string);
    const gauges = exprs.flatMap((e) => [...e.matchAll(/problem_gauge\{type="([^"]+)", reason="([^"]+)"\}/g)].map((m) => `${m[1]}/${m[2]}`));
    assert.deepEqual(gauges.sort(), config.rules.map((r) => `${r.condition}/${r.reason}`).sort(), 'one alert per permanent rule');
    const counter = exprs.join('\n').match(/problem_counter\{reason=~"([^"]+)"\}/);
    assert.ok(counter);
    assert.deepEqual(counter[1].split('|').sort(), config.rules.map((r) => r.reason).sort());
  });

  it('the Containerfile lays the image out as npm run build:image does', () => {
    const text = read(path.join(repoRoot, 'packaging', 'Containerfile'));
    const final = text.slice(text.lastIndexOf('\nFROM '));
    assert.match(final, /^\nFROM gcr\.io\/distroless\/base-nossl-debian12\n/, 'glibc-only base, no shell');
    assert.match(final, new RegExp(`COPY --from=build /src/dist/kube-node-doctor-linux-x64 /kube-node-doctor/kube-node-doctor\\n`));
    assert.match(final, new RegExp(`COPY --from=build /src/dist/${EXE_LIBS_DIR}/ /kube-node-doctor/${EXE_LIBS_DIR}/\\n`));
    assert.match(final, /ENTRYPOINT \["\/kube-node-doctor\/kube-node-doctor"\]/);
    const image = read(path.join(repoRoot, 'packaging', 'buildImage.mjs'));
    assert.match(image, /export const IMAGE_EXE = '\/kube-node-doctor\/kube-node-doctor';/);
    assert.match(read(path.join(repoRoot, 'packaging', 'buildExe.mjs')), new RegExp(`export const LIBS_DIR_NAME = '${EXE_LIBS_DIR}';`));
  });
});
