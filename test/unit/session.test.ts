import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CommandError,
  CommandUnknownError,
  ConnectionClosedError,
  EventUnknownError,
  PACKET,
  ProtocolError,
  Session,
  TimeoutError,
  text,
} from '../../source/vici/index.js';
import type { ScriptedConnection, ScriptedServer } from './scripted-server.js';
import { closeScriptedSession, ikeSa, openScriptedSession } from './scripted-session.js';

let server: ScriptedServer;
let session: Session;
let conn: ScriptedConnection;

beforeEach(async () => {
  ({ server, session, conn } = await openScriptedSession());
});

afterEach(() => closeScriptedSession({ server, session, conn }));

/** Wait until the server has seen `n` packets (the client sends them asynchronously). */
async function packets(n: number): Promise<string[]> {
  while (conn.received.length < n) await new Promise((r) => setTimeout(r, 2));
  return conn.wire();
}

describe('commands', () => {
  it('sends one request and decodes its response', async () => {
    const answer = session.version();
    const req = await conn.expect(PACKET.CMD_REQUEST, 'version');
    expect(req.message?.size).toBe(0);
    conn.respond({
      daemon: 'charon',
      version: '5.9.8',
      sysname: 'Linux',
      release: '6.1',
      machine: 'x86_64',
    });
    expect(await answer).toEqual({
      daemon: 'charon',
      version: '5.9.8',
      sysname: 'Linux',
      release: '6.1',
      machine: 'x86_64',
    });
  });

  it('sends arguments encoded as a message', async () => {
    const done = session.rekey({ ike: 'moon', 'ike-id': 7, reauth: true });
    const req = await conn.expect(PACKET.CMD_REQUEST, 'rekey');
    expect(text(req.message?.get('ike'))).toBe('moon');
    expect(text(req.message?.get('ike-id'))).toBe('7');
    expect(text(req.message?.get('reauth'))).toBe('yes');
    conn.respond({ success: 'yes', matches: 1 });
    expect(await done).toEqual({ matches: 1 });
  });

  it('keeps one command in flight and answers each caller with its own response', async () => {
    const a = session.request('a');
    const b = session.request('b');
    const c = session.request('c');
    await conn.expect(PACKET.CMD_REQUEST, 'a');
    // b is not on the wire until a is answered
    await new Promise((r) => setTimeout(r, 20));
    expect(conn.wire()).toEqual(['CMD_REQUEST a']);
    conn.respond({ r: 'a' });
    await conn.expect(PACKET.CMD_REQUEST, 'b');
    conn.respond({ r: 'b' });
    await conn.expect(PACKET.CMD_REQUEST, 'c');
    conn.respond({ r: 'c' });
    expect(text((await a).get('r'))).toBe('a');
    expect(text((await b).get('r'))).toBe('b');
    expect(text((await c).get('r'))).toBe('c');
  });

  it('rejects CMD_UNKNOWN with CommandUnknownError and stays usable', async () => {
    const bad = session.request('no-such-command');
    await conn.expect(PACKET.CMD_REQUEST, 'no-such-command');
    conn.unknownCommand();
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandUnknownError);
    expect((err as CommandUnknownError).command).toBe('no-such-command');
    const ok = session.request('version');
    await conn.expect(PACKET.CMD_REQUEST, 'version');
    conn.respond({ daemon: 'charon' });
    expect(text((await ok).get('daemon'))).toBe('charon');
  });

  it('raw request() leaves success=no to the caller; typed methods throw CommandError', async () => {
    const raw = session.request('install', { child: 'x' });
    await conn.expect(PACKET.CMD_REQUEST, 'install');
    conn.respond({ success: 'no', errmsg: 'no such child' });
    expect(text((await raw).get('success'))).toBe('no');

    const typed = session.install({ child: 'x' });
    await conn.expect(PACKET.CMD_REQUEST, 'install');
    conn.respond({ success: 'no', errmsg: 'no such child' });
    const err = await typed.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).errmsg).toBe('no such child');
    expect((err as CommandError).command).toBe('install');
  });
});

