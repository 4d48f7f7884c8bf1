/**
 * The real CLI (dist/cli.js) in a real terminal: a detached tmux session of its own server
 * (-L swb-bench), 200×50 by default, with every byte the CLI writes to its terminal counted
 * through `pipe-pane` into a file. The pane runs node directly, so the pane's pid is the CLI's.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { splitFrames } from './frames.js';
import { sleep } from './stats.js';

const exec = promisify(execFile);
const SERVER = 'swb-bench';
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const OUT_DIR = '/tmp/swantop-bench';

export class BenchSetupError extends Error {
  override name = 'BenchSetupError';
}

async function tmux(...args: string[]): Promise<string> {
  const { stdout } = await exec('tmux', ['-L', SERVER, '-f', '/dev/null', ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

let seq = 0;

export interface CliOptions {
  uri: string;
  columns?: number;
  rows?: number;
  /** Extra CLI flags. */
  args?: string[];
}

/** htop's own settings for the reference, not the machine owner's: HOME points here. */
const HTOP_HOME = `${OUT_DIR}/htop-home`;

export class CliInTmux {
  private constructor(
    readonly session: string,
    readonly pid: number,
    readonly outFile: string,
  ) {}

  static async start(o: CliOptions): Promise<CliInTmux> {
    if (!existsSync(CLI)) throw new BenchSetupError(`${CLI} is missing: run npm run build first`);
    return CliInTmux.run([process.execPath, CLI, '--uri', o.uri, ...(o.args ?? [])], 'node', o);
  }

  /**
   * htop with its default settings, in the same kind of window: the reference for a calm
   * full-screen monitor's CPU and terminal output.
   */
  static async htop(o: { columns?: number; rows?: number } = {}): Promise<CliInTmux> {
    const onPath = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(`${d}/htop`));
    if (!onPath) throw new Error('htop is not installed (the reference): apt-get install htop');
    mkdirSync(HTOP_HOME, { recursive: true });
    return CliInTmux.run(['env', `HOME=${HTOP_HOME}`, 'htop'], 'htop', o);
  }

  private static async run(
    argv: string[],
    command: string,
    o: { columns?: number; rows?: number },
  ): Promise<CliInTmux> {
    mkdirSync(OUT_DIR, { recursive: true });
    const session = `cli${process.pid}-${++seq}`;
    const outFile = `${OUT_DIR}/${session}.out`;
    writeFileSync(outFile, '');
    const columns = o.columns ?? 200;
    const rows = o.rows ?? 50;
    // The program waits on a line from the terminal so that pipe-pane is in place before its
    // first byte: the count then covers everything it ever wrote.
    const script = `read _ && exec "$0" "$@"`;
    await tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      String(columns),
      '-y',
      String(rows),
      'sh',
      '-c',
      script,
      ...argv,
    );
    await tmux('set-option', '-t', session, 'remain-on-exit', 'on');
    await tmux('pipe-pane', '-t', session, '-o', `cat >> ${outFile}`);
    await tmux('send-keys', '-t', session, 'Enter');
    const deadline = Date.now() + 10_000;
    for (;;) {
      const pid = Number(
        (await tmux('display-message', '-p', '-t', session, '#{pane_pid}')).trim(),
      );
      const cmd = (
        await tmux('display-message', '-p', '-t', session, '#{pane_current_command}')
      ).trim();
      if (cmd === command) return new CliInTmux(session, pid, outFile);
      if (Date.now() > deadline)
        throw new BenchSetupError(`${command} did not start in tmux (pane runs "${cmd}")`);
      await sleep(50);
    }
  }

  /** Bytes the CLI wrote to its terminal so far. */
  bytes(): number {
    return statSync(this.outFile).size;
  }

  async screen(): Promise<string> {
    return tmux('capture-pane', '-p', '-t', this.session);
  }

  async keys(...keys: string[]): Promise<void> {
    await tmux('send-keys', '-t', this.session, ...keys);
  }

  async resize(columns: number, rows: number): Promise<void> {
    await tmux('resize-window', '-t', this.session, '-x', String(columns), '-y', String(rows));
  }

  async dead(): Promise<boolean> {
    return (await tmux('display-message', '-p', '-t', this.session, '#{pane_dead}')).trim() === '1';
  }

  /** Waits until the screen matches; throws with the last screen when it does not in time. */
  async waitFor(
    test: (screen: string) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.screen();
      if (test(last)) return last;
      if (await this.dead()) break;
      await sleep(200);
    }
    throw new BenchSetupError(
      `swantop in tmux: ${what} did not happen within ${timeoutMs / 1000} s; last screen:\n${last}`,
    );
  }

  async stop(): Promise<void> {
    try {
      // q quits both swantop and htop.
      if (!(await this.dead())) await this.keys('q');
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && !(await this.dead())) await sleep(100);
    } catch {
      // the session may be gone already
    }
    await tmux('kill-session', '-t', this.session).catch(() => {});
  }
}

/** Ends the bench's own tmux server (every session it started); safe to repeat. */
export async function stopTmuxServer(): Promise<void> {
  await tmux('kill-server').catch(() => {});
}

/** The header's IKE_SA count (the rows the store holds), once a listing is on screen. */
export function shownCount(screen: string): number | undefined {
  const m = /IKE_SAs ([\d,]+)/.exec(screen);
  return m ? Number(m[1]!.replace(/,/g, '')) : undefined;
}

/** Frames in a stretch of the CLI's output (see frames.ts). */
export function frameCount(bytes: Buffer): number {
  return splitFrames(bytes, 50).bytes.length;
}
