/**
 * `npm run bench [-- --only a,b] [--sizes 1000,5000] [--quick]`: every benchmark, each figure
 * beside a reference measured in the same run. Prints a table and writes bench/results.json.
 * The bench lab (prefix swb, /run/swantop-bench-lab) and the bench's tmux server are stopped
 * at the end, on Ctrl-C and on failure.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runCodecBench } from './codec.js';
import { runCpu } from './cpu.js';
import { runDaemonCost } from './daemon-cost.js';
import { runExporterBench } from './exporter.js';
import { runFirstFrame } from './first-frame.js';
import { runFreshness } from './freshness.js';
import { runFuzz } from './fuzz.js';
import type { BenchContext } from './lib/context.js';
import { BenchLab } from './lib/lab.js';
import { releaseBenchLock, takeBenchLock } from './lib/lock.js';
import { stopTmuxServer } from './lib/tmux.js';
import { runMemory } from './memory.js';
import { runOutput } from './output.js';
import { runRender } from './render.js';
import { runRenderers } from './renderers.js';
import { markdown, type ResultsFile } from './report.js';
import { type BenchRow, describeTarget, fmt, fromResult, verdict } from './result.js';
import { runRowsBench } from './rows.js';
import { runVpnImpact } from './vpn-impact.js';

const ALL = [
  'codec',
  'fuzz',
  'render',
  'renderers',
  'freshness',
  'daemon-cost',
  'vpn-impact',
  'cpu',
  'output',
  'memory',
  'exporter',
  'rows',
  'first-frame',
] as const;
type BenchName = (typeof ALL)[number];

class UsageError extends Error {}

interface Options {
  only: BenchName[];
  sizes: number[];
  quick: boolean;
  out: string;
}

function parse(argv: string[]): Options {
  const o: Options = {
    only: [...ALL],
    sizes: [1000, 5000],
    quick: false,
    out: fileURLToPath(new URL('./results.json', import.meta.url)),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--quick') o.quick = true;
    else if (flag === '--only') {
      const names = value().split(',').filter(Boolean);
      for (const n of names) {
        if (!(ALL as readonly string[]).includes(n))
          throw new UsageError(`unknown benchmark "${n}" (known: ${ALL.join(', ')})`);
      }
      o.only = names as BenchName[];
    } else if (flag === '--sizes') {
      o.sizes = value()
        .split(',')
        .map((s) => {
          if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 20_000)
            throw new UsageError(`--sizes wants client counts from 1 to 20000, not "${s}"`);
          return Number(s);
        })
        .sort((a, b) => a - b);
    } else if (flag === '--out') o.out = value();
    else
      throw new UsageError(
        `unknown argument "${argv[i]}" (known: --only a,b --sizes 1000,5000 --quick --out FILE)`,
      );
  }
  return o;
}

function printRows(rows: BenchRow[]): void {
  for (const r of rows) {
    console.log(
      `${verdict(r).padEnd(4)} ${r.name}: ${fmt(r.value)} ${r.unit} vs ${fmt(r.reference)} ${r.unit} = ${fmt(r.ratio)}× (target ${describeTarget(r)})`,
    );
    if (r.note && r.met === false) console.log(`     ${r.note}`);
  }
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const lab = new BenchLab(log);
  const ctx: BenchContext = { quick: o.quick, log, lab };
  let cleaning: Promise<void> | undefined;
  let locked = false;
  const cleanup = () => {
    cleaning ??= (async () => {
      // Without the lock the lab and the tmux server are another run's.
      if (!locked) return;
      await stopTmuxServer();
      await lab
        .stop()
        .catch((e: Error) => console.error(`bench: stopping the lab failed: ${e.message}`));
      await releaseBenchLock();
    })();
    return cleaning;
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // `on`, not `once`: a Ctrl-C reaches us twice (from the terminal and relayed by tsx), and
    // a second signal must not kill the process before the lab is down.
    process.on(sig, () => {
      if (cleaning) return;
      console.error(`\nbench: ${sig}: stopping the bench lab and tmux server`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  const results: BenchRow[] = [];
  const failures: string[] = [];
  const add = (rows: BenchRow[]) => {
    printRows(rows);
    results.push(...rows);
  };
  const attempt = async (what: string, f: () => Promise<BenchRow[]>) => {
    try {
      add(await f());
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      failures.push(`${what}: ${msg}`);
      console.error(`bench: ${what} failed: ${msg}`);
      if (process.env.SWANTOP_DEBUG && err instanceof Error) console.error(err.stack);
    }
  };
  const want = (n: BenchName) => o.only.includes(n);
  try {
    await takeBenchLock(log);
    locked = true;
    if (want('codec'))
      await attempt('codec', async () =>
        (await runCodecBench()).map((r) => fromResult('codec', r)),
      );
    if (want('fuzz'))
      await attempt('fuzz', async () =>
        (await runFuzz(o.quick ? 100_000 : 1_000_000)).map((r) => fromResult('fuzz', r)),
      );
    if (want('render')) await attempt('render', () => runRender(ctx));
    if (want('renderers')) await attempt('renderers', () => runRenderers(ctx));
    if (want('memory')) await attempt('memory', () => runMemory(ctx));
    if (want('rows')) await attempt('rows', () => runRowsBench(ctx));
    if (want('first-frame')) await attempt('first-frame', () => runFirstFrame(ctx));
    const smallest = o.sizes[0]!;
    for (const size of o.sizes) {
      if (want('freshness')) await attempt(`freshness @${size}`, () => runFreshness(ctx, size));
      if (want('daemon-cost'))
        await attempt(`daemon-cost @${size}`, () => runDaemonCost(ctx, size));
      if (want('vpn-impact')) await attempt(`vpn-impact @${size}`, () => runVpnImpact(ctx, size));
      if (want('exporter')) await attempt(`exporter @${size}`, () => runExporterBench(ctx, size));
      if (size === smallest) {
        if (want('cpu')) await attempt(`cpu @${size}`, () => runCpu(ctx, size));
        if (want('output')) await attempt(`output @${size}`, () => runOutput(ctx, size));
      }
    }
  } finally {
    await cleanup();
  }

  const file: ResultsFile = {
    startedAt,
    finishedAt: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    quick: o.quick,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)} at the end`,
    results,
  };
  writeFileSync(o.out, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`\n${markdown(file)}\n`);
  console.log(`wrote ${o.out}`);
  if (failures.length > 0) {
    console.error(
      `\nbench: ${failures.length} benchmark(s) could not run:\n  ${failures.join('\n  ')}`,
    );
    process.exitCode = 1;
  } else if (results.some((r) => r.met === false)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`bench: ${err.message}`);
    process.exit(2);
  }
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
