/*
 * A small tmux driver for the end-to-end tests: the real binary in a real terminal, driven by
 * keys and read back from the screen, as a person would. Every session lives on a tmux server
 * of our own (-L swantop-e2e) under a unique name, so nobody else's tmux is ever touched.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { childSas, type OracleIkeSa, oracleListSas } from '../../lab/lab.js';

const exec = promisify(execFile);

export const TMUX_SOCKET = 'swantop-e2e';

let counter = 0;

export class TmuxError extends Error {
  override name = 'TmuxError';
}

async function tmux(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await exec('tmux', ['-L', TMUX_SOCKET, ...args], {
      timeout: 10_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new TmuxError('tmux is not installed (apt-get install tmux)');
    throw new TmuxError(`tmux ${args[0]} failed: ${(err.stderr || err.message).trim()}`);
  }
}

async function retryWhileServerExits<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e) {
      if (attempt >= 5 || !/server exited unexpectedly/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

/** Quotes one word for sh (tmux runs a session's command through the shell). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface StartOptions {
  /** The command's words (quoted for the shell here). */
  command: readonly string[];
  width: number;
  height: number;
  /**
   * The environment the command sees, and nothing else: a person's terminal, not the test
   * runner's (CI=true there would, for one, make Ink draw nothing until exit). TERM is the
   * one tmux gives the pane.
   */
  env?: Record<string, string>;
  cwd?: string;
  /** A hint that makes the session name readable in a failure message. */
  name?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The least time between two key presses: a fast typist's, about 12 keys a second. */
export const KEY_GAP_MS = 80;

/** One tmux session with one pane running one command; the pane stays after the command exits. */
export class TmuxSession {
  private constructor(readonly name: string) {}