describe('streamed commands', () => {
  it('puts register, request and unregister on the wire in that order', async () => {
    const stream = session.listSas({ noblock: true });
    await conn.expect(PACKET.EVENT_REGISTER, 'list-sa');
    await new Promise((r) => setTimeout(r, 10));
    // the request waits for the confirmation
    expect(conn.wire()).toEqual(['EVENT_REGISTER list-sa']);
    conn.confirm();
    const req = await conn.expect(PACKET.CMD_REQUEST, 'list-sas');
    expect(text(req.message?.get('noblock'))).toBe('yes');
    conn.event('list-sa', ikeSa('moon', '1'));
    conn.event('list-sa', ikeSa('sun', '2'));
    conn.respond({});
    await conn.expect(PACKET.EVENT_UNREGISTER, 'list-sa');
    conn.confirm();
    const sas = await stream.collect();
    expect(sas.map((s) => [s.name, s.uniqueid])).toEqual([
      ['moon', '1'],
      ['sun', '2'],
    ]);
    expect(conn.wire()).toEqual([
      'EVENT_REGISTER list-sa',
      'CMD_REQUEST list-sas',
      'EVENT_UNREGISTER list-sa',
    ]);
  });

  it('routes events that arrive between request and response to their own subscribers', async () => {
    conn.serve({
      commands: {
        'list-sas': (_req, c) => {
          c.event('list-sa', ikeSa('moon', '1'));
          c.event('ike-updown', { up: 'yes', ...ikeSa('dave', '9') });
          c.event('list-sa', ikeSa('sun', '2'));
          return {};
        },
      },
    });
    const listener = session.listen(['ike-updown']);
    await listener.ready;
    const sas = await session.listSas().collect();
    expect(sas.map((s) => s.name)).toEqual(['moon', 'sun']);
    const first = await listener.next();
    expect(first.done).toBe(false);
    expect(first.value?.type).toBe('ike-updown');
    expect(first.value?.message.has('dave')).toBe(true);
    expect(session.counters.undeliveredEvents).toBe(0);
    await listener.close();
  });

  it('raises CommandError after the last event when the final response says success=no', async () => {
    conn.serve({
      commands: {
        initiate: (_req, c) => {
          c.event('control-log', { group: 'IKE', level: '1', msg: 'initiating' });
          c.event('control-log', { group: 'IKE', level: '1', msg: 'giving up' });
          return { success: 'no', errmsg: 'establishing CHILD_SA failed' };
        },
      },
    });
    const seen: string[] = [];
    const stream = session.initiate({ child: 'net', timeout: 1000 });
    const err = await (async () => {
      for await (const log of stream) seen.push(log.msg);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['initiating', 'giving up']);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).errmsg).toBe('establishing CHILD_SA failed');
    await expect(stream.result).rejects.toBeInstanceOf(CommandError);
  });

  it('gives terminate a typed result', async () => {
    conn.serve({
      commands: { terminate: () => ({ success: 'yes', matches: '2', terminated: '2' }) },
    });
    const stream = session.terminate({ ike: 'moon' });
    expect(await stream.collect()).toEqual([]);
    expect(await stream.result).toEqual({ matches: 2, terminated: 2 });
  });

  for (const how of ['break', 'throw', 'return'] as const) {
    it(`leaves the session usable after leaving for-await early (${how})`, async () => {
      const stream = session.listSas();
      await conn.expect(PACKET.EVENT_REGISTER, 'list-sa');
      conn.confirm();
      await conn.expect(PACKET.CMD_REQUEST, 'list-sas');
      for (let i = 0; i < 5; i++) conn.event('list-sa', ikeSa(`sa${i}`, String(i)));

      const seen: string[] = [];
      const run = async () => {
        if (how === 'return') {
          const it = stream[Symbol.asyncIterator]();
          seen.push(((await it.next()).value as { name: string }).name);
          await it.return?.();
          return;
        }
        for await (const sa of stream) {
          seen.push(sa.name);
          if (how === 'break') break;
          throw new Error('consumer failed');
        }
      };
      const outcome = await run().then(
        () => 'ok',
        (e: Error) => e.message,
      );
      expect(outcome).toBe(how === 'throw' ? 'consumer failed' : 'ok');
      expect(seen).toEqual(['sa0']);

      // the next call is queued behind the rest of the listing and must not see any of it
      const next = session.request('version');
      for (let i = 5; i < 8; i++) conn.event('list-sa', ikeSa(`sa${i}`, String(i)));
      conn.respond({ listing: 'done' });
      await conn.expect(PACKET.EVENT_UNREGISTER, 'list-sa');
      conn.confirm();
      await conn.expect(PACKET.CMD_REQUEST, 'version');
      conn.respond({ daemon: 'charon' });
      const answer = await next;
      expect(text(answer.get('daemon'))).toBe('charon');
      expect(answer.has('listing')).toBe(false);
      expect(text((await stream.result).get('listing'))).toBe('done');
      // the three that came after the consumer left drained to nobody, and were counted
      expect(session.counters.undeliveredEvents).toBe(3);
      expect(conn.wire()).toEqual([
        'EVENT_REGISTER list-sa',
        'CMD_REQUEST list-sas',
        'EVENT_UNREGISTER list-sa',
        'CMD_REQUEST version',
      ]);
    });
  }

  it('streams 5,000 IKE_SAs in order, as the scale lab does', async () => {
    conn.serve({
      commands: {
        'list-sas': (_req, c) => {
          for (let i = 0; i < 5000; i++) c.event('list-sa', ikeSa(`client-${i}`, String(i + 1)));
          return {};
        },
      },
    });
    const sas = await session.listSas().collect();
    expect(sas).toHaveLength(5000);
    expect(sas.every((sa, i) => sa.uniqueid === String(i + 1))).toBe(true);
    expect(session.counters.undeliveredEvents).toBe(0);
  });

  it('lets a failed stream that nobody reads go without an unhandled rejection', async () => {
    conn.serve({
      commands: {
        initiate: () => ({ success: 'no', errmsg: 'nobody listened' }),
        version: () => ({ daemon: 'charon' }),
      },
    });
    session.initiate({ child: 'fire-and-forget' });
    expect((await session.version()).daemon).toBe('charon');
  });

  it('buffers events until the stream is iterated', async () => {
    conn.serve({
      commands: {
        'list-conns': (_req, c) => {
          for (let i = 0; i < 100; i++) c.event('list-conn', { [`c${i}`]: { version: 'IKEv2' } });
          return {};
        },
      },
    });
    const stream = session.listConns();
    await stream.result;
    const conns = await stream.collect();
    expect(conns).toHaveLength(100);
    expect(conns[99]?.name).toBe('c99');
  });
});

