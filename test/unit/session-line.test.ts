/*
 * The one line to the daemon: who holds it, what a call that could not get on it is told,
 * registrations that wait for it instead of timing out, names charon would never answer, and
 * listeners that leave nothing behind on a shared AbortSignal.
 */
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  EncodeError,
  PACKET,
  Session,
  TimeoutError,
  text,
} from '../../source/vici/index.js';
import { type ScriptedConnection, ScriptedServer } from './scripted-server.js';

let server: ScriptedServer;
let session: Session;
let conn: ScriptedConnection;

beforeEach(async () => {
  server = await ScriptedServer.start();
});

afterEach(async () => {
  await session?.close();
  await server.close();
});

async function open(opts: { timeoutMs?: number; closeOnTimeout?: boolean } = {}): Promise<void> {
  session = await Session.connect({ uri: server.uri, ...opts });
  conn = await server.connection();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a sent command that timed out holds the line', () => {
  it('a call that could not be sent says so, and names what holds the line and why', async () => {
    await open({ timeoutMs: 5000 });
    const initiate = session.initiate({ child: 'far-away' }, { timeoutMs: 30 });
    await conn.expect(PACKET.EVENT_REGISTER, 'control-log');
    conn.confirm();
    await conn.expect(PACKET.CMD_REQUEST, 'initiate');
    await expect(initiate.result).rejects.toThrow('command "initiate" got no answer within 30 ms');
    const err = await session.version({ timeoutMs: 40 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    const t = err as TimeoutError;
    expect(t.sent).toBe(false);
    expect(t.message).toMatch(
      /^command "version" not sent within 40 ms: still waiting for the answer to command "initiate" \(sent \d+\.\d s ago; it timed out after 30 ms\)$/,
    );
    // the late answer frees the line, and goes to nobody
    conn.respond({ success: 'no', errmsg: 'late' });
    await conn.expect(PACKET.EVENT_UNREGISTER, 'control-log');
    conn.confirm();
    const v = session.version();
    await conn.expect(PACKET.CMD_REQUEST, 'version');
    conn.respond({ daemon: 'charon' });
    expect((await v).daemon).toBe('charon');
  });

  it('names a command still in flight that did not time out', async () => {
    await open();
    const slow = session.request('slow', {}, { timeoutMs: 0 });
    await conn.expect(PACKET.CMD_REQUEST, 'slow');
    const err = (await session.request('quick', {}, { timeoutMs: 20 }).catch((e) => e)) as Error;
    expect(err.message).toMatch(
      /^command "quick" not sent within 20 ms: still waiting for the answer to command "slow" \(sent \d+\.\d s ago\)$/,
    );
    conn.respond({});
    await slow;
  });

  it('closeOnTimeout (session): closes, fails the queue at once with the reason, emits close', async () => {
    await open({ closeOnTimeout: true });
    const closes: (Error | undefined)[] = [];
    session.on('close', (err) => closes.push(err));
    const stuck = session.request('initiate', {}, { timeoutMs: 30 });
    const queued = session.version({ timeoutMs: 60_000 });
    await conn.expect(PACKET.CMD_REQUEST, 'initiate');
    await expect(stuck).rejects.toBeInstanceOf(TimeoutError);
    const err = await queued.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect((err as Error).message).toBe(
      'closed the connection: command "initiate" got no answer within 30 ms',
    );
    expect(session.closed).toBe(true);
    expect(closes).toHaveLength(1);
    expect(closes[0]?.message).toBe((err as Error).message);
    await conn.closed; // the daemon sees the connection go
  });

  it('closeOnTimeout per call, and a call can opt out of the session’s', async () => {
    await open({ closeOnTimeout: true });
    const patient = session.request('a', {}, { timeoutMs: 20, closeOnTimeout: false });
    await conn.expect(PACKET.CMD_REQUEST, 'a');
    await expect(patient).rejects.toBeInstanceOf(TimeoutError);
    expect(session.closed).toBe(false);
    conn.respond({});
    await session.close();

    await open();
    const strict = session.request('b', {}, { timeoutMs: 20, closeOnTimeout: true });
    await conn.expect(PACKET.CMD_REQUEST, 'b');
    await expect(strict).rejects.toBeInstanceOf(TimeoutError);
    expect(session.closed).toBe(true);
  });

  it('a call that timed out before it was sent does not close the session', async () => {
    await open({ closeOnTimeout: true });
    const first = session.request('first', {}, { timeoutMs: 0 });
    const doomed = session.request('doomed', {}, { timeoutMs: 20 });
    await conn.expect(PACKET.CMD_REQUEST, 'first');
    await expect(doomed).rejects.toBeInstanceOf(TimeoutError);
    expect(session.closed).toBe(false);
    conn.respond({});
    await first;
  });
});

describe('registrations do not take the call timeout', () => {
  it('a listener queued behind a slow command waits, yields no heartbeat, then hears the event', async () => {
    await open({ timeoutMs: 50 });
    const slow = session.request('slow', {}, { timeoutMs: 0 });
    await conn.expect(PACKET.CMD_REQUEST, 'slow');
    const listener = session.listen(['ike-updown'], { timeoutMs: 10 });
    const first = listener.next();
    let settled = false;
    void first.then(() => {
      settled = true;
    });
    await sleep(150); // three session timeouts, fifteen heartbeats
    expect(settled).toBe(false); // not registered yet: neither an event nor a heartbeat
    conn.respond({});
    await slow;
    await conn.expect(PACKET.EVENT_REGISTER, 'ike-updown');
    conn.confirm();
    await listener.ready;
    conn.event('ike-updown', { up: 'yes', moon: { uniqueid: '1' } });
    // the first next() may be a heartbeat if the event is slower than 10 ms; the event follows
    let r = await first;
    while (r.value === null) r = await listener.next();
    expect(r.value?.type).toBe('ike-updown');
    void conn.serve({}); // answers the unregistration close() waits for
    await listener.close();
  });

  it('a registration that cannot be made rejects ready and ends the iterator with the error', async () => {
    await open();
    const listener = session.listen(['ike-updown'], { timeoutMs: 10 });
    await conn.expect(PACKET.EVENT_REGISTER, 'ike-updown');
    conn.destroy(); // the daemon goes before it answers
    await expect(listener.ready).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(listener.next()).rejects.toBeInstanceOf(ConnectionClosedError);
    expect((await listener.next()).done).toBe(true);
  });
});

describe('a listener with nothing left to hear', () => {
  it('ends after reporting its only name unknown, instead of beating while deaf', async () => {
    await open();
    void conn.serve({ events: ['log'] });
    const l = session.listen(['alert'], { timeoutMs: 10 });
    await l.ready;
    await expect(l.next()).rejects.toThrow('the daemon does not know the event "alert"');
    expect(await l.next()).toEqual({ done: true, value: undefined });
    // with a known name beside it, it goes on (and beats)
    const both = session.listen(['alert', 'log'], { timeoutMs: 10 });
    await expect(both.next()).rejects.toThrow('"alert"');
    expect((await both.next()).value).toBeNull();
    await both.close();
  });
});

describe('names charon would never answer', () => {
  for (const name of ['vérsion', 'ver\u0001sion', 'version\n', 'tab\there', 'del\u007f']) {
    it(`refuses the command ${JSON.stringify(name)} with EncodeError, sends nothing, stays usable`, async () => {
      await open();
      await expect(session.request(name)).rejects.toBeInstanceOf(EncodeError);
      const s = session.streamedRequest(name, 'list-sa');
      await expect(s.result).rejects.toBeInstanceOf(EncodeError);
      const v = session.request('version');
      const p = await conn.next();
      expect(p.name).toBe('version');
      conn.respond({ daemon: 'charon' });
      expect(text((await v).get('daemon'))).toBe('charon');
    });
  }

  it('refuses event names outside printable ASCII before sending anything', async () => {
    await open();
    expect(() => session.listen(['ïke-updown' as string, 'child-updown'])).toThrow(EncodeError);
    expect(() => session.listen(['log\u0000' as string])).toThrow(
      /U\+0000 at 3: names must be printable ASCII/,
    );
    const s = session.streamedRequest('list-sas', 'list\u00a0sa');
    await expect(s.result).rejects.toBeInstanceOf(EncodeError);
    const v = session.request('version');
    expect((await conn.next()).name).toBe('version');
    conn.respond({});
    await v;
    expect(conn.wire()).toEqual(['CMD_REQUEST version']);
  });
});

describe('a listener on a shared AbortSignal', () => {
  it('30 closed listeners leave no handler on it and no MaxListenersExceededWarning', async () => {
    await open();
    void conn.serve({});
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const ac = new AbortController();
      for (let i = 0; i < 30; i++) {
        const l = session.listen(['log'], { signal: ac.signal });
        await l.ready;
        await l.close();
      }
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
      // and when the session ends under an open one
      const last = session.listen(['log'], { signal: ac.signal });
      await last.ready;
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
      await session.close();
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
      await sleep(10);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
