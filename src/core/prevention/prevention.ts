/**
 * Prevention (seed 001): turn on containerd's metrics endpoint and alert on the failures this tool repairs,
 * before they pile up. Generates files the user reviews and saves; nothing is applied to a cluster.
 */
export type MonitoringStack = 'prometheus' | 'victoriametrics';
export type NodeOs = 'talos' | 'generic';

export interface PreventionOptions {
  readonly monitoring: MonitoringStack;
  readonly os: NodeOs;
  /** containerd version as reported by CRI Version (`1.6.20~ds1`, `v2.0.1`); decides the config schema version. */
  readonly containerdVersion?: string;
  /** Port containerd's metrics listener binds on every node. */
  readonly metricsPort?: number;
  /** Prometheus `job` label the scrape config and the rules agree on. */
  readonly job?: string;
}

export interface PreventionFile {
  /** Suggested file name. */
  readonly name: string;
  /** One line: what it is and where it goes. */
  readonly description: string;
  readonly language: 'toml' | 'yaml';
  readonly content: string;
}

export const DEFAULT_METRICS_PORT = 11234;
const DEFAULT_JOB = 'containerd';

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly forDuration: string;
  readonly summary: string;
  readonly description: string;
}

/** containerd 2.x reads config schema version 3; 1.x reads version 2. Both spell the metrics table the same way. */
export function containerdMajor(version: string | undefined): number | undefined {
  const match = /^v?(\d+)\./.exec(version ?? '');
  return match ? Number(match[1]) : undefined;
}

function metricsToml(port: number): string {
  return `[metrics]\n  address = "0.0.0.0:${port}"\n`;
}

// No alert on oversized CRI lists: the server counts a refused send as handled OK, so grpc_server_handled_total
// cannot see it. The node inventory measures list payloads instead.
function alertRules(job: string): AlertRule[] {
  const handled = `grpc_server_handled_total{job="${job}", grpc_code!="OK"`;
  return [
    {
      alert: 'ContainerdSandboxStartFailing',
      expr: `sum by (instance, grpc_code) (increase(${handled}, grpc_method="RunPodSandbox"}[10m])) > 0`,
      forDuration: '5m',
      summary: 'containerd cannot start pod sandboxes',
      description: 'RunPodSandbox on {{ $labels.instance }} fails with {{ $labels.grpc_code }} (CNI setup, image or runtime errors).',
    },
    {
      alert: 'ContainerdSandboxTeardownFailing',
      expr: `sum by (instance, grpc_method, grpc_code) (increase(${handled}, grpc_method=~"StopPodSandbox|RemovePodSandbox"}[10m])) > 0`,
      forDuration: '5m',
      summary: 'containerd cannot stop or remove pod sandboxes',
      description: '{{ $labels.grpc_method }} on {{ $labels.instance }} fails with {{ $labels.grpc_code }}: look for an empty CNI result cache file or a stuck sandbox (Kube Node Doctor: Inspect node).',
    },
    {
      alert: 'ContainerdContainersUnknownToKubernetes',
      expr: [
        `(`,
        `  container_pids_current{job="${job}", namespace="k8s.io"}`,
        `    unless on (container_id) label_replace(kube_pod_container_info, "container_id", "$1", "container_id", "containerd://(.+)")`,
        `    unless on (container_id) label_replace(kube_pod_init_container_info, "container_id", "$1", "container_id", "containerd://(.+)")`,
        `)`,
        `unless on (container_id) (container_memory_swap_limit_bytes{job="${job}"} > 0)`,
      ].join('\n'),
      forDuration: '15m',
      summary: 'containers that Kubernetes does not know about',
      description: 'containerd on {{ $labels.instance }} runs container {{ $labels.container_id }}, which no pod in the API owns (a leaked or orphaned container).',
    },
  ];
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text.split('\n').map((line) => (line.length > 0 ? pad + line : line)).join('\n');
}

function yamlString(value: string): string {
  return JSON.stringify(value);
}

function rulesYaml(rules: readonly AlertRule[], baseIndent: number): string {
  const body = rules.map((rule) => [
    `- alert: ${rule.alert}`,
    `  expr: |`,
    indent(rule.expr, 4),
    `  for: ${rule.forDuration}`,
    `  labels:`,
    `    severity: warning`,
    `  annotations:`,
    `    summary: ${yamlString(rule.summary)}`,
    `    description: ${yamlString(rule.description)}`,
  ].join('\n')).join('\n');
  return indent(body, baseIndent);
}