describe('listen', () => {
  it('yields events with their type, and shares one registration among listeners', async () => {
    const a = session.listen(['ike-updown']);
    const b = session.listen(['ike-updown', 'child-updown']);
    await conn.expect(PACKET.EVENT_REGISTER, 'ike-updown');
    conn.confirm();
    await conn.expect(PACKET.EVENT_REGISTER, 'child-updown');
    conn.confirm();
    await Promise.all([a.ready, b.ready]);
    conn.event('ike-updown', { up: 'yes', ...ikeSa('moon', '1') });
    conn.event('child-updown', { up: 'yes', ...ikeSa('moon', '1') });
    expect((await a.next()).value?.type).toBe('ike-updown');
    expect((await b.next()).value?.type).toBe('ike-updown');
    expect((await b.next()).value?.type).toBe('child-updown');
    const closing = a.close();
    await closing;
    // b still holds ike-updown: nothing unregistered yet
    expect(conn.wire().filter((l) => l.startsWith('EVENT_UNREGISTER'))).toEqual([]);
    const closingB = b.close();
    await conn.expect(PACKET.EVENT_UNREGISTER);
    conn.confirm();
    await conn.expect(PACKET.EVENT_UNREGISTER);
    conn.confirm();
    await closingB;
    expect(conn.wire().sort()).toEqual([
      'EVENT_REGISTER child-updown',
      'EVENT_REGISTER ike-updown',
      'EVENT_UNREGISTER child-updown',
      'EVENT_UNREGISTER ike-updown',
    ]);
  });

  it('shares a listener’s control-log registration with an initiate', async () => {
    conn.serve({
      commands: {
        initiate: (_req, c) => {
          c.event('control-log', { msg: 'up' });
          return { success: 'yes' };
        },
      },
    });
    const l = session.listen(['control-log']);
    await l.ready;
    const logs = await session.initiate({ child: 'x' }).collect();
    expect(logs.map((x) => x.msg)).toEqual(['up']);
    expect((await l.next()).value?.message.get('msg')?.toString()).toBe('up');
    expect(conn.wire()).toEqual(['EVENT_REGISTER control-log', 'CMD_REQUEST initiate']);
    await l.close();
    await packets(3);
    expect(conn.wire()[2]).toBe('EVENT_UNREGISTER control-log');
  });

  it('lets commands run while a listener is active', async () => {
    conn.serve({ commands: { version: () => ({ daemon: 'charon' }) } });
    const l = session.listen(['log']);
    await l.ready;
    const pending = l.next();
    expect((await session.version()).daemon).toBe('charon');
    conn.event('log', { msg: 'hello' });
    expect(text((await pending).value?.message.get('msg'))).toBe('hello');
    await l.close();
  });

  it('rejects an unknown event type and keeps the other registrations working', async () => {
    conn.serve({ events: ['ike-updown', 'log'] });
    const other = session.listen(['log']);
    const l = session.listen(['ike-updown', 'alert']);
    await Promise.all([other.ready, l.ready]);
    const err = await l.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventUnknownError);
    expect((err as EventUnknownError).event).toBe('alert');
    conn.event('ike-updown', ikeSa('moon', '1'));
    conn.event('log', { msg: 'still here' });
    expect((await l.next()).value?.type).toBe('ike-updown');
    expect((await other.next()).value?.type).toBe('log');
    // alert was never registered, so only ike-updown and log are unregistered
    await l.close();
    await other.close();
    expect(conn.wire()).toEqual([
      'EVENT_REGISTER log',
      'EVENT_REGISTER ike-updown',
      'EVENT_REGISTER alert',
      'EVENT_UNREGISTER ike-updown',
      'EVENT_UNREGISTER log',
    ]);
  });

  it('reports the unknown type on the first next() even when known events came before it', async () => {
    const l = session.listen(['log', 'alert']);
    const first = l.next();
    await conn.expect(PACKET.EVENT_REGISTER, 'log');
    conn.confirm();
    conn.event('log', { msg: 'early' });
    await conn.expect(PACKET.EVENT_REGISTER, 'alert');
    conn.unknownEvent();
    await expect(first).rejects.toBeInstanceOf(EventUnknownError);
    expect(text((await l.next()).value?.message.get('msg'))).toBe('early');
    const closing = l.close();
    await conn.expect(PACKET.EVENT_UNREGISTER, 'log');
    conn.confirm();
    await closing;
  });

  it('fails a streamed command whose event is unknown without sending it', async () => {
    conn.serve({ events: [] });
    const stream = session.streamedRequest('list-sas', 'list-sa');
    await expect(stream.collect()).rejects.toBeInstanceOf(EventUnknownError);
    expect(conn.wire()).toEqual(['EVENT_REGISTER list-sa']);
  });

  it('yields a null heartbeat whenever no event came for timeoutMs', async () => {
    conn.serve({});
    const l = session.listen(['log'], { timeoutMs: 30 });
    await l.ready;
    const got: (string | null)[] = [];
    for await (const ev of l) {
      got.push(ev === null ? null : ev.type);
      if (got.length === 1) conn.event('log', { msg: 'x' });
      if (got.includes('log') && ev === null) break;
    }
    // a slow machine may fit more heartbeats in before the event arrives; the order is fixed
    expect(got[0]).toBeNull();
    expect(got.filter((x) => x !== null)).toEqual(['log']);
    expect(got.at(-1)).toBeNull();
  });

  it('counts events a full listener cannot hold, and events nobody subscribed to', async () => {
    conn.serve({});
    const l = session.listen(['log'], { highWaterMark: 3 });
    await l.ready;
    for (let i = 0; i < 5; i++) conn.event('log', { n: i });
    conn.event('ike-updown', {});
    conn.event('list-sa', {});
    while (session.counters.undeliveredEvents < 2) await new Promise((r) => setTimeout(r, 2));
    const first = await l.next();
    expect(text(first.value?.message.get('n'))).toBe('0');
    await l.next();
    await l.next();
    expect(l.dropped).toBe(2);
    expect(session.counters.droppedEvents).toBe(2);
    expect(session.counters.undeliveredEvents).toBe(2);
    await l.close();
  });

  it('ends a listener when its signal aborts', async () => {
    conn.serve({});
    const ac = new AbortController();
    const l = session.listen(['log'], { signal: ac.signal });
    await l.ready;
    const pending = l.next();
    ac.abort();
    expect((await pending).done).toBe(true);
  });
});

