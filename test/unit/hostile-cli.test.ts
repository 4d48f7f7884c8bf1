/*
 * The built CLI (dist/cli.js, which `npm test` builds first) against the hostile daemon of
 * hostile-server.ts: `--once` as a table and as JSON, a broken stream, and the full-screen UI
 * run in a real terminal (tmux) whose raw output bytes are captured. The terminal must never
 * receive a control sequence the daemon chose, and must be left as it was found.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PACKET } from '../../source/vici/packet.js';
import {
  HOSTILE_CONN_NAME_SHOWN,
  HOSTILE_IKE_NAME_SHOWN,
  HOSTILE_LOG_SHOWN_START,
  hostileLogEvent,
  hostileScript,
  rawPacket,
  registeredFor,
} from './hostile-server.js';
import { ScriptedServer } from './scripted-server.js';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/cli.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** C0 except newline, DEL, and C1 code points. */
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

let server: ScriptedServer | undefined;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Runs the CLI without a terminal; resolves with raw stdout/stderr bytes and the exit code. */
function cli(args: string[], timeoutMs = 20_000) {
  return new Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }>((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SWANTOP_DEBUG: '' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`swantop ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

/** Strict UTF-8: invalid bytes on the terminal are as bad as a control character. */
function utf8(b: Buffer): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(b);
}

describe('swantop --once against a hostile daemon', () => {
  it('prints the table with the poison escaped: no control byte, valid UTF-8', async () => {
    server = await ScriptedServer.start(hostileScript());
    const r = await cli(['--once', '--uri', server.uri]);
    expect(r.stderr.toString()).toBe('');
    expect(r.code).toBe(0);
    const text = utf8(r.stdout);
    expect(text).not.toMatch(CONTROL);
    expect(text).toContain(HOSTILE_IKE_NAME_SHOWN);
    expect(text).toContain('osc\\x1b]0;pwned\\x07id');
  });

  it('prints JSON with the poison as JSON escapes, and the JSON parses back to it', async () => {
    server = await ScriptedServer.start(hostileScript());
    const r = await cli(['--once', '--json', '--uri', server.uri]);
    expect(r.code).toBe(0);
    const text = utf8(r.stdout);
    expect(text).not.toMatch(CONTROL);
    const parsed = JSON.parse(text) as { ikeSas: { name: string }[] };
    expect(parsed.ikeSas).toHaveLength(1);
    expect(parsed.ikeSas[0]?.name).toBe('evil\x1b[2Jname');
  });

  it('a frame of 4 GB announced: one line on stderr, no stack trace, exit 1', async () => {
    server = await ScriptedServer.start(
      hostileScript({
        commands: {
          version: (_req, conn) => {
            conn.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xff]));
            return 'silent';
          },
        },
      }),
    );
    const r = await cli(['--once', '--uri', server.uri]);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    const err = utf8(r.stderr);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^swantop: .*4294967295 bytes/);
    expect(err).not.toMatch(/\n\s+at /);
    expect(err).not.toMatch(CONTROL);
  });
});

/*
 * The full-screen UI in a real terminal: tmux runs it in a pane, `pipe-pane` keeps every byte
 * it writes, and tmux's own view of the pane (title, alternate screen, cursor, modes) says
 * whether anything was changed behind the UI's back.
 */
describe('the full-screen UI in a real terminal against a hostile daemon', () => {
  let dir: string;
  let socketName: string;
  const tmux = (...args: string[]) => run('tmux', ['-L', socketName, ...args], { timeout: 10_000 });
  const flags =
    '#{pane_title}|#{alternate_on}|#{cursor_flag}|#{insert_flag}|#{keypad_cursor_flag}|#{keypad_flag}|#{mouse_any_flag}|#{origin_flag}|#{wrap_flag}';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swantop-tty-'));
    socketName = `swantop-hostile-${process.pid}`;
  });

  afterAll(async () => {
    await tmux('kill-server').catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  async function screen(): Promise<string> {
    return (await tmux('capture-pane', '-p', '-t', 'ui')).stdout;
  }

  async function untilScreen(what: string, ok: (s: string) => boolean, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await screen();
      if (ok(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
      await sleep(100);
    }
  }

  it('never passes the poison to the terminal, and leaves the terminal as it found it', async () => {
    server = await ScriptedServer.start(hostileScript());
    const raw = join(dir, 'pane.raw');
    await tmux('new-session', '-d', '-s', 'ui', '-x', '140', '-y', '40', 'sh');
    await tmux('set-option', '-t', 'ui', 'remain-on-exit', 'on');
    await untilScreen('a shell prompt', (s) => s.trim().length > 0);
    const before = (await tmux('display-message', '-p', '-t', 'ui', flags)).stdout;
    await tmux('pipe-pane', '-t', 'ui', '-o', `cat > ${raw}`);
    await tmux(
      'send-keys',
      '-t',
      'ui',
      `${process.execPath} ${CLI} --uri ${server.uri} --interval 0.5; echo "EXIT=$?"`,
      'Enter',
    );
    await untilScreen('the hostile row', (s) => s.includes('evil\\x1b[2J'));
    const events = registeredFor(server.connections, 'log');
    expect(events).toBeDefined();
    events!.sendRaw(rawPacket(PACKET.EVENT, 'log', hostileLogEvent()));
    // Every view, the details and the help: each draws other daemon text.
    await tmux('send-keys', '-t', 'ui', 'Enter');
    await untilScreen('the details', (s) => s.includes('osc\\x1b]0;pwned\\x07id'));
    await tmux('send-keys', '-t', 'ui', 'Escape');
    await sleep(300);
    await tmux('send-keys', '-t', 'ui', '2');
    await untilScreen('the conns view', (s) => s.includes('conn\\x1b[?1049'));
    await tmux('send-keys', '-t', 'ui', 'Enter');
    await untilScreen('the conn details', (s) => s.includes(HOSTILE_CONN_NAME_SHOWN));
    await tmux('send-keys', '-t', 'ui', 'Escape');
    await sleep(300);
    await tmux('send-keys', '-t', 'ui', '3');
    await untilScreen('the log line', (s) => s.includes(HOSTILE_LOG_SHOWN_START));
    await tmux('send-keys', '-t', 'ui', '?');
    await sleep(300);
    await tmux('send-keys', '-t', 'ui', 'Escape');
    await sleep(300);
    const during = (await tmux('display-message', '-p', '-t', 'ui', flags)).stdout;
    await tmux('send-keys', '-t', 'ui', 'q');
    const after = await untilScreen('swantop to exit', (s) => /EXIT=\d+/.test(s));
    expect(after).toContain('EXIT=0');
    await tmux('pipe-pane', '-t', 'ui');
    await sleep(200);

    // tmux's view: the title never became "pwned", and every mode is back as it was.
    expect(during.split('|')[0]).not.toContain('pwned');
    expect((await tmux('display-message', '-p', '-t', 'ui', flags)).stdout).toBe(before);

    const bytes = await readFile(raw);
    expect(bytes.length).toBeGreaterThan(1000);
    const text = utf8(bytes);
    // No OSC, no BEL, no C1, no DSR, no DEC private mode other than the UI's own.
    expect(text).not.toContain('\x1b]');
    expect(text).not.toContain('\x07');
    expect(text).not.toMatch(/[\x80-\x9f]/);
    expect(text).not.toContain('\x1b[6n');
    const modes = new Set([...text.matchAll(/\x1b\[\?[0-9;]*[hl]/g)].map((m) => m[0]));
    // Ours: the alternate screen, the cursor, bracketed paste (2004); Ink's: synchronized
    // output (2026).
    const allowed = ['1049h', '1049l', '25h', '25l', '2004h', '2004l', '2026h', '2026l'].map(
      (m) => `\x1b[?${m}`,
    );
    for (const m of modes) expect(allowed).toContain(m);
    // The daemon's own sequences never appear right after its text.
    expect(text).not.toContain('evil\x1b[2J');
    expect(text).not.toContain('conn\x1b[?1049l');
    expect(text).not.toContain('osc\x1b]');
    // What the user saw has the poison as text.
    expect(text).toContain(HOSTILE_IKE_NAME_SHOWN.slice(0, 11));
  }, 60_000);
});