  static async start(o: StartOptions): Promise<TmuxSession> {
    const name = `e2e-${process.pid}-${++counter}${o.name ? `-${o.name.replace(/[^a-z0-9-]/gi, '')}` : ''}`;
    const env = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      LANG: 'C.UTF-8',
      ...o.env,
    };
    const envWords = Object.entries(env).map(([k, v]) => shellQuote(`${k}=${v}`));
    // `env -i` so the command sees only what a terminal session would; TERM is the pane's own.
    const commandLine = `exec env -i TERM="$TERM" ${envWords.join(' ')} ${o.command.map(shellQuote).join(' ')}`;
    // One tmux invocation: the pane is marked to remain before its command can possibly exit.
    // The server exits when the previous test kills its last session; a start that reaches it
    // while it is going fails with "server exited unexpectedly" and nothing was created, so
    // it is tried again once that server has gone (seen in CI between two e2e files).
    await retryWhileServerExits(() =>
      tmux([
        'start-server',
        ';',
        'set-option',
        '-g',
        'remain-on-exit',
        'on',
        ';',
        'set-option',
        '-g',
        'history-limit',
        '2000',
        ';',
        'new-session',
        '-d',
        '-s',
        name,
        '-x',
        String(o.width),
        '-y',
        String(o.height),
        ...(o.cwd ? ['-c', o.cwd] : []),
        commandLine,
      ]),
    );
    return new TmuxSession(name);
  }

  private get target(): string {
    return `${this.name}:0.0`;
  }

  /** Keys by tmux name ("q", "Enter", "Escape", "Up", "C-c"); each one is a separate key press. */
  async keys(...keys: string[]): Promise<void> {
    for (const k of keys) await this.press(['send-keys', '-t', this.target, k]);
  }

  private lastPress = 0;

  /**
   * Sends one key press no sooner than KEY_GAP_MS after the previous one, as a person would:
   * two presses a few ms apart can reach the program in one read (see burst()), and a test
   * of one key must not turn into a test of that.
   */
  private async press(args: string[]): Promise<void> {
    const wait = this.lastPress + KEY_GAP_MS - Date.now();
    if (wait > 0) await sleep(wait);
    await tmux(args);
    this.lastPress = Date.now();
  }

  /**
   * Sends text in one write to the terminal, as fast typing, a paste or key repeat does: the
   * program may read it as one chunk.
   */
  async burst(text: string): Promise<void> {
    await this.press(['send-keys', '-t', this.target, '-l', text]);
  }

  /**
   * Pastes text as tmux's paste-buffer does: in one write, and wrapped in the bracketed-paste
   * markers when `bracketed` and the program asked for them (as a terminal's paste does).
   * Without `bracketed` it is a terminal that knows no bracketed paste.
   */
  async paste(text: string, o: { bracketed: boolean }): Promise<void> {
    const buffer = `${this.name}-paste`;
    await tmux(['set-buffer', '-b', buffer, text]);
    await this.press([
      'paste-buffer',
      '-d',
      '-b',
      buffer,
      ...(o.bracketed ? ['-p'] : []),
      '-t',
      this.target,
    ]);
  }

  /** Types text literally, one character at a time, like a person. */
  async type(text: string): Promise<void> {
    for (const ch of text) await this.press(['send-keys', '-t', this.target, '-l', ch]);
  }

  /** The visible screen as plain text, one line per row, trailing blanks trimmed per line. */
  async capture(): Promise<string> {
    const out = await tmux(['capture-pane', '-p', '-t', this.target]);
    return out.replace(/\n$/, '');
  }

  /** The visible screen with its colours and attributes as SGR escape sequences (capture -e). */
  async captureEscaped(): Promise<string> {
    const out = await tmux(['capture-pane', '-p', '-e', '-t', this.target]);
    return out.replace(/\n$/, '');
  }

  /** A tmux format evaluated for this pane, e.g. "#{alternate_on}". */
  async display(format: string): Promise<string> {
    return (await tmux(['display-message', '-p', '-t', this.target, format])).trim();
  }

  async alternateScreen(): Promise<boolean> {
    return (await this.display('#{alternate_on}')) === '1';
  }

  async cursorVisible(): Promise<boolean> {
    return (await this.display('#{cursor_flag}')) === '1';
  }

  async dead(): Promise<boolean> {
    return (await this.display('#{pane_dead}')) === '1';
  }

  async resize(width: number, height: number): Promise<void> {
    await tmux(['resize-window', '-t', this.name, '-x', String(width), '-y', String(height)]);
  }

  /**
   * Polls the screen until `check` returns something other than undefined/false, and returns
   * that. On timeout it fails naming `what`, with the last screen in the message.
   */
  async waitFor<T>(
    what: string,
    check: (screen: string) => T | undefined | false,
    o: { timeoutMs?: number; escaped?: boolean; intervalMs?: number } = {},
  ): Promise<T> {
    const deadline = Date.now() + (o.timeoutMs ?? 15_000);
    let last = '';
    for (;;) {
      last = o.escaped ? await this.captureEscaped() : await this.capture();
      const r = check(last);
      if (r !== undefined && r !== false) return r;
      if (Date.now() > deadline) {
        // An escaped screen is shown as text, reverse-video rows marked ▶ (the selection).
        const shown = o.escaped
          ? styledLines(last)
              .map((l) => `${l.reverse ? '▶' : ' '}${l.text}`)
              .join('\n')
          : last;
        throw new TmuxError(
          `timed out after ${o.timeoutMs ?? 15_000} ms waiting for ${what}; the last screen (${this.name}):\n${frame(shown)}`,
        );
      }
      await sleep(o.intervalMs ?? 100);
    }
  }

  /** Waits until the screen shows `text` (a substring, or a pattern). */
  async waitForText(text: string | RegExp, timeoutMs?: number): Promise<string> {
    const has = (s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s));
    return this.waitFor(`the screen to show ${String(text)}`, (s) => has(s) && s, { timeoutMs });
  }

  /** Waits for the pane's command to exit; fails with the last screen if it does not. */
  async waitDead(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.dead())) {
      if (Date.now() > deadline) {
        throw new TmuxError(
          `the command in ${this.name} did not exit within ${timeoutMs} ms; the last screen:\n${frame(await this.capture())}`,
        );
      }
      await sleep(100);
    }
  }

  async kill(): Promise<void> {
    await tmux(['kill-session', '-t', this.name]).catch(() => {});
  }
}

/** A screen framed for an error message, so its edges (and blank rows) can be seen. */
export function frame(screen: string): string {
  const lines = screen.split('\n');
  const width = Math.max(20, ...lines.map((l) => [...l].length));
  const bar = `+${'-'.repeat(width)}+`;
  return [bar, ...lines.map((l) => `|${l}${' '.repeat(width - [...l].length)}|`), bar].join('\n');
}

/** Per screen row: its text, and whether its first cell is drawn in reverse video. */
export interface StyledLine {
  text: string;
  reverse: boolean;
}

/**
 * Reads an escaped capture (capture-pane -e) into lines with the reverse-video attribute of
 * each line's first cell. tmux carries attributes from one line to the next in such a capture,
 * so the SGR state runs across the whole screen.
 */
