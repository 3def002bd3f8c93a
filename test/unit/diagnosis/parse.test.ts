import assert from 'node:assert/strict';
import { normaliseQuotes, parseLogLine } from '../../../src/core/diagnosis/parse';
import { parseLogfmt } from '../../../src/core/diagnosis/structuredLine';

const SEED = '055b221e44a28ce8d9120f771d5e1ef201f2457ce49c58999a0147104cca2708';

describe('parseLogLine', () => {
  it('strips a journald prefix and a klog header, keeping the klog timestamp with the given year', () => {
    const line = parseLogLine('Sep 27 05:47:12 talos-192-168-1-15 kubelet[1873]: E0927 05:47:12.123456    1873 remote_runtime.go:205] "StopPodSandbox from runtime service failed"', 7, { year: 2025 });
    assert.equal(line.text, '"StopPodSandbox from runtime service failed"');
    assert.equal(line.timestamp, '2025-09-27T05:47:12.123456');
    assert.equal(line.source, 'kubelet');
    assert.equal(line.level, 'error');
    assert.equal(line.lineNumber, 7);
    assert.equal(line.repeat, 1);
  });

  it('reads a syslog timestamp when the line has no klog header', () => {
    const line = parseLogLine('Sep  7 05:47:12 node containerd[99]: something happened', 1, { year: 2024 });
    assert.equal(line.timestamp, '2024-09-07T05:47:12');
    assert.equal(line.source, 'containerd');
    assert.equal(line.text, 'something happened');
  });

  it('infers the previous year for a month/day that would lie in the future', () => {
    const now = new Date();
    const ahead = new Date(now.getTime() + 40 * 86_400_000);
    const mm = String(ahead.getUTCMonth() + 1).padStart(2, '0');
    const dd = String(ahead.getUTCDate()).padStart(2, '0');
    const line = parseLogLine(`E${mm}${dd} 01:02:03.000001 1 x.go:1] boom`, 1);
    const expectedYear = ahead.getUTCFullYear() === now.getUTCFullYear() ? now.getUTCFullYear() - 1 : now.getUTCFullYear();
    assert.equal(line.timestamp, `${expectedYear}-${mm}-${dd}T01:02:03.000001`);
  });

  it('unescapes containerd logfmt and keeps the error field', () => {
    const line = parseLogLine(`time="2023-03-01T20:08:10.167346791Z" level=error msg="StopPodSandbox for \\"${SEED}\\" failed" error="failed to destroy network for sandbox \\"${SEED}\\": cni plugin not initialized"`, 3);
    assert.equal(line.text, `StopPodSandbox for "${SEED}" failed error="failed to destroy network for sandbox "${SEED}": cni plugin not initialized"`);
    assert.equal(line.timestamp, '2023-03-01T20:08:10.167346791Z');
    assert.equal(line.level, 'error');
  });

  it('reads kubelet JSON logging: message, structured fields and the epoch-milliseconds timestamp', () => {
    const line = parseLogLine('{"ts":1753121332057.047,"caller":"kuberuntime/kuberuntime_manager.go:269","msg":"Container runtime initialized","v":0,"containerRuntime":"containerd","version":"v2.0.3"}', 1);
    assert.equal(line.text, 'Container runtime initialized containerRuntime="containerd" version="v2.0.3"');
    assert.equal(line.timestamp, '2025-07-21T18:08:52.057Z');
  });

  it('reads containerd JSON logging with an ISO time and an error level', () => {
    const line = parseLogLine('{"error":"failed to destroy network","level":"error","msg":"StopPodSandbox failed","time":"2024-05-01T10:00:00.5Z"}', 1);
    assert.equal(line.text, 'StopPodSandbox failed error="failed to destroy network"');
    assert.equal(line.timestamp, '2024-05-01T10:00:00.5Z');
    assert.equal(line.level, 'error');
  });

  it('reads the klog line inside journalctl -o json output', () => {
    const line = parseLogLine(JSON.stringify({ MESSAGE: 'E0927 05:47:12.000001 1 kubelet.go:1] PLEG is not healthy', SYSLOG_IDENTIFIER: 'kubelet', __REALTIME_TIMESTAMP: '1758952032000001' }), 1, { year: 2025 });
    assert.equal(line.text, 'PLEG is not healthy');
    assert.equal(line.source, 'kubelet');
    assert.equal(line.timestamp, '2025-09-27T05:47:12.000001');
  });

  it('takes the repeat count from a kubectl describe event row', () => {
    const line = parseLogLine('Warning  FailedKillPod   43s (x229 over 49m)  kubelet  error killing pod: failed to "KillPodSandbox"', 2);
    assert.equal(line.repeat, 229);
    assert.equal(line.source, 'kubelet');
    assert.equal(line.text, 'FailedKillPod: error killing pod: failed to "KillPodSandbox"');
    assert.equal(line.format, 'event-describe');
  });

  it('counts an event row without (xN over ...) once', () => {
    assert.equal(parseLogLine('  Warning  FailedCreatePodSandBox  5m7s  kubelet  Failed to create pod sandbox', 1).repeat, 1);
  });

  it('removes CRLF, ANSI colour codes and NUL bytes', () => {
    const line = parseLogLine('\x1b[31mE0927 05:47:12.123456 1 a.go:1] \x1b[1mno PodsandBox\x1b[0m found\0\r', 1, { year: 2025 });
    assert.equal(line.text, 'no PodsandBox found');
  });

  it('strips grep -n file prefixes', () => {
    assert.equal(parseLogLine('kubelet.err.log:21143:E0304 22:08:21.207998    4712 kuberuntime_sandbox.go:70] "Failed"', 1, { year: 2022 }).text, '"Failed"');
  });

  it('reads the CRI container log format', () => {
    const line = parseLogLine('2026-11-22T10:59:48.108337059Z stdout F hello from crilab', 1);
    assert.equal(line.text, 'hello from crilab');
    assert.equal(line.timestamp, '2026-11-22T10:59:48.108337059Z');
  });

  it('leaves a line that is not JSON alone even when it starts with a brace', () => {
    const raw = '{service="kubelet"} |= "failed to get network"';
    assert.equal(parseLogLine(raw, 1).text, raw);
  });
});

