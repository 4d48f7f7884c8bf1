/**
 * The renderer candidates of issue 8, side by side in one run: swantop's real App and store at
 * 1,003 IKE_SAs (the scripted daemon), a 200×50 fake terminal, one visible CHILD_SA rekeyed per
 * second, each candidate in a child process of its own for the same window (renderer-child.mjs):
 *  (a) Ink 6.8's render() with the options runApp used before (incremental, 20 fps);
 *  (b) `@jrichman/ink` 7.1.0 as a drop-in (`ink` and `react` resolved from its install);
 *  (c) Ink 8.0.0 as a drop-in, under a Node 22 binary (it needs Node ≥ 22);
 *  (d) the screen host (source/ui/host: Ink 6.8's reconciler and layout, our line writer).
 * (b) and (c) need packages the project does not depend on: `bash bench/candidates.sh DIR` installs
 * them with npm into DIR, and SWANTOP_BENCH_CANDIDATES=DIR makes this bench measure them too;
 * without it the rows of (a) and (d) are measured and the others say they were not.
 * The figures are CPU of the whole process (store and listings included, the same for all),
 * bytes written and writes per second. No target: the targets are on the real CLI (cpu, output).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchContext, windowS } from './lib/context.js';
import { workPath } from './lib/paths.js';
import { ScriptedDaemon } from './lib/scripted-daemon.js';
import { sleep } from './lib/stats.js';
import { type BenchRow, row } from './result.js';

const SAS = 1003;
const REPO = fileURLToPath(new URL('..', import.meta.url));
const CHILD = fileURLToPath(new URL('./lib/renderer-child.mjs', import.meta.url));

interface Candidate {
  id: string;
  name: string;
  mode: 'ink' | 'host';
  node: string;
  /** The candidate Ink's entry file and the directory its react is resolved from. */
  ink?: { entry: string; base: string };
  missing?: string;
}

function candidates(): Candidate[] {
  const dir = process.env.SWANTOP_BENCH_CANDIDATES;
  const drop = (id: string, name: string, pkg: string, sub: string, node = process.execPath) => {
    const base = dir ? join(dir, sub) : '';
    if (!dir || !existsSync(join(base, 'node_modules', pkg)) || !existsSync(node)) {
      return {
        id,
        name,
        mode: 'ink' as const,
        node,
        missing: 'not installed (bash bench/candidates.sh DIR; SWANTOP_BENCH_CANDIDATES=DIR)',
      };
    }
    const entry = createRequire(join(base, 'package.json')).resolve(pkg);
    return { id, name, mode: 'ink' as const, node, ink: { entry, base: `${base}/` } };
  };
  return [
    { id: 'a', name: 'Ink 6.8 render()', mode: 'ink', node: process.execPath },
    drop('b', '@jrichman/ink 7.1.0', '@jrichman/ink', 'jrichman'),
    drop('c', 'Ink 8.0.0 on Node 22', 'ink', 'ink8', join(dir ?? '', 'node22/bin/node')),
    {
      id: 'd',
      name: 'screen host (Ink 6.8 reconciler + line writer)',
      mode: 'host',
      node: process.execPath,
    },
  ];
}

interface ChildResult {
  cpuPct: number;
  bytesPerS: number;
  writesPerS: number;
  node: string;
}

async function measure(
  c: Candidate,
  daemon: ScriptedDaemon,
  seconds: number,
): Promise<ChildResult> {
  const args = [CHILD, c.mode, REPO, daemon.socketPath, String(seconds)];
  if (c.ink) args.push(c.ink.entry, c.ink.base);
  const env: NodeJS.ProcessEnv = { ...process.env, SWB_SAS: String(SAS), NODE_ENV: 'production' };
  // Ink's render() draws nothing until exit under CI; the candidates get a terminal's env.
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  const child = spawn(c.node, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  let rekeying = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (!rekeying && out.includes('READY\n')) {
      rekeying = true;
      void (async () => {
        // One visible row changes per second: the first IKE_SAs by id are on screen.
        for (let s = 0; s < seconds && child.exitCode === null; s++) {
          daemon.rekeyChild(1 + (s % 20));
          await sleep(1000);
        }
      })();
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const last = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !last.startsWith('{'))
    throw new Error(`${c.name}: exit ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(last) as ChildResult;
}

export async function runRenderers(ctx: BenchContext): Promise<BenchRow[]> {
  const W = windowS(ctx, 60, 15);
  const daemon = new ScriptedDaemon(workPath(`renderers-${process.pid}.vici`), SAS);
  await daemon.listen();
  const results = new Map<string, ChildResult>();
  const list = candidates();
  try {
    for (const c of list) {
      if (c.missing) {
        ctx.log(`renderers: (${c.id}) ${c.name}: ${c.missing}`);
        continue;
      }
      ctx.log(`renderers: (${c.id}) ${c.name}, ${W} s at ${SAS} SAs`);
      const r = await measure(c, daemon, W);
      results.set(c.id, r);
      ctx.log(
        `  ${r.cpuPct.toFixed(2)} % of a core, ${r.bytesPerS.toFixed(0)} B/s, ${r.writesPerS.toFixed(1)} writes/s (Node ${r.node})`,
      );
    }
  } finally {
    await daemon.close();
  }
  const ref = results.get('a');
  const rows: BenchRow[] = [];
  for (const c of list) {
    const r = results.get(c.id);
    if (!r) continue;
    const common = { bench: 'renderers', target: null, bounds: 'value' as const };
    rows.push(
      row({
        ...common,
        name: `renderer (${c.id}) ${c.name} @${SAS} SAs, one row changing per second: CPU (${W} s)`,
        value: r.cpuPct,
        unit: '% of a core',
        reference: ref?.cpuPct ?? Number.NaN,
        note: `reference: (a) Ink 6.8 render() in the same run; Node ${r.node}; whole process (store included)`,
      }),
      row({
        ...common,
        name: `renderer (${c.id}) ${c.name} @${SAS} SAs, one row changing per second: output`,
        value: r.bytesPerS,
        unit: 'B/s',
        reference: ref?.bytesPerS ?? Number.NaN,
        note: `reference: (a) Ink 6.8 render() in the same run; ${r.writesPerS.toFixed(1)} writes/s`,
      }),
    );
  }
  return rows;
}
