/**
 * node-problem-detector's custom-plugin monitor config, loaded as NPD loads it (kubernetes/node-problem-detector
 * `pkg/custompluginmonitor/custom_plugin_monitor.go` NewCustomPluginMonitorOrDie: json.Unmarshal → ApplyConfiguration →
 * Validate, each failure a klog.Fatalf that takes the whole NPD down), ported step by step from
 * `pkg/custompluginmonitor/types/config.go` and `types.go`, with Go's `time.ParseDuration` and encoding/json's rules
 * (keys matched case-insensitively, unknown keys ignored, null leaves a pointer field unset, a wrong type is an error).
 * Test-side only: it checks the configs in deploy/ before a cluster does.
 */

/** Go's time.Duration in nanoseconds (BigInt: Go's range is int64). */
export type GoDuration = bigint;

const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};
const MAX_INT64 = (1n << 63n) - 1n;

/** Go's `time.ParseDuration` (src/time/format.go): "[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+", or "0". Throws Go's messages. */
export function parseGoDuration(orig: string): GoDuration {
  const invalid = (): Error => new Error(`time: invalid duration "${orig}"`);
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let d = 0n;
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    let i = 0;
    while (isDigit(s[i])) i++;
    const pre = i > 0;
    let v = pre ? BigInt(s.slice(0, i)) : 0n;
    if (v > 1n << 63n) throw invalid(); // leadingInt's overflow
    s = s.slice(i);
    let fraction = '';
    let post = false;
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      while (isDigit(s[j])) j++;
      post = j > 0;
      fraction = s.slice(0, j);
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let k = 0;
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++;
    if (k === 0) throw new Error(`time: missing unit in duration "${orig}"`);
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = UNITS[u];
    if (unit === undefined) throw new Error(`time: unknown unit "${u}" in duration "${orig}"`);
    if (v > (1n << 63n) / unit) throw invalid();
    v *= unit;
    if (fraction !== '' && /[1-9]/.test(fraction)) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale)), f and scale from up to 19 significant fraction digits.
      const digits = fraction.slice(0, 19);
      v += BigInt(Math.trunc(Number(digits) * (Number(unit) / 10 ** digits.length)));
      if (v > 1n << 63n) throw invalid();
    }
    d += v;
    if (d > 1n << 63n) throw invalid();
  }
  if (neg) return -d;
  if (d > MAX_INT64) throw invalid();
  return d;
}

/** time.Duration.String() for the common cases of these configs (whole seconds, minutes, milliseconds). */
export function formatGoDuration(d: GoDuration): string {
  if (d === 0n) return '0s';
  if (d % 1_000_000_000n === 0n) {
    const total = d / 1_000_000_000n;
    const h = total / 3600n, m = (total % 3600n) / 60n, s = total % 60n;
    return `${h > 0n ? `${h}h` : ''}${h > 0n || m > 0n ? `${m}m` : ''}${s}s`;
  }
  if (d % 1_000_000n === 0n && d < 1_000_000_000n) return `${d / 1_000_000n}ms`;
  return `${d}ns`;
}

export interface Condition {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

export interface CustomRule {
  type: string;
  condition: string;
  reason: string;
  path: string;
  args: string[] | null;
  timeoutString?: string;
  timeout?: GoDuration;
  invokeIntervalString?: string;
  invokeInterval?: GoDuration;
}

export interface PluginGlobalConfig {
  invokeIntervalString?: string;
  timeoutString?: string;
  invokeInterval?: GoDuration;
  timeout?: GoDuration;
  maxOutputLength?: number;
  concurrency?: number;
  enableMessageChangeBasedConditionUpdate?: boolean;
  skipInitialStatus?: boolean;
}

export interface CustomPluginConfig {
  plugin: string;
  pluginGlobalConfig: PluginGlobalConfig;
  source: string;
  defaultConditions: Condition[];
  rules: CustomRule[];
  enableMetricsReporting?: boolean;
}

type JsonKind = 'string' | 'int' | 'bool' | 'object' | 'array';

/** encoding/json's field lookup: the exact key first, else the last key equal under case folding (Go's EqualFold). */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  let found: unknown;
  for (const key of Object.keys(obj)) if (key.toLowerCase() === name.toLowerCase()) found = obj[key];
  return found;
}

