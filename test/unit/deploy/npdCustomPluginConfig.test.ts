import assert from 'node:assert/strict';
import { applyConfiguration, loadAsNpd, parseGoDuration, unmarshalCustomPluginConfig } from './npdCustomPluginConfig';

/** The NTP example of upstream's config/custom-plugin-monitor.json, with an absolute path. */
function ntpConfig(overrides: { global?: Record<string, unknown>; rule?: Record<string, unknown>; root?: Record<string, unknown> } = {}): string {
  return JSON.stringify({
    plugin: 'custom',
    pluginConfig: { invoke_interval: '30s', timeout: '5s', max_output_length: 80, concurrency: 3, ...overrides.global },
    source: 'ntp-custom-plugin-monitor',
    metricsReporting: true,
    conditions: [{ type: 'NTPProblem', reason: 'NTPIsUp', message: 'ntp service is up' }],
    rules: [{ type: 'permanent', condition: 'NTPProblem', reason: 'NTPIsDown', path: '/plugin/check_ntp.sh', timeout: '3s', ...overrides.rule }],
    ...overrides.root,
  });
}
const exists = (p: string): boolean => p === '/plugin/check_ntp.sh';

function fatal(text: string, pathExists = exists): string {
  const loaded = loadAsNpd(text, pathExists);
  assert.ok('fatal' in loaded, 'NPD would accept this config');
  return loaded.fatal;
}

describe('NPD custom-plugin config validation (port of pkg/custompluginmonitor/types)', () => {
  it('parses durations as Go\'s time.ParseDuration does', () => {
    assert.equal(parseGoDuration('5s'), 5_000_000_000n);
    assert.equal(parseGoDuration('1m30s'), 90_000_000_000n);
    assert.equal(parseGoDuration('1.5s'), 1_500_000_000n);
    assert.equal(parseGoDuration('.5ms'), 500_000n);
    assert.equal(parseGoDuration('0'), 0n);
    assert.equal(parseGoDuration('-2h'), -7_200_000_000_000n);
    assert.equal(parseGoDuration('300µs'), 300_000n);
    assert.throws(() => parseGoDuration('5'), /missing unit in duration "5"/);
    assert.throws(() => parseGoDuration(''), /invalid duration ""/);
    assert.throws(() => parseGoDuration('5sec'), /unknown unit "sec"/);
    assert.throws(() => parseGoDuration('s'), /invalid duration "s"/);
    assert.throws(() => parseGoDuration('.s'), /invalid duration ".s"/);
    assert.throws(() => parseGoDuration('3000000h'), /invalid duration/);
  });

  it('accepts upstream\'s own example and fills the defaults it leaves out', () => {
    const loaded = loadAsNpd(JSON.stringify({ plugin: 'custom', source: 's', conditions: [], rules: [{ type: 'temporary', reason: 'R', path: '/plugin/check_ntp.sh' }] }), exists);
    assert.ok('config' in loaded, 'fatal' in loaded ? loaded.fatal : '');
    const g = loaded.config.pluginGlobalConfig;
    assert.deepEqual([g.timeout, g.invokeInterval, g.maxOutputLength, g.concurrency, g.enableMessageChangeBasedConditionUpdate, g.skipInitialStatus, loaded.config.enableMetricsReporting],
      [5_000_000_000n, 30_000_000_000n, 80, 3, false, false, true]);
    assert.ok('config' in loadAsNpd(ntpConfig(), exists));
  });

  it('rejects a rule timeout above the global timeout, and accepts one equal to it', () => {
    assert.match(fatal(ntpConfig({ rule: { timeout: '6s' } })), /plugin timeout is greater than global timeout/);
    assert.match(fatal(ntpConfig({ global: { timeout: undefined }, rule: { timeout: '5001ms' } })), /greater than global timeout.*Global timeout: 5s/);
    assert.ok('config' in loadAsNpd(ntpConfig({ rule: { timeout: '5s' } }), exists));
  });

  it('rejects a permanent rule whose condition has no default, but not a temporary one', () => {
    assert.match(fatal(ntpConfig({ rule: { condition: 'Other' } })), /permanent problem Other does not have preset default condition/);
    assert.ok('config' in loadAsNpd(ntpConfig({ rule: { type: 'temporary', condition: 'Other' } }), exists));
  });

  it('rejects a rule path that does not exist (os.Stat in NPD\'s container)', () => {
    assert.match(fatal(ntpConfig(), () => false), /rule path "\/plugin\/check_ntp.sh" does not exist/);
  });

  it('rejects another plugin, a zero interval and unparsable durations', () => {
    assert.match(fatal(ntpConfig({ root: { plugin: 'filelog' } })), /does not support "filelog" plugin/);
    assert.match(fatal(ntpConfig({ global: { invoke_interval: '0s' } })), /global invoke interval must be greater than zero/);
    assert.match(fatal(ntpConfig({ rule: { invoke_interval: '-1s' } })), /rule invoke interval must be greater than zero/);
    assert.match(fatal(ntpConfig({ global: { timeout: '5' } })), /error in parsing global timeout "5"/);
    assert.match(fatal(ntpConfig({ rule: { timeout: 'soon' } })), /error in parsing rule timeout/);
  });

  it('decodes as encoding/json does: case-insensitive keys, null as unset, type errors fatal', () => {
    const config = unmarshalCustomPluginConfig(JSON.stringify({ Plugin: 'custom', PluginConfig: { Timeout: '2s', concurrency: null }, rules: [] }));
    applyConfiguration(config);
    assert.equal(config.plugin, 'custom');
    assert.equal(config.pluginGlobalConfig.timeout, 2_000_000_000n);
    assert.equal(config.pluginGlobalConfig.concurrency, 3);
    assert.match(fatal(ntpConfig({ global: { timeout: 5 } })), /cannot unmarshal 5 into Go struct field pluginGlobalConfig.timeout/);
    assert.match(fatal(ntpConfig({ global: { max_output_length: 80.5 } })), /cannot unmarshal 80.5/);
    assert.match(fatal(ntpConfig({ rule: { args: ['ok', 3] } })), /cannot unmarshal 3 into Go struct field CustomRule.args/);
  });
});