describe('normaliseQuotes', () => {
  it('turns every level of quote escaping into a plain quote', () => {
    assert.equal(normaliseQuotes('a "b" \\"c\\" \\\\\\"d\\\\\\" \\\\\\\\\\\\\\"e\\\\\\\\\\\\\\"'), 'a "b" "c" "d" "e"');
  });

  it('turns curly quotes into plain ones and keeps other backslashes', () => {
    assert.equal(normaliseQuotes('\u201ccbr0\u201d C:\\path \u2018x\u2019'), '"cbr0" C:\\path \'x\'');
  });

  it('is linear on a long run of backslashes without a quote', () => {
    const text = '\\'.repeat(200_000);
    assert.equal(normaliseQuotes(text), text);
  });
});

describe('parseLogfmt', () => {
  it('reads quoted values with escapes and bare values', () => {
    const fields = parseLogfmt('time="t" level=error msg="a \\"b\\" c" error="x\\\\y" n=5');
    assert.deepEqual([...fields], [['time', 't'], ['level', 'error'], ['msg', 'a "b" c'], ['error', 'x\\y'], ['n', '5']]);
  });

  it('tolerates an unterminated quote', () => {
    assert.equal(parseLogfmt('msg="abc').get('msg'), 'abc');
  });
});

describe('parseLogLine envelopes (issue 11 §1)', () => {
  it('reads journald/syslog dates with localised month names', () => {
    // https://github.com/kubernetes/kubernetes/issues/68885 (French), German and Spanish journald output
    const fr = parseLogLine('sept. 20 16:41:05 erebos kubelet[8665]: E0920 16:41:05.744437    8665 helpers.go:289] x', 1, { year: 2018 });
    assert.deepEqual([fr.timestamp, fr.source, fr.text, fr.format], ['2018-09-20T16:41:05.744437', 'kubelet', 'x', 'klog']);
    assert.equal(parseLogLine('Dez 06 10:00:00 node1 containerd[1]: y', 1, { year: 2024 }).timestamp, '2024-12-06T10:00:00');
    assert.equal(parseLogLine('ene 06 10:00:00 node1 containerd[1]: y', 1, { year: 2024 }).timestamp, '2024-01-06T10:00:00');
    assert.equal(parseLogLine('12月 06 10:00:00 node1 containerd[1]: y', 1, { year: 2024 }).timestamp, '2024-12-06T10:00:00');
  });

  it('reads logrus and crictl/ctr level prefixes (ERRO[…], FATA[…])', () => {
    const fata = parseLogLine('FATA[0000] run pod sandbox: rpc error: code = Unknown desc = x', 1);
    assert.deepEqual([fata.level, fata.format, fata.text], ['fatal', 'logrus', 'run pod sandbox: rpc error: code = Unknown desc = x']);
    assert.equal(parseLogLine('ERRO[2018-06-15 06:57:18.160883152] Error deleting network: y', 1).level, 'error');
  });

  it('reads the host prefix Talos puts before a JSON line', () => {
    const line = parseLogLine('172.20.0.2: {"level":"error","msg":"StopPodSandbox failed","error":"boom"}', 1);
    assert.deepEqual([line.format, line.level, line.text], ['json', 'error', 'StopPodSandbox failed error="boom"']);
    assert.equal(parseLogLine('talos-cp-1: {"level":"warn","msg":"m"}', 1).format, 'json');
  });

  it('drops "(combined from similar events)" and the source column of a describe row', () => {
    const line = parseLogLine('  Warning  FailedCreatePodSandBox  3m50s (x125917 over 39h)  kubelet, node2  (combined from similar events): Failed to create pod sandbox: x', 1);
    assert.deepEqual([line.repeat, line.source, line.text, line.format], [125917, 'kubelet', 'FailedCreatePodSandBox: Failed to create pod sandbox: x', 'event-describe']);
  });

  it('reads kubectl get events rows', () => {
    const line = parseLogLine('5m          Warning   FailedKillPod    pod/web-0    error killing pod: x', 1);
    assert.deepEqual([line.level, line.format], ['warning', 'event-get']);
    assert.match(line.text, /^FailedKillPod: .*error killing pod: x$/);
  });

  it('keeps containerd logfmt whose inner quotes journald printed unescaped, with its level', () => {
    // https://github.com/bottlerocket-os/bottlerocket/issues/359
    const raw = 'time="2019-10-02T23:27:34.439359450Z" level=error msg="StopPodSandbox for "cae59246074a27247c54d43ffd3f68be61121bcc741133b940e7188002e34f60" failed" error="x"';
    const line = parseLogLine(raw, 1);
    assert.equal(line.level, 'error');
    assert.match(line.text, /cae59246074a27247c54d43ffd3f68be61121bcc741133b940e7188002e34f60/);
  });

  it('marks a line journald or a pager cut with ">" and drops the marker', () => {
    const line = parseLogLine('E1029 09:58:07.693205    5738 remote_runtime.go:193] "RunPodSandbox from runtime service failed" err="rpc error: failed to reserve sandbox name \\"a_b_c_0\\": >', 1);
    assert.equal(line.truncated, true);
    assert.ok(!line.text.endsWith('>'));
    assert.equal(parseLogLine('a -> b', 1).truncated, undefined);
  });

  it('reads the OpenShift kubenswrapper journald prefix with fractional seconds', () => {
    const line = parseLogLine('Feb 01 05:37:45.731611 ci-op-master-0 kubenswrapper[2213]: E0201 05:37:45.730879 2213 pod_workers.go:965] "Error syncing pod, skipping"', 1, { year: 2023 });
    assert.deepEqual([line.source, line.format, line.level, line.text], ['kubenswrapper', 'klog', 'error', '"Error syncing pod, skipping"']);
  });
});