export function styledLines(escaped: string): StyledLine[] {
  let reverse = false;
  const out: StyledLine[] = [];
  for (const raw of escaped.split('\n')) {
    let text = '';
    let first: boolean | undefined;
    const re = /\x1b\[([0-9;]*)m|\x1b[^[]|\x1b\[[0-9;?]*[A-Za-z]|([^\x1b]+)/g;
    for (let m = re.exec(raw); m; m = re.exec(raw)) {
      if (m[2] !== undefined) {
        if (first === undefined) first = reverse;
        text += m[2];
      } else if (m[1] !== undefined) {
        const params = m[1] === '' ? [0] : m[1].split(';').map(Number);
        for (let i = 0; i < params.length; i++) {
          const p = params[i];
          if (p === 0 || p === 27) reverse = false;
          else if (p === 7) reverse = true;
          // 38/48/58 take a colour as arguments (5;n or 2;r;g;b): not attributes of their own.
          else if (p === 38 || p === 48 || p === 58) i += params[i + 1] === 5 ? 2 : 4;
        }
      }
    }
    out.push({ text, reverse: first ?? reverse });
  }
  return out;
}

/* --- swantop on that screen: starting the built binary and reading its SAs table --------- */

/**
 * The built binary; `npm test` builds it first (run `npm run build` while developing).
 * SWANTOP_E2E_BIN runs these tests against another build of it.
 */
export const SWANTOP_BIN = path.resolve(process.env.SWANTOP_E2E_BIN || 'dist/cli.js');

export interface SwantopOptions {
  width: number;
  height: number;
  /** Flags after --uri. */
  args?: readonly string[];
  name?: string;
  /**
   * Runs it from a shell that prints `before`, then `after` with swantop's exit status, and
   * stays: the pane then shows what swantop left behind. The status comes from the shell, which
   * reaps swantop itself; tmux 3.3a was seen leaving an exited pane command a zombie, its status
   * never known.
   */
  around?: { before: string; after: string; finally?: string };
}

/** Starts `node dist/cli.js --uri <uri> ...args` in a fresh tmux session. */
export async function startSwantop(uri: string, o: SwantopOptions): Promise<TmuxSession> {
  if (!existsSync(SWANTOP_BIN)) {
    throw new TmuxError(`${SWANTOP_BIN} is missing: run \`npm run build\` (npm test does)`);
  }
  const argv = [process.execPath, SWANTOP_BIN, '--uri', uri, ...(o.args ?? [])];
  const command = o.around
    ? [
        'sh',
        '-c',
        // The shell stays, as a person's would, so the pane shows what it leaves behind.
        `printf '%s\\n' ${shellQuote(o.around.before)}; ${argv.map(shellQuote).join(' ')}; printf '%s %s\\n' ${shellQuote(o.around.after)} "$?"; exec ${o.around.finally ?? 'sleep 3600'}`,
      ]
    : argv;
  return TmuxSession.start({
    command,
    width: o.width,
    height: o.height,
    cwd: process.cwd(),
    name: o.name,
  });
}

/** One row of the SAs table as the screen shows it. */
export interface SaRow {
  /** Screen row (0-based). */
  line: number;
  kind: 'ike' | 'child';
  name: string;
  id: string;
  /** The STATE cell: ESTABLISHED, INSTALLED..., or STALE when the rows are not live. */
  state: string;
  /** SPI-IN/OUT of a CHILD_SA, when the column is on screen. */
  spis?: { in: string; out: string };
  /** The AGE cell (how old the row's data is; blank while fresh), when the column is on screen. */
  age?: string;
  text: string;
  selected: boolean;
}

// Ids as the screen marks them: [1] an IKE_SA, {2} a CHILD_SA.
const IKE_ROW = /^[ *]([-+ ])(\S+)\s+\[(\d+)\] ([A-Z_]+)\b/;
const CHILD_ROW = /^[ *][└├]─(\S+)\s+\{(\d+)\} ([A-Z_]+)\b/;
const SPIS = /\b([0-9a-f]{8})\/([0-9a-f]{8})\b/;

/**
 * The SAs table's rows: the lines after the column header (` NAME ...`) that read as an
 * IKE_SA (`-name [id] STATE`) or a CHILD_SA (`└─name {id} STATE`). Takes a plain capture or the
 * styled lines of an escaped one (which also tell which row is selected).
 */
export function saRows(screen: string | readonly StyledLine[]): SaRow[] {
  const lines: readonly StyledLine[] =
    typeof screen === 'string'
      ? screen.split('\n').map((text) => ({ text, reverse: false }))
      : screen;
  const head = lines.findIndex((l) => l.text.startsWith(' NAME '));
  if (head < 0) return [];
  // AGE is right-aligned in 4 cells: its title ends where the cell ends.
  const ageEnd = / AGE\s*$/.test(lines[head]!.text) ? lines[head]!.text.lastIndexOf('AGE') + 3 : -1;
  const rows: SaRow[] = [];
  for (let i = head + 1; i < lines.length; i++) {
    const { text, reverse } = lines[i]!;
    const age = ageEnd > 0 ? text.slice(ageEnd - 4, ageEnd).trim() : undefined;
    const ike = IKE_ROW.exec(text);
    if (ike) {
      rows.push({
        line: i,
        kind: 'ike',
        name: ike[2]!,
        id: ike[3]!,
        state: ike[4]!,
        age,
        text,
        selected: reverse,
      });
      continue;
    }
    const child = CHILD_ROW.exec(text);
    if (child) {
      const spis = SPIS.exec(text);
      rows.push({
        line: i,
        kind: 'child',
        name: child[1]!,
        id: child[2]!,
        state: child[3]!,
        spis: spis ? { in: spis[1]!, out: spis[2]! } : undefined,
        age,
        text,
        selected: reverse,
      });
    }
  }
  return rows;
}

/** The CHILD_SA rows under an IKE_SA row (up to the next IKE_SA row). */
export function childrenOf(rows: readonly SaRow[], ike: SaRow): SaRow[] {
  const start = rows.indexOf(ike);
  const out: SaRow[] = [];
  for (let i = start + 1; i < rows.length && rows[i]!.kind === 'child'; i++) out.push(rows[i]!);
  return out;
}

/** The key bar: the screen line that offers Quit (it always does). */
export function footerOf(screen: string): string | undefined {
  return screen.split('\n').find((l) => /\bqQuit\b/.test(l));
}

const rowIdentity = (r: SaRow | undefined) => (r ? `${r.kind} ${r.name} #${r.id}` : 'no row');

/**
 * Moves the selection with `j` until the selected row satisfies `want`, reading the screen
 * after every key press to know where it is (row positions depend on the sort order and on
 * what the daemon holds). Fails with the screen when the bottom is reached first.
 */
export async function selectRow(
  s: TmuxSession,
  what: string,
  want: (r: SaRow) => boolean,
  maxMoves = 40,
): Promise<SaRow> {
  const selected = async () =>
    s.waitFor(
      'a selected row in the SAs table',
      (e) => saRows(styledLines(e)).find((r) => r.selected),
      { escaped: true, timeoutMs: 5_000 },
    );
  let current = await selected();
  for (let moves = 0; !want(current); moves++) {
    if (moves >= maxMoves) {
      throw new TmuxError(
        `did not reach ${what} after ${maxMoves} moves; the screen:\n${frame(await s.capture())}`,
      );
    }
    const before = rowIdentity(current);
    await s.keys('j');
    current = await s
      .waitFor(
        `the selection to move down from ${before}`,
        (e) => {
          const r = saRows(styledLines(e)).find((x) => x.selected);
          return r && rowIdentity(r) !== before ? r : undefined;
        },
        { escaped: true, timeoutMs: 3_000 },
      )
      .catch(async () => {
        throw new TmuxError(
          `reached the last row (${before}) without finding ${what}; the screen:\n${frame(await s.capture())}`,
        );
      });
  }
  return current;
}

/* --- the lab at rest: what a test may compare the screen with ------------------------------ */

/**
 * Waits until every IKE_SA on a gateway is ESTABLISHED with only INSTALLED CHILD_SAs (a rekey
 * leaves the old CHILD_SA listed as DELETED for a few seconds, a re-dial passes through
 * CONNECTING), and returns that listing: a steady oracle to compare the screen with.
 */
export async function atRest(socket: string, timeoutMs = 30_000): Promise<OracleIkeSa[]> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const sas = await oracleListSas(socket);
    const busy = sas.filter(
      (o) => o.sa.state !== 'ESTABLISHED' || childSas(o.sa).some((c) => c.state !== 'INSTALLED'),
    );
    if (busy.length === 0) return sas;
    last = busy
      .map(
        (o) => `${o.name} #${o.sa.uniqueid} ${o.sa.state} [${childSas(o.sa).map((c) => c.state)}]`,
      )
      .join(', ');
    if (Date.now() > deadline) {
      throw new TmuxError(`the SAs on ${socket} did not settle within ${timeoutMs} ms: ${last}`);
    }
    await sleep(200);
  }
}