/** Reads one field as Go would into a pointer (undefined when absent or null) or fails with a type error. */
function read(obj: Record<string, unknown>, name: string, kind: JsonKind, where: string): unknown {
  const value = field(obj, name);
  if (value === undefined || value === null) return undefined;
  const ok = kind === 'string' ? typeof value === 'string'
    : kind === 'int' ? typeof value === 'number' && Number.isInteger(value)
      : kind === 'bool' ? typeof value === 'boolean'
        : kind === 'array' ? Array.isArray(value)
          : typeof value === 'object' && !Array.isArray(value);
  if (!ok) throw new Error(`json: cannot unmarshal ${JSON.stringify(value)} into Go struct field ${where}.${name} of type ${kind}`);
  return value;
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`json: cannot unmarshal ${JSON.stringify(value)?.slice(0, 40)} into Go value of type ${where}`);
  return value as Record<string, unknown>;
}

/** json.Unmarshal(file, &CustomPluginConfig{}). */
export function unmarshalCustomPluginConfig(text: string): CustomPluginConfig {
  const root = asObject(JSON.parse(text) as unknown, 'types.CustomPluginConfig');
  const global = asObject(read(root, 'pluginConfig', 'object', 'CustomPluginConfig') ?? {}, 'types.pluginGlobalConfig');
  const strings = (value: unknown, where: string): string[] => (value as unknown[]).map((v) => {
    if (typeof v !== 'string') throw new Error(`json: cannot unmarshal ${JSON.stringify(v)} into Go struct field ${where} of type string`);
    return v;
  });
  return {
    plugin: (read(root, 'plugin', 'string', 'CustomPluginConfig') as string | undefined) ?? '',
    pluginGlobalConfig: {
      invokeIntervalString: read(global, 'invoke_interval', 'string', 'pluginGlobalConfig') as string | undefined,
      timeoutString: read(global, 'timeout', 'string', 'pluginGlobalConfig') as string | undefined,
      maxOutputLength: read(global, 'max_output_length', 'int', 'pluginGlobalConfig') as number | undefined,
      concurrency: read(global, 'concurrency', 'int', 'pluginGlobalConfig') as number | undefined,
      enableMessageChangeBasedConditionUpdate: read(global, 'enable_message_change_based_condition_update', 'bool', 'pluginGlobalConfig') as boolean | undefined,
      skipInitialStatus: read(global, 'skip_initial_status', 'bool', 'pluginGlobalConfig') as boolean | undefined,
    },
    source: (read(root, 'source', 'string', 'CustomPluginConfig') as string | undefined) ?? '',
    defaultConditions: ((read(root, 'conditions', 'array', 'CustomPluginConfig') as unknown[] | undefined) ?? []).map((c) => {
      const o = asObject(c, 'types.Condition');
      return {
        type: (read(o, 'type', 'string', 'Condition') as string | undefined) ?? '',
        reason: (read(o, 'reason', 'string', 'Condition') as string | undefined) ?? '',
        message: (read(o, 'message', 'string', 'Condition') as string | undefined) ?? '',
      };
    }),
    rules: ((read(root, 'rules', 'array', 'CustomPluginConfig') as unknown[] | undefined) ?? []).map((r) => {
      const o = asObject(r, 'types.CustomRule');
      const args = read(o, 'args', 'array', 'CustomRule');
      return {
        type: (read(o, 'type', 'string', 'CustomRule') as string | undefined) ?? '',
        condition: (read(o, 'condition', 'string', 'CustomRule') as string | undefined) ?? '',
        reason: (read(o, 'reason', 'string', 'CustomRule') as string | undefined) ?? '',
        path: (read(o, 'path', 'string', 'CustomRule') as string | undefined) ?? '',
        args: args === undefined ? null : strings(args, 'CustomRule.args'),
        timeoutString: read(o, 'timeout', 'string', 'CustomRule') as string | undefined,
        invokeIntervalString: read(o, 'invoke_interval', 'string', 'CustomRule') as string | undefined,
      };
    }),
    enableMetricsReporting: read(root, 'metricsReporting', 'bool', 'CustomPluginConfig') as boolean | undefined,
  };
}

/** Upstream defaults (config.go). */
export const NPD_DEFAULTS = {
  timeout: '5s', invokeInterval: '30s', maxOutputLength: 80, concurrency: 3,
  enableMessageChangeBasedConditionUpdate: false, enableMetricsReporting: true, skipInitialStatus: false,
} as const;

