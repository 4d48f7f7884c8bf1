/*
 * Fault: the vici socket is missing, not a socket, refuses, or is not accessible — at start
 * and in the middle of a run. The monitor must give a one-line reason in its LinkState, keep
 * retrying, never crash, and come back once the socket does; the CLI's --once must print one
 * line and exit 1.
 *
 * Between the monitor and moon's real socket sits a relay we control (a unix socket server
 * piping each connection to moon): closing it is how "the socket went away mid-run" is made
 * without touching the daemon.
 *
 * The tests run as root, and root ignores permission bits, so "not accessible" is made honest
 * by running the client as `nobody` (setpriv) against a socket in a directory that is
 * mode 0700: the kernel then really answers EACCES.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor } from '../../source/monitor/monitor.js';
import type { LinkState, Monitor } from '../../source/monitor/types.js';
import { sleep, untilMatchesOracle, untilSnapshot } from './fault-helpers.js';
import { labInfo } from './vici-lab.js';

const lab = labInfo();
const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

let monitor: Monitor | undefined;
let relay: Relay | undefined;
let child: ChildProcess | undefined;
let dir: string | undefined;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
});

afterEach(async () => {
  child?.kill('SIGKILL');
  await monitor?.stop();
  await relay?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  child = undefined;
  monitor = undefined;
  relay = undefined;
  dir = undefined;
});

/** A unix socket that pipes every connection to moon's vici socket. */
class Relay {
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    readonly path: string,
    private readonly server: net.Server,
  ) {
    server.on('connection', (c) => {
      const up = net.createConnection(lab.sockets.moon);
      this.sockets.add(c);
      this.sockets.add(up);
      c.pipe(up);
      up.pipe(c);
      const end = () => {
        c.destroy();
        up.destroy();
        this.sockets.delete(c);
        this.sockets.delete(up);
      };
      c.on('close', end);
      up.on('close', end);
      c.on('error', end);
      up.on('error', end);
    });
  }

  static async start(path: string, mode = 0o666): Promise<Relay> {
    const server = net.createServer();
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(path, () => ok());
    });
    await chmod(path, mode);
    return new Relay(path, server);
  }

  /** Cut every relayed connection (the monitor sees its daemon go away). */
  cut(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((ok) => this.server.close(() => ok()));
    await unlink(this.path).catch(() => {});
  }
}

function reasonOf(link: LinkState): string {
  return link.kind === 'reconnecting' ? link.reason : '';
}