describe('timeouts', () => {
  it('rejects TimeoutError and drops the late response instead of handing it to the next call', async () => {
    const slow = session.request('slow', {}, { timeoutMs: 30 });
    await conn.expect(PACKET.CMD_REQUEST, 'slow');
    const err = await slow.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    const next = session.request('version');
    conn.respond({ answer: 'late, for slow' });
    await conn.expect(PACKET.CMD_REQUEST, 'version');
    conn.respond({ answer: 'for version' });
    expect(text((await next).get('answer'))).toBe('for version');
  });

  it('never sends a queued call that timed out before its turn', async () => {
    const first = session.request('first', {}, { timeoutMs: 0 });
    const doomed = session.request('doomed', {}, { timeoutMs: 20 });
    await conn.expect(PACKET.CMD_REQUEST, 'first');
    await expect(doomed).rejects.toBeInstanceOf(TimeoutError);
    const after = session.request('after');
    conn.respond({});
    await first;
    await conn.expect(PACKET.CMD_REQUEST, 'after');
    conn.respond({});
    await after;
    expect(conn.wire()).toEqual(['CMD_REQUEST first', 'CMD_REQUEST after']);
  });

  it('uses the session default and lets a call override it', async () => {
    const s2 = await Session.connect({ uri: server.uri, timeoutMs: 20 });
    const c2 = await server.connection();
    await expect(s2.request('x')).rejects.toBeInstanceOf(TimeoutError);
    const patient = s2.request('y', {}, { timeoutMs: 0 });
    await c2.expect(PACKET.CMD_REQUEST, 'x');
    c2.respond({});
    await c2.expect(PACKET.CMD_REQUEST, 'y');
    await new Promise((r) => setTimeout(r, 40));
    c2.respond({ ok: 'yes' });
    expect(text((await patient).get('ok'))).toBe('yes');
    await s2.close();
  });

  it('times out a stream and keeps its late events from everyone else', async () => {
    const stream = session.listSas({}, { timeoutMs: 30 });
    await conn.expect(PACKET.EVENT_REGISTER, 'list-sa');
    conn.confirm();
    await conn.expect(PACKET.CMD_REQUEST, 'list-sas');
    await expect(stream.collect()).rejects.toBeInstanceOf(TimeoutError);
    const next = session.request('version');
    conn.event('list-sa', ikeSa('late', '1'));
    conn.respond({});
    await conn.expect(PACKET.EVENT_UNREGISTER, 'list-sa');
    conn.confirm();
    await conn.expect(PACKET.CMD_REQUEST, 'version');
    conn.respond({ daemon: 'charon' });
    expect(text((await next).get('daemon'))).toBe('charon');
  });

  it('gives up when the call’s signal aborts', async () => {
    const ac = new AbortController();
    const call = session.request('slow', {}, { signal: ac.signal });
    await conn.expect(PACKET.CMD_REQUEST, 'slow');
    ac.abort(new Error('user pressed q'));
    await expect(call).rejects.toThrow('user pressed q');
  });
});

