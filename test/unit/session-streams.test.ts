/*
 * Streamed commands on one session get exactly their own items: a stream takes the events of
 * its name only while its own command is on the wire, and a stream its caller left (break,
 * abort, timeout) takes nothing more and yields nothing more.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  encodePacket,
  PACKET,
  parseListSaEvent,
  type Session,
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

/** A daemon whose list-sas sends the SAs of the requested connection (all without a filter). */
const SAS = [
  ['net-net', '1'],
  ['rw', '2'],
  ['rw', '3'],
  ['scale', '4'],
] as const;
function listing(): void {
  void conn.serve({
    commands: {
      'list-sas': (req, c) => {
        const want = text(req.get('ike'));
        for (const [name, id] of SAS)
          if (!want || want === name) c.event('list-sa', ikeSa(name, id));
        return {};
      },
      version: () => ({ daemon: 'charon' }),
    },
  });
}

describe('concurrent streams of one event name', () => {
  it('give each listing its own SAs, with one registration on the wire', async () => {
    listing();
    const [a, b, c] = await Promise.all([
      session.listSas({ ike: 'net-net' }).collect(),
      session.listSas({ ike: 'rw' }).collect(),
      session.listSas().collect(),
    ]);
    expect(a.map((s) => s.uniqueid)).toEqual(['1']);
    expect(b.map((s) => s.uniqueid)).toEqual(['2', '3']);
    expect(c.map((s) => s.uniqueid)).toEqual(['1', '2', '3', '4']);
    expect(session.counters.undeliveredEvents).toBe(0);
    while (conn.received.length < 5) await new Promise((r) => setTimeout(r, 2));
    expect(conn.wire()).toEqual([
      'EVENT_REGISTER list-sa',
      'CMD_REQUEST list-sas',
      'CMD_REQUEST list-sas',
      'CMD_REQUEST list-sas',
      'EVENT_UNREGISTER list-sa',
    ]);
  });

  it('attach when their command is sent, not when they are made', async () => {
    const first = session.listSas({ ike: 'net-net' });
    const second = session.listSas({ ike: 'rw' });
    await conn.expect(PACKET.EVENT_REGISTER, 'list-sa');
    conn.confirm();
    await conn.expect(PACKET.CMD_REQUEST, 'list-sas');
    conn.event('list-sa', ikeSa('net-net', '1'));
    conn.respond({});
    // only now is the second command on the wire, and only now are list-sa events its own
    await conn.expect(PACKET.CMD_REQUEST, 'list-sas');
    conn.event('list-sa', ikeSa('rw', '2'));
    conn.respond({});
    await conn.expect(PACKET.EVENT_UNREGISTER, 'list-sa');
    conn.confirm();
    expect((await first.collect()).map((s) => s.name)).toEqual(['net-net']);
    expect((await second.collect()).map((s) => s.name)).toEqual(['rw']);
  });

  it('keep the control-log lines of two initiates apart; a listener sees them all', async () => {
    void conn.serve({
      commands: {
        initiate: (req, c) => {
          const child = text(req.get('child'))!;
          c.event('control-log', { group: 'CHD', level: '1', msg: `${child}: initiating` });
          c.event('control-log', { group: 'CHD', level: '1', msg: `${child}: established` });
          return { success: 'yes' };
        },
      },
    });
    const everything = session.listen(['control-log']);
    await everything.ready;
    const [a, b] = await Promise.all([
      session.initiate({ child: 'a' }).collect(),
      session.initiate({ child: 'b' }).collect(),
    ]);
    expect(a.map((l) => l.msg)).toEqual(['a: initiating', 'a: established']);
    expect(b.map((l) => l.msg)).toEqual(['b: initiating', 'b: established']);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await everything.next();
      seen.push(text((r.value as { message: Map<string, Buffer> }).message.get('msg')) ?? '');
    }
    expect(seen).toEqual(['a: initiating', 'a: established', 'b: initiating', 'b: established']);
    await everything.close();
  });
});