function cli(args: string[], opts: { asNobody?: boolean } = {}) {
  const [cmd, argv] = opts.asNobody
    ? ['setpriv', [...NOBODY, process.execPath, CLI, ...args]]
    : [process.execPath, [CLI, ...args]];
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const p = spawn(cmd, argv, { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    p.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      fail(new Error(`swantop ${args.join(' ')} did not exit within 20 s`));
    }, 20_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

function expectOneLineError(r: { code: number | null; stdout: string; stderr: string }) {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^swantop: /);
  expect(r.stderr).not.toMatch(/\bat .*\.(js|ts):\d+/);
}

describe('swantop --once when the socket is not usable', () => {
  it('a missing socket: one line, no stack trace, exit 1', async () => {
    const r = await cli(['--once', '--uri', 'unix:///nonexistent']);
    expectOneLineError(r);
    expect(r.stderr).toContain('no vici socket at /nonexistent');
  });

  it('a path that is not a socket (a file, a directory): one line each, exit 1', async () => {
    dir = await mkdtemp(join(tmpdir(), 'swantop-sock-'));
    const file = join(dir, 'regular');
    await writeFile(file, 'not a socket');
    const r1 = await cli(['--once', '--uri', `unix://${file}`]);
    expectOneLineError(r1);
    expect(r1.stderr).toContain(`${file} is a regular file, not a socket`);
    const r2 = await cli(['--once', '--uri', `unix://${dir}`]);
    expectOneLineError(r2);
    expect(r2.stderr).toContain(`${dir} is a directory, not a socket`);
  });

  it('a socket in a directory the user may not enter: permission denied in one line, exit 1', async () => {
    dir = await mkdtemp(join(tmpdir(), 'swantop-sock-'));
    await chmod(dir, 0o700);
    const path = join(dir, 'charon.vici');
    await symlink(lab.sockets.moon, path);
    // Root gets through (the socket is real and answers) ...
    const root = await cli(['--once', '--uri', `unix://${path}`]);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain(lab.conns.netNet);
    // ... nobody does not.
    const r = await cli(['--once', '--uri', `unix://${path}`], { asNobody: true });
    expectOneLineError(r);
    expect(r.stderr).toContain(`permission denied on ${path}`);
  });
});

describe('the monitor when the socket goes missing or refuses', () => {
  it('at start: says why, keeps retrying, and goes live once the socket appears', async () => {
    dir = await mkdtemp(join(tmpdir(), 'swantop-sock-'));
    const path = join(dir, 'charon.vici');
    const m = createMonitor({ uri: `unix://${path}`, intervalMs: 500 });
    monitor = m;
    m.start();
    const s = await untilSnapshot(m, 'reconnecting', (x) => x.link.kind === 'reconnecting', 5_000);
    expect(reasonOf(s.link)).toBe(
      `no vici socket at ${path}: is charon running with the vici plugin?`,
    );
    expect(s.stale).toBe(true);
    await untilSnapshot(
      m,
      'a third attempt',
      (x) => x.link.kind === 'reconnecting' && x.link.attempt >= 3,
      10_000,
    );
    relay = await Relay.start(path);
    await untilMatchesOracle(m, lab, 'moon', 'the rows once the socket is there');
  });

  it('mid-run: the socket vanishes, becomes a file, refuses, then comes back', async () => {
    dir = await mkdtemp(join(tmpdir(), 'swantop-sock-'));
    const path = join(dir, 'charon.vici');
    relay = await Relay.start(path);
    const m = createMonitor({ uri: `unix://${path}`, intervalMs: 500 });
    monitor = m;
    m.start();
    await untilMatchesOracle(m, lab, 'moon', 'the first listing');
    const reasons = new Set<string>();
    const off = m.subscribe(() => {
      const r = reasonOf(m.getSnapshot().link);
      if (r) reasons.add(r);
    });

    // Gone: the relay stops and its socket file is removed.
    await relay.close();
    relay = undefined;
    let s = await untilSnapshot(
      m,
      'the missing socket named',
      (x) => reasonOf(x.link).startsWith('no vici socket at'),
      10_000,
    );
    expect(s.stale).toBe(true);
    expect([...s.ikes.values()].length).toBeGreaterThan(0); // last values, marked stale

    // Not a socket.
    await writeFile(path, 'not a socket');
    s = await untilSnapshot(
      m,
      'the file named',
      (x) => reasonOf(x.link) === `${path} is a regular file, not a socket: check the vici uri`,
      15_000,
    );
    expect(s.stale).toBe(true);
    await unlink(path);

    // A socket whose server hangs up on every connection.
    const rude = net.createServer((c) => c.destroy());
    await new Promise<void>((ok) => rude.listen(path, () => ok()));
    try {
      s = await untilSnapshot(
        m,
        'the hang-up named',
        (x) =>
          x.link.kind === 'reconnecting' &&
          /closed the connection|connection to the daemon (closed|failed)/.test(reasonOf(x.link)),
        15_000,
      );
      expect(s.stale).toBe(true);
    } finally {
      await new Promise<void>((ok) => rude.close(() => ok()));
      await unlink(path).catch(() => {});
    }

    // Every reason was one line, and the monitor never crashed: it comes back on its own.
    relay = await Relay.start(path);
    await untilMatchesOracle(m, lab, 'moon', 'the rows after the socket came back', 30_000);
    off();
    expect(reasons.size).toBeGreaterThanOrEqual(3);
    for (const r of reasons) expect(r).not.toContain('\n');
  });

  it('as an unprivileged user: permission denied mid-run is named, retried, and recovered from', async () => {
    dir = await mkdtemp(join(tmpdir(), 'swantop-sock-'));
    await chmod(dir, 0o755);
    const path = join(dir, 'charon.vici');
    relay = await Relay.start(path, 0o666);
    // The monitor as `nobody`, printing each change of its link state as one JSON line.
    const script = `
      const { createMonitor } = await import(${JSON.stringify(join(ROOT, 'dist/monitor/monitor.js'))});
      const m = createMonitor({ uri: process.env.SWANTOP_URI, intervalMs: 500 });
      let last = '';
      m.subscribe(() => {
        const s = m.getSnapshot();
        const line = JSON.stringify({ kind: s.link.kind, reason: s.link.reason, stale: s.stale, ikes: s.ikes.size });
        if (line !== last) { last = line; process.stdout.write(line + '\\n'); }
      });
      m.start();`;
    const p = spawn('setpriv', [...NOBODY, process.execPath, '--input-type=module', '-e', script], {
      cwd: '/',
      env: { ...process.env, SWANTOP_URI: `unix://${path}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = p;
    const states: { kind: string; reason?: string; stale: boolean; ikes: number }[] = [];
    let stderr = '';
    let buf = '';
    p.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        states.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    });
    p.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const untilState = async (what: string, ok: (x: (typeof states)[number]) => boolean) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const hit = states.find(ok);
        if (hit) return hit;
        if (p.exitCode !== null) throw new Error(`the monitor exited (${p.exitCode}): ${stderr}`);
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${what}; states: ${JSON.stringify(states)}`);
        }
        await sleep(50);
      }
    };
    await untilState('live with rows', (x) => x.kind === 'live' && !x.stale && x.ikes >= 3);

    await chmod(dir, 0o700);
    relay.cut();
    const denied = await untilState('permission denied', (x) =>
      (x.reason ?? '').startsWith('permission denied'),
    );
    expect(denied.reason).toBe(
      `permission denied on ${path}: the vici socket is root-only; run as root`,
    );
    expect(denied.stale).toBe(true);

    states.length = 0;
    await chmod(dir, 0o755);
    await untilState('live again', (x) => x.kind === 'live' && !x.stale && x.ikes >= 3);
    expect(p.exitCode).toBeNull();
    expect(stderr).toBe('');
  });
});
