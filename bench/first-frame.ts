/**
 * Time from start to the first frame with data, on the bench lab's moon with its 3 SAs: the
 * packaged swantop (the tree `npm run package` puts in the .deb: /usr/bin/swantop, its own
 * Node 24 and the one-file bundle), `node dist/cli.js` on this machine's Node, and htop's time
 * to its first frame as the reference. Each runs in a real pseudo-terminal (util-linux
 * `script`), 120×40; the clock runs from spawn until the terminal has received the frame:
 * for swantop the net-net row as ESTABLISHED, for htop its load average. Target ≤ 300 ms for
 * the package (median of the runs, alternated so load hits all three alike).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildPackage } from '../packaging/build.js';
import type { BenchContext } from './lib/context.js';
import { median, summary } from './lib/stats.js';
import { type BenchRow, row } from './result.js';

const REPO = resolve(import.meta.dirname, '..');
const TIMEOUT_MS = 10_000;
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]/g;

/** ms from spawn until the pseudo-terminal has shown output matching `frame`. */
function timeToFrame(command: string, frame: RegExp, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(
      'script',
      ['-qfec', `stty cols 120 rows 40; exec ${command}`, '/dev/null'],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
        env,
        detached: true,
      },
    );
    let seen = '';
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      stop();
      fail(new Error(`${command}: no frame matching ${frame} within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8').replace(ANSI, ' ');
      if (frame.test(seen)) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        clearTimeout(timer);
        stop();
        done(ms);
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
  });
}

export async function runFirstFrame(ctx: BenchContext): Promise<BenchRow[]> {
  const lab = await ctx.lab.ensure(0);
  const work = mkdtempSync(join(tmpdir(), 'swantop-bench-package-'));
  try {
    ctx.log('first-frame: building the package tree (npm run package -- --fast --no-sea)');
    const built = await buildPackage({ out: work, sea: false, fast: true, log: () => {} });
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TERM: 'xterm-256color',
      LANG: 'C.UTF-8',
    };
    const uri = lab.uris.moon;
    const swantopFrame = /net-net\s+\[?\d+\]?\s+ESTABLISHED/;
    const forms = {
      package: `${join(built.tree, 'bin', 'swantop')} --uri ${uri}`,
      dist: `${process.execPath} ${join(REPO, 'dist', 'cli.js')} --uri ${uri}`,
      htop: 'htop',
    };
    const times: Record<keyof typeof forms, number[]> = { package: [], dist: [], htop: [] };
    const runs = ctx.quick ? 5 : 15;
    // One unmeasured run each: the page cache, not the first start after a build, is a gateway's case.
    await timeToFrame(forms.package, swantopFrame, env);
    await timeToFrame(forms.dist, swantopFrame, env);
    await timeToFrame(forms.htop, /Load average:\s*[\d.]+/, env);
    for (let i = 0; i < runs; i++) {
      times.package.push(await timeToFrame(forms.package, swantopFrame, env));
      times.dist.push(await timeToFrame(forms.dist, swantopFrame, env));
      times.htop.push(await timeToFrame(forms.htop, /Load average:\s*[\d.]+/, env));
    }
    for (const [k, v] of Object.entries(times)) ctx.log(`first-frame ${k}: ${summary(v)} ms`);
    const htop = median(times.htop);
    const installedMiB =
      [
        join(built.tree, 'lib', 'swantop', 'node'),
        join(built.tree, 'lib', 'swantop', 'swantop.mjs'),
      ]
        .map((p) => statSync(p).size)
        .reduce((a, b) => a + b, 0) /
      2 ** 20;
    return [
      row({
        bench: 'first-frame',
        name: 'start to first frame with data, installed package (3 SAs), vs htop',
        value: median(times.package),
        unit: 'ms',
        reference: htop,
        target: 300,
        bounds: 'value',
        note: `Node ${built.node} + one-file bundle (${installedMiB.toFixed(0)} MiB); reference: htop's first frame`,
        limit:
          'Node start-up and parsing the 1.4 MiB bundle (packaging/bundle.ts), then the first listing (monitor/) before Ink draws',
      }),
      row({
        bench: 'first-frame',
        name: 'start to first frame with data, node dist/cli.js (3 SAs), vs htop',
        value: median(times.dist),
        unit: 'ms',
        reference: htop,
        target: null,
        bounds: 'value',
        note: `Node ${process.version} with dist/ and node_modules; context for the package figure`,
      }),
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