describe('a stream its caller left', () => {
  it('after an early break: the rest drains to nobody (counted), the next listing gets its own', async () => {
    const first = session.listSas();
    await conn.expect(PACKET.EVENT_REGISTER, 'list-sa');
    conn.confirm();
    await conn.expect(PACKET.CMD_REQUEST, 'list-sas');
    conn.event('list-sa', ikeSa('net-net', '1'));
    for await (const sa of first) {
      expect(sa.uniqueid).toBe('1');
      break;
    }
    // made while the broken listing is still on the wire, as a loop over listings does
    const next = session.listSas({ ike: 'net-net' });
    for (const [name, id] of SAS.slice(1)) conn.event('list-sa', ikeSa(name, id));
    conn.respond({});
    await conn.expect(PACKET.CMD_REQUEST, 'list-sas');
    conn.event('list-sa', ikeSa('net-net', '1'));
    conn.respond({});
    expect((await next.collect()).map((s) => s.uniqueid)).toEqual(['1']);
    expect(session.counters.undeliveredEvents).toBe(3);
  });

  it('after an abort: nothing buffered is yielded, the late items drain, the next listing is clean', async () => {
    const ac = new AbortController();
    const aborted = session.listSas({}, { signal: ac.signal });
    const after = session.listSas({ ike: 'rw' });
    await conn.expect(PACKET.EVENT_REGISTER, 'list-sa');
    conn.confirm();
    await conn.expect(PACKET.CMD_REQUEST, 'list-sas');
    for (let i = 0; i < 5; i++) conn.event('list-sa', ikeSa(`early${i}`, String(i)));
    const it = aborted[Symbol.asyncIterator]();
    expect((await it.next()).value?.name).toBe('early0'); // four more are buffered now
    ac.abort(new Error('user pressed q'));
    await expect(it.next()).rejects.toThrow('user pressed q');
    expect((await it.next()).done).toBe(true);
    // the aborted command is still on the wire: its late items are nobody's
    for (let i = 0; i < 3; i++) conn.event('list-sa', ikeSa(`late${i}`, String(10 + i)));
    conn.respond({});
    await conn.expect(PACKET.CMD_REQUEST, 'list-sas');
    conn.event('list-sa', ikeSa('rw', '2'));
    conn.respond({});
    expect((await after.collect()).map((s) => s.name)).toEqual(['rw']);
    expect(session.counters.undeliveredEvents).toBe(3);
  });

  it('after an abort of a listing already answered: stops, does not end normally', async () => {
    listing();
    const ac = new AbortController();
    const stream = session.listSas({}, { signal: ac.signal });
    await stream.result; // every item is buffered
    const seen: string[] = [];
    const outcome = await (async () => {
      for await (const sa of stream) {
        seen.push(sa.uniqueid);
        ac.abort();
      }
    })().then(
      () => 'ended normally',
      (e: Error) => e.name,
    );
    expect(outcome).toBe('AbortError');
    expect(seen).toEqual(['1']);
  });

  it('after a timeout: the error comes first, not the buffered items', async () => {
    const stream = session.listSas({}, { timeoutMs: 60 });
    await conn.expect(PACKET.EVENT_REGISTER, 'list-sa');
    conn.confirm();
    await conn.expect(PACKET.CMD_REQUEST, 'list-sas');
    for (let i = 0; i < 5; i++) conn.event('list-sa', ikeSa(`sa${i}`, String(i)));
    await expect(stream.result).rejects.toBeInstanceOf(TimeoutError);
    const seen: string[] = [];
    const err = await (async () => {
      for await (const sa of stream) seen.push(sa.name);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(seen).toEqual([]);
  });
});

describe('listSasBodies', () => {
  it('yields each list-sa body as bytes of its own: what listSas decodes, in order', async () => {
    const stream = session.listSasBodies({ noblock: true });
    await conn.expect(PACKET.EVENT_REGISTER, 'list-sa');
    conn.confirm();
    const req = await conn.expect(PACKET.CMD_REQUEST, 'list-sas');
    expect(text(req.message?.get('noblock'))).toBe('yes');
    // All sent in one write with the answer: read as one chunk, each body is a view into it
    // until it is copied.
    // Bodies over Buffer's 4 KiB pool size and under it (a real list-sa body is about 1 KB):
    // neither may share memory with another body, or a kept one holds a pool slab alive.
    const events = SAS.slice(0, 3).map(([name, id], i) =>
      encodeMessage({
        [name]: { uniqueid: id, state: 'ESTABLISHED', note: 'x'.repeat(i === 0 ? 5000 : 300) },
      }),
    );
    conn.sendRaw(
      Buffer.concat([
        ...events.map((e) => encodePacket(PACKET.EVENT, 'list-sa', e)),
        encodePacket(PACKET.CMD_RESPONSE, undefined, encodeMessage({})),
      ]),
    );
    const bodies = await stream.collect();
    expect(bodies).toEqual(events);
    for (const b of bodies) {
      // Owned: a kept body holds its own bytes alive, not the socket chunk with the others.
      expect(b.byteOffset).toBe(0);
      expect(b.buffer.byteLength).toBe(b.length);
    }
    expect(parseListSaEvent(decodeMessage(bodies[2]!)).map((s) => s.uniqueid)).toEqual(['3']);
    expect(await stream.result).toEqual(new Map());
  });

  it('leaves the session usable when the caller leaves early, like listSas', async () => {
    listing();
    for await (const _ of session.listSasBodies()) break;
    const rest = await session.listSasBodies({ ike: 'rw' }).collect();
    expect(rest.map((b) => [...decodeMessage(b).keys()])).toEqual([['rw'], ['rw']]);
  });
});
