import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { LogDiagnoser } from '../core/diagnosis/logDiagnoser';
import { describeObject, fixCommandsFor } from '../core/diagnosis/explain';
import type { DiagnosisReport, LogFinding } from '../core/diagnosis/types';
import { describeError, NodeDoctorError } from '../core/errors';
import { runCli } from './cliFrame';
import { formatBytes } from '../core/model/bytes';

const HELP = `usage: kube-node-doctor diagnose [FILE|-] [--json]

Scans a kubelet/containerd log (klog, journald/syslog, containerd logfmt, JSON logging,
kubectl describe events) for known node and runtime problems and groups repeated lines
into one finding per object. Reads stdin when FILE is "-" or omitted.

  --json   print one JSON document: {"findings":[...],"linesScanned":N,"bytesScanned":N}

Exit status: 0 when the log was scanned (with or without findings), 2 on bad usage,
unreadable input (a directory, a missing file) or unwritable output (a full disk), 130
when interrupted (Ctrl-C). Binary data does not stop the scan: NUL bytes are ignored and
a note is printed on stderr. A reader that goes away (| head) ends the output quietly.
`;

interface DiagnoseArgs {
  readonly input: string;
  readonly json: boolean;
}

function parseArgs(args: readonly string[]): DiagnoseArgs | 'help' {
  let input: string | undefined;
  let json = false;
  for (const arg of args) {
    if (arg === '--help' || arg === '-h') {
      return 'help';
    }
    if (arg === '--json') {
      json = true;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new NodeDoctorError('bad-input', `unknown option "${arg}"`, { hint: 'Run "kube-node-doctor diagnose --help".' });
    } else if (input === undefined) {
      input = arg;
    } else {
      throw new NodeDoctorError('bad-input', `unexpected argument "${arg}": diagnose reads one FILE (or "-" for stdin)`);
    }
  }
  return { input: input ?? '-', json };
}

function ioReason(error: unknown, file: string): NodeDoctorError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why = code === 'ENOENT' ? 'no such file'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'EISDIR' ? 'is a directory'
        : describeError(error);
  return new NodeDoctorError(code === 'EACCES' || code === 'EPERM' ? 'forbidden' : 'bad-input', `cannot read ${file}: ${why}`, { cause: error });
}

/** What is on stdin: a readable stream, or the reason it cannot be read (a directory, a terminal). */
function stdinInput(): Readable {
  if (process.stdin.isTTY) {
    throw new NodeDoctorError('bad-input', 'no input: pass a log FILE, or pipe a log into stdin', { hint: 'kube-node-doctor diagnose kubelet.log' });
  }
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(0);
  } catch (error) {
    throw ioReason(error, 'stdin');
  }
  // Node reads a directory on stdin as an empty stream: say what it is instead of reporting "0 lines".
  if (stat.isDirectory()) {
    throw new NodeDoctorError('bad-input', 'cannot read stdin: is a directory');
  }
  return process.stdin;
}

/**
 * Frees the thread-pool thread that waits on a FIFO: its open() waits for a writer and its read() for data, and Node
 * cannot exit (it joins those threads) until they return. Opening the write end without blocking completes a pending
 * open; one newline completes a pending read. Nothing is read after that: the stream is already destroyed.
 */
