import { execFileSync, spawn } from 'node:child_process';
import { linkSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectError, NotASocketError, Session, UriError } from '../../source/vici/index.js';
import { ScriptedServer } from './scripted-server.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swantop-connect-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function connectError(uri: string): Promise<ConnectError> {
  const err = await Session.connect({ uri }).then(
    (s) => {
      void s.close();
      throw new Error(`connecting to ${uri} succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  expect((err as Error).message).not.toContain('\n');
  return err as ConnectError;
}

describe('Session.connect', () => {
  it('says there is no socket, and what to check, on ENOENT', async () => {
    const path = join(dir, 'charon.vici');
    const err = await connectError(`unix://${path}`);
    expect(err.code).toBe('ENOENT');
    expect(err.message).toBe(`no vici socket at ${path}: is charon running with the vici plugin?`);
  });

  it('says a regular file, a directory or a FIFO is not a socket (Linux only says ECONNREFUSED)', async () => {
    const file = join(dir, 'regular');
    await writeFile(file, 'not a socket');
    const sub = join(dir, 'sub');
    await mkdir(sub);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [path, kind] of [
      [file, 'a regular file'],
      [sub, 'a directory'],
      [fifo, 'a named pipe (FIFO)'],
    ] as const) {
      const err = await connectError(`unix://${path}`);
      expect(err).toBeInstanceOf(NotASocketError);
      expect(err.code).toBe('ENOTSOCK');
      expect(err.message).toBe(`${path} is ${kind}, not a socket: check the vici uri`);
    }
  });

  it('says so when a part of the path is a file', async () => {
    const file = join(dir, 'regular');
    await writeFile(file, '');
    const err = await connectError(`unix://${file}/charon.vici`);
    expect(err.code).toBe('ENOTDIR');
    expect(err.message).toBe(
      `no vici socket at ${file}/charon.vici: part of that path is a file, not a directory`,
    );
  });

  it('says nobody listens on ECONNREFUSED (a socket file left behind by a dead daemon)', async () => {
    const live = join(dir, 'live.vici');
    const stale = join(dir, 'stale.vici');
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(live, r));
    // a second name for the socket survives the server's cleanup: a stale socket file
    linkSync(live, stale);
    await new Promise<void>((r) => server.close(() => r()));
    const err = await connectError(stale);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.message).toMatch(new RegExp(`^connection refused at unix://${stale}: `));
  });

  it('says the socket is root-only on EACCES', async () => {
    const server = await ScriptedServer.start();
    try {
      await chmod(server.dir, 0o700);
      if (process.getuid?.() !== 0) {
        const err = await connectError(server.uri);
        expect(err.code).toBe('EACCES');
        expect(err.message).toBe(
          `permission denied on ${server.path}: the vici socket is root-only; run as root`,
        );
        return;
      }
      // root passes every permission check: ask an unprivileged process to connect instead
      const index = fileURLToPath(new URL('../../source/vici/index.ts', import.meta.url));
      const code = `
        const { Session } = await import(${JSON.stringify(index)});
        try { (await Session.connect({ uri: process.env.URI })).close(); console.log('{}'); }
        catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', code],
        {
          uid: 65534,
          gid: 65534,
          env: { ...process.env, URI: server.uri },
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
        },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      await new Promise((r) => child.on('close', r));
      expect(JSON.parse(out)).toEqual({
        code: 'EACCES',
        message: `permission denied on ${server.path}: the vici socket is root-only; run as root`,
      });
    } finally {
      await server.close();
    }
  });

  it('refuses a bad uri with UriError, a ConnectError', async () => {
    const err = await connectError('http://moon:80');
    expect(err).toBeInstanceOf(UriError);
    expect(err.message).toMatch(/^invalid vici uri "http:\/\/moon:80"/);
  });

  it('connects to a bare path and to a unix:// uri alike', async () => {
    const server = await ScriptedServer.start({ commands: { version: () => ({ daemon: 'x' }) } });
    try {
      for (const uri of [server.path, server.uri]) {
        const s = await Session.connect({ uri });
        expect((await s.version()).daemon).toBe('x');
        await s.close();
      }
    } finally {
      await server.close();
    }
  });

  it('wraps an already connected socket', async () => {
    const server = await ScriptedServer.start({ commands: { version: () => ({ daemon: 'y' }) } });
    try {
      const socket = net.createConnection(server.path);
      await new Promise((r) => socket.once('connect', r));
      const s = new Session(socket);
      expect((await s.version()).daemon).toBe('y');
      await s.close();
      expect(socket.destroyed).toBe(true);
    } finally {
      await server.close();
    }
  });
});
