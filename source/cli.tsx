#!/usr/bin/env node
import os from 'node:os';
import v8 from 'node:v8';
import meow from 'meow';
import { checkRepeats, parseArgs, UsageError } from './args.js';
import { helpText } from './help.js';
import { firstLine } from './monitor/first-line.js';
import { printOnce } from './once.js';
import { bundledPackage } from './package-info.js';

function readFlags() {
  try {
    checkRepeats(process.argv.slice(2));
    return meowFlags();
  } catch (err) {
    // meow's own complaints (a flag's value missing, say) are bad input too: one line, 2.
    fail(err instanceof Error ? err.message : String(err), 2);
  }
}

const meowFlags = () =>
  meow(helpText(), {
    importMeta: import.meta,
    ...bundledPackage(),
    allowUnknownFlags: true,
    flags: {
      uri: { type: 'string' },
      interval: { type: 'string' },
      readOnly: { type: 'boolean', default: false },
      color: { type: 'boolean', default: true },
      once: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      exporter: { type: 'string' },
      exporterSaInfo: { type: 'boolean', default: false },
    },
  });

const cli = readFlags();

/**
 * The terminal is gone (the SSH session dropped, the window closed): end as a hangup does, by
 * the signal itself. process.exit() would run Node's own restore of the terminal's settings
 * on the way out, which cannot succeed on a vanished terminal and ends in a native crash.
 */
function hangUp(): never {
  process.removeAllListeners('SIGHUP');
  process.kill(process.pid, 'SIGHUP');
  // Should the signal be ignored (nohup), leave without touching the terminal at all.
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

function fail(message: string, code: number): never {
  process.stderr.write(`swantop: ${message}\n`);
  process.exit(code);
}

/**
 * A monitor that runs for weeks beside the daemon should hold what it uses, not what V8 would
 * like to grow into: by default V8 lets the heap reach several times what is live after each
 * full collection (a full listing of 10,000 SAs left the CLI at 160–290 MB RSS for ~65 MB
 * live). --optimize-for-size grows it conservatively (RSS −15 % at 10,000 SAs, bench/memory.ts).
 * It is read at each collection, so setting it here works for every way swantop is started
 * (npm's bin, the .deb's launcher, the single executable), which a shebang flag would not.
 */
function holdMemoryClose(): void {
  v8.setFlagsFromString('--optimize-for-size');
}

async function main(): Promise<void> {
  holdMemoryClose();
  // `swantop --once | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    if (process.stdout.isTTY) hangUp();
    fail(err.message, 1);
  });
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2), cli.flags, cli.input, process.env);
  } catch (err) {
    if (err instanceof UsageError) fail(err.message, 2);
    throw err;
  }

  if (args.once) {
    process.exitCode = await printOnce(args, process.stdout, process.stderr);
    return;
  }

  if (args.exporter) {
    const { runExporter } = await import('./exporter/run.js');
    process.exit(
      await runExporter({
        uri: args.uri,
        listen: args.exporter,
        intervalMs: args.intervalMs,
        saInfo: args.exporterSaInfo,
      }),
    );
  }

  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    fail('the monitor needs a terminal; use --once (and --json) in scripts and pipes', 2);
  }

  // React picks its build from NODE_ENV when first imported: the development build checks
  // and warns on every render and costs several times the CPU per frame.
  process.env.NODE_ENV ??= 'production';
  const [{ createMonitor }, { runApp }] = await Promise.all([
    import('./monitor/monitor.js'),
    import('./ui/app.js'),
  ]);
  const monitor = createMonitor({
    uri: args.uri,
    intervalMs: args.intervalMs,
    readOnly: args.readOnly,
    host: os.hostname(),
  });
  monitor.start();
  let ended: Awaited<ReturnType<typeof runApp>>;
  try {
    ended = await runApp(monitor, { noColor: args.noColor });
  } finally {
    await Promise.race([monitor.stop(), new Promise((r) => setTimeout(r, 1000))]);
  }
  if (ended.reason === 'signal' && ended.signal === 'SIGHUP') hangUp();
  process.exit(0);
}

main().catch((err: unknown) => {
  // Never a stack trace for a user: one line, and the details only when asked for.
  if (process.env.SWANTOP_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  fail(firstLine(err), 1);
});