function releaseFifo(file: string): void {
  try {
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    try {
      fs.writeSync(fd, '\n');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // ENXIO: no reader waits on it (our open already failed or ended); nothing to release.
  }
}

/**
 * A regular file is read into one reused 1 MiB buffer (the diagnoser copies what it keeps): no garbage per chunk, so
 * memory stays flat whatever the file's size. Ctrl-C is seen between reads, which a regular file never blocks.
 */
async function scanFile(file: string, diagnoser: LogDiagnoser, signal: AbortSignal): Promise<void> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    throw ioReason(error, file);
  }
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      if (signal.aborted) {
        throw new NodeDoctorError('cancelled', 'cancelled (interrupted)');
      }
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buf, 0, buf.length, null));
      } catch (error) {
        throw ioReason(error, file);
      }
      if (bytesRead === 0) {
        return;
      }
      diagnoser.pushChunk(buf.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

async function scan(input: string, diagnoser: LogDiagnoser, signal: AbortSignal): Promise<void> {
  let stream: Readable;
  let fifo = false;
  if (input === '-') {
    stream = stdinInput();
  } else {
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(input);
    } catch (error) {
      throw ioReason(error, input);
    }
    if (stat.isDirectory()) {
      throw new NodeDoctorError('bad-input', `cannot read ${input}: is a directory`);
    }
    if (stat.isFile()) {
      return scanFile(input, diagnoser, signal);
    }
    fifo = stat.isFIFO();
    stream = fs.createReadStream(input, { highWaterMark: 1024 * 1024 });
  }
  // Ctrl-C ends the scan at once. Destroying the stream is not enough on its own: a FIFO with no writer keeps its open()
  // pending in libuv's thread pool, and a stream that never opened never reports its end. So the scan races the abort,
  // and a FIFO's pending call is released.
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = (): void => {
      stream.destroy();
      if (fifo) {
        releaseFifo(input);
      }
      reject(new NodeDoctorError('cancelled', 'cancelled (interrupted)'));
    };
  });
  aborted.catch(() => undefined);
  const read = async (): Promise<void> => {
    try {
      for await (const chunk of stream) {
        diagnoser.pushChunk(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      }
    } catch (error) {
      if (!signal.aborted) {
        throw ioReason(error, input === '-' ? 'stdin' : input);
      }
    }
  };
  if (signal.aborted) {
    onAbort();
  }
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([read(), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** The `--json` shape: exactly these fields, in this order, optional ones only when known. */
function findingJson(f: LogFinding): Record<string, unknown> {
  const out: Record<string, unknown> = { category: f.category, rule: f.rule, severity: f.severity, title: f.title, count: f.count, lines: f.lines };
  for (const key of ['sandboxId', 'containerId', 'podUid', 'network', 'method', 'firstSeen', 'lastSeen'] as const) {
    if (f[key] !== undefined) {
      out[key] = f[key];
    }
  }
  return out;
}

/** `1,234,567`: digit grouping without Intl, whose first use costs ~10 ms of ICU start-up on every run. */
function n(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function formatLines(f: LogFinding): string {
  const shown = f.lines.slice(0, 8).join(', ');
  return f.lines.length > 8 || f.lines.length < f.count ? `${shown}, …` : shown;
}

/** The human-readable report. */
/** The text report, one piece per finding, so that a report of 10,000 findings is written without building it whole. */
export function* reportPieces(report: DiagnosisReport): Generator<string> {
  const { findings } = report;
  const scanned = `${n(report.linesScanned)} line${report.linesScanned === 1 ? '' : 's'} (${formatBytes(report.bytesScanned)})`;
  if (findings.length === 0) {
    yield `No known node or runtime problem found in ${scanned}.\n`;
    return;
  }
  yield `${n(findings.length)} finding${findings.length === 1 ? '' : 's'} in ${scanned}:\n\n`;
  for (const [i, f] of findings.entries()) {
    const out: string[] = [];
    out.push(`${i + 1}. [${f.severity}] ${f.title}  (${f.category}, rule ${f.rule})`);
    out.push(`   object: ${describeObject(f)}`);
    if (f.reason !== undefined && !describeObject(f).includes(f.reason)) {
      out.push(`   reason: ${f.reason}`);
    }
    out.push(`   seen:   ${n(f.count)} time${f.count === 1 ? '' : 's'}, line${f.lines.length === 1 ? '' : 's'} ${formatLines(f)}`);
    if (f.firstSeen !== undefined) {
      out.push(`   when:   ${f.firstSeen}${f.lastSeen !== undefined && f.lastSeen !== f.firstSeen ? ` .. ${f.lastSeen}` : ''}`);
    }
    const commands = fixCommandsFor(f);
    if (commands.length > 0) {
      out.push('   fix:');
      for (const command of commands) {
        out.push(`     ${command}`);
      }
    }
    yield `${out.join('\n')}\n\n`;
  }
  yield 'Explanations and references: kube-node-doctor rules --markdown\n';
}

export async function diagnoseCommand(args: readonly string[]): Promise<number> {
  return runCli('diagnose', HELP, args, parseArgs, async (parsed, signal) => {
    const diagnoser = new LogDiagnoser();
    await scan(parsed.input, diagnoser, signal);
    const report = diagnoser.finish();
    const stats = diagnoser.stats();
    if (parsed.json) {
      process.stdout.write(`${JSON.stringify({ findings: report.findings.map(findingJson), linesScanned: report.linesScanned, bytesScanned: report.bytesScanned })}\n`);
    } else {
      // stdout to a file, a terminal or a pipe is written synchronously on Linux: each piece is out before the next is built.
      for (const piece of reportPieces(report)) {
        process.stdout.write(piece);
      }
    }
    if (stats.binaryLines > 0) {
      process.stderr.write(`kube-node-doctor: note: ${n(stats.binaryLines)} line${stats.binaryLines === 1 ? '' : 's'} contained NUL bytes (binary data); they were scanned with the NUL bytes ignored.\n`);
    }
    if (stats.longLines > 0) {
      process.stderr.write(`kube-node-doctor: note: ${n(stats.longLines)} long line${stats.longLines === 1 ? '' : 's'} (over 64 KiB) scanned over the first 64 KiB only.\n`);
    }
    if (stats.droppedFindings > 0) {
      process.stderr.write(`kube-node-doctor: note: more than 10,000 distinct findings; ${n(stats.droppedFindings)} further lines about new objects were not grouped.\n`);
    }
    return 0;
  });
}