function scrapeConfig(job: string, port: number): string {
  return [
    `- job_name: ${job}`,
    `  scrape_interval: 30s`,
    `  scheme: https`,
    `  tls_config:`,
    `    ca_file: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt`,
    `  bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token`,
    `  kubernetes_sd_configs:`,
    `    - role: node`,
    `  relabel_configs:`,
    `    # Reach each node's containerd metrics through the API server's node proxy.`,
    `    - target_label: __address__`,
    `      replacement: kubernetes.default.svc:443`,
    `    - source_labels: [__meta_kubernetes_node_name]`,
    `      regex: (.+)`,
    `      target_label: __metrics_path__`,
    `      replacement: /api/v1/nodes/\${1}:${port}/proxy/v1/metrics`,
    `    - source_labels: [__meta_kubernetes_node_name]`,
    `      target_label: instance`,
  ].join('\n');
}

/** The files that switch on containerd metrics and alert on sandbox failures, for the chosen stack and OS. */
export function generatePrevention(options: PreventionOptions): PreventionFile[] {
  const port = options.metricsPort ?? DEFAULT_METRICS_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`metrics port ${port} is not a TCP port`);
  }
  const job = options.job ?? DEFAULT_JOB;
  const major = containerdMajor(options.containerdVersion);
  const files: PreventionFile[] = [];

  if (options.os === 'talos') {
    files.push({
      name: 'talos-containerd-metrics.patch.yaml',
      description: 'Talos machine-config patch: `talosctl patch machineconfig --nodes <node> --patch @talos-containerd-metrics.patch.yaml`',
      language: 'yaml',
      content: [
        'machine:',
        '  files:',
        '    - op: create',
        '      path: /etc/cri/conf.d/20-customization.part',
        '      content: |',
        indent(metricsToml(port).trimEnd(), 8),
        '',
      ].join('\n'),
    });
  } else {
    const schema = major !== undefined && major >= 2 ? 3 : 2;
    files.push({
      name: 'containerd-metrics.toml',
      description: `Merge into /etc/containerd/config.toml (config schema version ${schema}), then restart containerd.`,
      language: 'toml',
      content: `# containerd ${major !== undefined ? `${major}.x` : '(version unknown: schema 2 assumed)'}; the [metrics] table is the same in schema 2 and 3.\nversion = ${schema}\n\n${metricsToml(port)}`,
    });
  }

  const rules = alertRules(job);
  if (options.monitoring === 'prometheus') {
    files.push({
      name: 'prometheus-scrape-containerd.yaml',
      description: 'Add under `scrape_configs:` of prometheus.yml (needs RBAC for nodes/proxy).',
      language: 'yaml',
      content: `${scrapeConfig(job, port)}\n`,
    });
    files.push({
      name: 'prometheus-rules-containerd.yaml',
      description: 'A Prometheus rule file (`rule_files:`) alerting on sandbox failures and unknown containers.',
      language: 'yaml',
      content: `groups:\n  - name: kube-node-doctor-containerd\n    rules:\n${rulesYaml(rules, 6)}\n`,
    });
  } else {
    files.push({
      name: 'vmagent-scrape-containerd.yaml',
      description: 'Add under `scrape_configs:` of the vmagent -promscrape.config file (needs RBAC for nodes/proxy).',
      language: 'yaml',
      content: `${scrapeConfig(job, port)}\n`,
    });
    files.push({
      name: 'vmrule-containerd.yaml',
      description: 'A VMRule for the VictoriaMetrics operator (vmalert) alerting on sandbox failures and unknown containers.',
      language: 'yaml',
      content: [
        'apiVersion: operator.victoriametrics.com/v1beta1',
        'kind: VMRule',
        'metadata:',
        '  name: kube-node-doctor-containerd',
        'spec:',
        '  groups:',
        '    - name: kube-node-doctor-containerd',
        '      rules:',
        rulesYaml(rules, 8),
        '',
      ].join('\n'),
    });
  }
  return files;
}