/** (*CustomPluginConfig).ApplyConfiguration: defaults and parsed durations; throws its errors. */
export function applyConfiguration(cpc: CustomPluginConfig): void {
  const g = cpc.pluginGlobalConfig;
  g.timeoutString ??= NPD_DEFAULTS.timeout;
  try {
    g.timeout = parseGoDuration(g.timeoutString);
  } catch (error) {
    throw new Error(`error in parsing global timeout "${g.timeoutString}": ${(error as Error).message}`);
  }
  g.invokeIntervalString ??= NPD_DEFAULTS.invokeInterval;
  try {
    g.invokeInterval = parseGoDuration(g.invokeIntervalString);
  } catch (error) {
    throw new Error(`error in parsing invoke interval "${g.invokeIntervalString}": ${(error as Error).message}`);
  }
  g.maxOutputLength ??= NPD_DEFAULTS.maxOutputLength;
  g.concurrency ??= NPD_DEFAULTS.concurrency;
  g.enableMessageChangeBasedConditionUpdate ??= NPD_DEFAULTS.enableMessageChangeBasedConditionUpdate;
  g.skipInitialStatus ??= NPD_DEFAULTS.skipInitialStatus;
  for (const rule of cpc.rules) {
    if (rule.timeoutString !== undefined) {
      try {
        rule.timeout = parseGoDuration(rule.timeoutString);
      } catch (error) {
        throw new Error(`error in parsing rule timeout ${JSON.stringify(rule)}: ${(error as Error).message}`);
      }
    }
    if (rule.invokeIntervalString !== undefined) {
      try {
        rule.invokeInterval = parseGoDuration(rule.invokeIntervalString);
      } catch (error) {
        throw new Error(`error in parsing rule invoke interval ${JSON.stringify(rule)}: ${(error as Error).message}`);
      }
    }
  }
  cpc.enableMetricsReporting ??= NPD_DEFAULTS.enableMetricsReporting;
}

/**
 * CustomPluginConfig.Validate, in upstream's order. `pathExists` stands for its os.Stat (NPD checks the path inside its
 * own container, where the initContainer put the executable). Returns the error NPD would die with, or undefined.
 */
export function validate(cpc: CustomPluginConfig, pathExists: (path: string) => boolean): string | undefined {
  const g = cpc.pluginGlobalConfig;
  if (g.timeout === undefined || g.invokeInterval === undefined) return 'ApplyConfiguration was not run';
  if (cpc.plugin !== 'custom') return `NPD does not support "${cpc.plugin}" plugin for now. Only support "custom"`;
  if (g.invokeInterval <= 0n) return `global invoke interval must be greater than zero: ${formatGoDuration(g.invokeInterval)}`;
  for (const rule of cpc.rules) {
    if (rule.invokeInterval !== undefined && rule.invokeInterval <= 0n) return `rule invoke interval must be greater than zero. Rule: ${rule.reason}`;
    if (rule.timeout !== undefined && rule.timeout > g.timeout) {
      return `plugin timeout is greater than global timeout. Rule: ${rule.reason} (${formatGoDuration(rule.timeout)}). Global timeout: ${formatGoDuration(g.timeout)}`;
    }
  }
  for (const rule of cpc.rules) {
    if (!pathExists(rule.path)) return `rule path "${rule.path}" does not exist. Rule: ${rule.reason}`;
  }
  for (const rule of cpc.rules) {
    if (rule.type !== 'permanent') continue;
    if (!cpc.defaultConditions.some((c) => c.type === rule.condition)) return `permanent problem ${rule.condition} does not have preset default condition`;
  }
  return undefined;
}

/** What NPD does with one config file: unmarshal, apply, validate. Returns the config or the fatal error's text. */
export function loadAsNpd(text: string, pathExists: (path: string) => boolean): { config: CustomPluginConfig } | { fatal: string } {
  let config: CustomPluginConfig;
  try {
    config = unmarshalCustomPluginConfig(text);
  } catch (error) {
    return { fatal: `Failed to unmarshal configuration file: ${(error as Error).message}` };
  }
  try {
    applyConfiguration(config);
  } catch (error) {
    return { fatal: `Failed to apply configuration: ${(error as Error).message}` };
  }
  const invalid = validate(config, pathExists);
  return invalid === undefined ? { config } : { fatal: `Failed to validate custom plugin config: ${invalid}` };
}