describe('the end of a session', () => {
  it('fails pending and queued calls and listeners with ConnectionClosedError, and emits close once', async () => {
    const closes: (Error | undefined)[] = [];
    session.on('close', (err?: Error) => closes.push(err));
    const l = session.listen(['log']);
    await conn.expect(PACKET.EVENT_REGISTER, 'log');
    conn.confirm();
    await l.ready;
    const pending = session.request('slow');
    const queued = session.request('queued');
    const stream = session.listSas();
    await conn.expect(PACKET.CMD_REQUEST, 'slow');
    const listening = l.next();
    conn.destroy();
    await expect(pending).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(queued).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(stream.collect()).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(listening).rejects.toBeInstanceOf(ConnectionClosedError);
    expect((await l.next()).done).toBe(true);
    await expect(session.version()).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(session.closed).toBe(true);
    expect(closes).toHaveLength(1);
    expect(closes[0]).toBeInstanceOf(ConnectionClosedError);
  });

  it('close() ends listeners, rejects queued calls, and emits close without an error', async () => {
    const closes: unknown[] = [];
    session.on('close', (err?: Error) => closes.push(err));
    const l = session.listen(['log']);
    const queued = expect(session.request('queued')).rejects.toBeInstanceOf(ConnectionClosedError);
    const pending = l.next();
    await session.close();
    await queued;
    expect((await pending).done).toBe(true);
    await conn.closed;
    expect(closes).toEqual([undefined]);
    await session.close();
    expect(closes).toHaveLength(1);
  });

  it('treats a malformed frame as a ProtocolError: fails everything, counts it, closes', async () => {
    const closes: (Error | undefined)[] = [];
    session.on('close', (err?: Error) => closes.push(err));
    const pending = session.request('version');
    const queued = session.request('stats');
    await conn.expect(PACKET.CMD_REQUEST, 'version');
    // a segment that claims 2 GB
    conn.sendRaw(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1]));
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    await expect(queued).rejects.toBe(err);
    expect(session.counters.protocolErrors).toBe(1);
    expect(closes).toEqual([err]);
    await conn.closed;
  });

  it('treats an answer nobody asked for as a ProtocolError', async () => {
    const closes: (Error | undefined)[] = [];
    session.on('close', (err?: Error) => closes.push(err));
    conn.confirm();
    await new Promise((r) => session.once('close', r));
    expect(closes[0]).toBeInstanceOf(ProtocolError);
    expect(closes[0]?.message).toMatch(/EVENT_CONFIRM/);
  });

  it('fails only the caller when a well-framed response body is malformed', async () => {
    const bad = session.request('version');
    await conn.expect(PACKET.CMD_REQUEST, 'version');
    conn.send(PACKET.CMD_RESPONSE, undefined, Buffer.from([9, 9, 9]));
    await expect(bad).rejects.toBeInstanceOf(ProtocolError);
    expect(session.counters.protocolErrors).toBe(1);
    const ok = session.request('version');
    await conn.expect(PACKET.CMD_REQUEST, 'version');
    conn.respond({ daemon: 'charon' });
    expect(text((await ok).get('daemon'))).toBe('charon');
  });

  it('reads frames split across chunks and many frames in one chunk', async () => {
    conn.serve({});
    const l = session.listen(['log']);
    await l.ready;
    const { encodeMessage, encodePacket } = await import('../../source/vici/index.js');
    const frames = Buffer.concat(
      Array.from({ length: 50 }, (_, i) =>
        encodePacket(PACKET.EVENT, 'log', encodeMessage({ n: i })),
      ),
    );
    for (let i = 0; i < frames.length; i += 7) conn.sendRaw(frames.subarray(i, i + 7));
    for (let i = 0; i < 50; i++) {
      expect(text((await l.next()).value?.message.get('n'))).toBe(String(i));
    }
    await l.close();
  });
});
