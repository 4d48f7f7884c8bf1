/*
 * swantop against a hostile daemon: the real monitor (real Sessions on a real unix socket) and
 * the real App drawn by ink-testing-library, fed by the hostile scripted server
 * (hostile-server.ts). Whatever the daemon sends, the screen holds no control character except
 * the SGR colours our theme paints, the poison shows as visible escapes, a broken stream is
 * reported in the link state, and nothing grows without bound.
 *
 * (JSX is not used: the unit project picks up *.test.ts only.)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../source/monitor/monitor.js';
import type { Monitor, MonitorSnapshot } from '../../source/monitor/types.js';
import { App } from '../../source/ui/app.js';
import { PACKET } from '../../source/vici/packet.js';
import {
  flood,
  HOSTILE_CONN_NAME_SHOWN,
  HOSTILE_IKE_NAME_SHOWN,
  HOSTILE_LOG_SHOWN_START,
  HOSTILE_REMOTE_ID_SHOWN,
  hostileIkeSa,
  hostileLogEvent,
  hostileScript,
  rawMessage,
  rawPacket,
  registeredFor,
} from './hostile-server.js';
import { ScriptedServer } from './scripted-server.js';
import { untilSnapshot } from './until-snapshot.js';

let server: ScriptedServer | undefined;
let monitor: Monitor | undefined;
let ui: ReturnType<typeof render> | undefined;

afterEach(async () => {
  ui?.unmount();
  await monitor?.stop();
  await server?.close();
  ui = undefined;
  monitor = undefined;
  server = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Our theme's colours: the only escape sequences a frame may hold. */
const SGR = /\x1b\[[0-9;]*m/g;
/** C0 (except newline), DEL, C1, and what sanitize() also refuses: bidi and other format chars. */
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}]/u;

function firstControl(frame: string): string | undefined {
  const m = CONTROL.exec(frame.replace(SGR, ''));
  if (!m) return undefined;
  const at = m.index;
  const around = frame.replace(SGR, '').slice(Math.max(0, at - 20), at + 20);
  return `U+${m[0].codePointAt(0)!.toString(16).padStart(4, '0')} in ${JSON.stringify(around)}`;
}

const until = (m: Monitor, what: string, ok: (s: MonitorSnapshot) => boolean, timeoutMs?: number) =>
  untilSnapshot(m, what, ok, timeoutMs);

async function untilFrame(what: string, ok: (frame: string) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const f = (ui?.lastFrame() ?? '').replace(SGR, '');
    if (ok(f)) return f;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frame:\n${f}`);
    await sleep(20);
  }
}

async function press(...keys: string[]) {
  for (const k of keys) {
    ui!.stdin.write(k);
    await sleep(30);
  }
}

function start(opts: { eventCapacity?: number; noColor?: boolean } = {}) {
  monitor = createMonitor({
    uri: server!.uri,
    intervalMs: 500,
    eventCapacity: opts.eventCapacity,
    connectTimeoutMs: 2_000,
  });
  monitor.start();
  ui = render(createElement(App, { monitor, noColor: opts.noColor ?? false }));
  return monitor;
}

function heapMb(): number {
  return process.memoryUsage().heapUsed / 2 ** 20;
}

// A real collection before each heap reading, so what is measured is what is retained.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

function retainedMb(): number {
  collect();
  return heapMb();
}

describe('a daemon that sends terminal control sequences', () => {
  for (const noColor of [false, true]) {
    it(`shows poisoned names and values only as visible escapes (${noColor ? 'no colour' : 'colour'})`, async () => {
      server = await ScriptedServer.start(hostileScript());
      const m = start({ noColor });
      await until(m, 'the hostile IKE_SA listed', (s) => s.ikes.size === 1 && !s.stale);
      // The row is truncated at 100 columns; the details show the whole name.
      await untilFrame('the IKE_SA row', (f) => f.includes('evil\\x1b[2J'));

      // Every view and the details of the row: each draws other daemon fields.
      await press('\r');
      await untilFrame('the details overlay', (f) => f.includes(HOSTILE_REMOTE_ID_SHOWN));
      await press('\x1b');
      await sleep(100);
      await press('2');
      await untilFrame('the conns view', (f) => f.includes('conn\\x1b[?1049'));
      await press('\r');
      await untilFrame('the connection details', (f) => f.includes(HOSTILE_CONN_NAME_SHOWN));
      await press('\x1b');
      // A poisoned log line, then the events view.
      const events = registeredFor(server.connections, 'log');
      expect(events, 'the monitor registered for log events').toBeDefined();
      events!.sendRaw(rawPacket(PACKET.EVENT, 'log', hostileLogEvent()));
      await press('3');
      await untilFrame('the poisoned log line', (f) => f.includes(HOSTILE_LOG_SHOWN_START));
      await press('1', '?');
      await sleep(100);
      await press('\x1b');

      const frames = ui!.frames;
      expect(frames.length).toBeGreaterThan(5);
      for (const frame of frames) expect(firstControl(frame)).toBeUndefined();
      if (noColor) {
        // Without colour only attributes (bold, dim, underline, inverse, reset) are painted.
        const colours = frames.flatMap((f) =>
          [...f.matchAll(/\x1b\[([0-9;]*)m/g)].flatMap((m) =>
            (m[1] ?? '').split(';').filter((c) => /^[39]\d$/.test(c)),
          ),
        );
        expect(colours).toEqual([]);
      }
      // The poison is there to see, as text.
      const all = frames.join('\n').replace(SGR, '');
      expect(all).toContain(HOSTILE_IKE_NAME_SHOWN);
      expect(all).toContain(HOSTILE_REMOTE_ID_SHOWN);
      expect(all).toContain(HOSTILE_CONN_NAME_SHOWN);
      expect(all).toContain(HOSTILE_LOG_SHOWN_START);
      expect(m.getSnapshot().link.kind).toBe('live');
    });
  }
});

describe('a daemon that breaks the protocol', () => {
  it('announcing a 4 GB frame: refused at once, reported in the link state, no allocation', async () => {
    const before = process.memoryUsage().rss;
    server = await ScriptedServer.start(
      hostileScript({
        commands: {
          version: (_req, conn) => {
            conn.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xff, PACKET.CMD_RESPONSE]));
            return 'silent';
          },
        },
      }),
    );
    const m = start();
    const s = await until(m, 'a reconnecting link', (x) => x.link.kind === 'reconnecting');
    if (s.link.kind !== 'reconnecting') throw new Error('unreachable');
    expect(s.link.reason).toMatch(/4294967295 bytes/);
    expect(s.link.reason).not.toContain('\n');
    expect(s.stale).toBe(true);
    // It keeps trying, and never waited for 4 GB.
    await until(
      m,
      'a second attempt',
      (x) => x.link.kind === 'reconnecting' && x.link.attempt >= 3,
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 2 ** 20);
    const f = await untilFrame('the reason in the header', (x) => x.includes('protocol error'));
    expect(firstControl(f)).toBeUndefined();
  });

  it('a malformed command response: a one-line protocol error in the link state, then retries', async () => {
    server = await ScriptedServer.start(
      hostileScript({
        commands: {
          version: (_req, conn) => {
            // A key announcing 200 value bytes, followed by 3: the message ends mid-value.
            const body = Buffer.concat([
              Buffer.from([3, 6]),
              Buffer.from('daemon'),
              Buffer.from([0, 200]),
              Buffer.from('\x1b[2J'),
            ]);
            conn.sendRaw(rawPacket(PACKET.CMD_RESPONSE, undefined, body));
            return 'silent';
          },
        },
      }),
    );
    const m = start();
    const s = await until(m, 'a reconnecting link', (x) => x.link.kind === 'reconnecting');
    if (s.link.kind !== 'reconnecting') throw new Error('unreachable');
    expect(s.link.reason.length).toBeGreaterThan(0);
    expect(s.link.reason).not.toContain('\n');
    await until(m, 'retries', (x) => x.link.kind === 'reconnecting' && x.link.attempt >= 3);
    const f = await untilFrame('reconnecting in the header', (x) => /reconnecting/.test(x));
    expect(firstControl(f)).toBeUndefined();
  });

  it('a malformed event and an unknown packet type: reported, the link is re-opened, no crash', async () => {
    server = await ScriptedServer.start(hostileScript());
    const m = start();
    await until(m, 'live', (s) => s.link.kind === 'live' && s.ikes.size === 1);
    const events = registeredFor(server.connections, 'log');
    expect(events).toBeDefined();
    // SECTION_END with no section open.
    events!.sendRaw(rawPacket(PACKET.EVENT, 'log', Buffer.from([2])));
    const s = await until(m, 'the link lost', (x) => x.link.kind === 'reconnecting');
    if (s.link.kind !== 'reconnecting') throw new Error('unreachable');
    expect(s.stale).toBe(true);
    expect(s.link.reason).not.toContain('\n');
    // It comes back on its own (the daemon behaves on the next connection).
    await until(m, 'live again', (x) => x.link.kind === 'live' && !x.stale, 15_000);
    const again = registeredFor(server.connections, 'log');
    again!.sendRaw(Buffer.from([0, 0, 0, 1, 99]));
    const s2 = await until(m, 'lost again', (x) => x.link.kind === 'reconnecting');
    if (s2.link.kind !== 'reconnecting') throw new Error('unreachable');
    expect(s2.link.reason).toMatch(/unknown packet type 99/);
  });

  it('a malformed list-sa body: a one-line protocol error in the feed, no row from it, no crash', async () => {
    // The listing's bodies go to monitor/sa-decoder.ts, not decodeMessage: it must refuse what
    // decodeMessage refuses (here a key twice in the IKE_SA) with the same ProtocolError, which
    // the poller reports as it reports any listing that failed, and tries again.
    const body = Buffer.concat([
      Buffer.from([1, 1, 0x61, 3, 5]),
      Buffer.from('state'),
      Buffer.from([0, 1, 0x41, 3, 5]),
      Buffer.from('state'),
      Buffer.from([0, 1, 0x42, 2]),
    ]);
    server = await ScriptedServer.start(
      hostileScript({
        commands: {
          'list-sas': (_req, conn) => {
            conn.sendRaw(rawPacket(PACKET.EVENT, 'list-sa', body));
            return {};
          },
        },
      }),
    );
    const m = start();
    const failed = (x: MonitorSnapshot) =>
      x.events.entries.filter((e) =>
        /^polling: protocol error .*duplicate key "state"/.test(e.text),
      );
    const s = await until(m, 'the listing refused twice', (x) => failed(x).length >= 2);
    for (const e of failed(s)) {
      expect(e.tone).toBe('warn');
      expect(e.text).not.toContain('\n');
    }
    expect(s.ikes.size).toBe(0);
    expect(s.stale).toBe(true);
    expect(firstControl(ui!.lastFrame() ?? '')).toBeUndefined();
  });

  it('a version that never answers: reported as a timeout within a bounded time', async () => {
    server = await ScriptedServer.start(hostileScript({ commands: { version: () => 'silent' } }));
    const m = start();
    const s = await until(m, 'a reconnecting link', (x) => x.link.kind === 'reconnecting', 15_000);
    if (s.link.kind !== 'reconnecting') throw new Error('unreachable');
    expect(s.link.reason).toMatch(/version/);
    expect(s.link.reason).toMatch(/no answer within/);
  });

  it('stats that stop answering: the rows go stale and the status says the daemon does not answer', async () => {
    let answer = true;
    const base = hostileScript();
    server = await ScriptedServer.start(
      hostileScript({
        commands: {
          stats: (req, conn) => (answer ? base.commands!.stats!(req, conn) : 'silent'),
        },
      }),
    );
    const m = start();
    await until(
      m,
      'live with rows',
      (s) => s.link.kind === 'live' && !s.stale && s.ikes.size === 1,
    );
    answer = false;
    const s = await until(m, 'stalled', (x) => x.stalled !== undefined, 15_000);
    expect(s.stale).toBe(true);
    expect(s.status?.level).toBe('error');
    // The UI keeps answering keys while the daemon is silent.
    await press('?');
    await untilFrame('help', (f) => /help/i.test(f) && f.includes('q'));
    await press('\x1b');
  });
});

describe('a daemon that never stops talking', () => {
  it('endless log events: the feed stays at its capacity, overflow is counted, memory is bounded', async () => {
    server = await ScriptedServer.start(hostileScript());
    const m = start({ eventCapacity: 500 });
    await until(m, 'live', (s) => s.link.kind === 'live' && s.ikes.size === 1);
    const events = registeredFor(server.connections, 'log')!;
    const heapBefore = retainedMb();
    const EVENTS = 50_000;
    const f = flood(events, 'log', hostileLogEvent, EVENTS);
    let peak = 0;
    let finished = false;
    void f.done.then(() => {
      finished = true;
    });
    while (!finished) {
      await sleep(100);
      peak = Math.max(peak, heapMb());
    }
    const sent = await f.done;
    expect(sent).toBe(EVENTS);
    // Every event is either in the feed's count or counted as not delivered.
    const s = await until(
      m,
      'the flood read',
      (x) => x.events.total + x.events.undelivered >= EVENTS,
      15_000,
    );
    expect(s.events.entries.length).toBeLessThanOrEqual(500);
    expect(s.events.capacity).toBe(500);
    // What fell off the front is counted, and so is what the session could not deliver.
    expect(s.events.dropped).toBe(s.events.total - s.events.entries.length);
    expect(s.events.dropped).toBeGreaterThan(0);
    // Tens of thousands of events went by; the heap did not keep them.
    expect(peak - heapBefore).toBeLessThan(200);
    for (const frame of ui!.frames.slice(-20)) expect(firstControl(frame)).toBeUndefined();
    expect(m.getSnapshot().link.kind).toBe('live');
  });

  it('a listing that never ends: what it buffers stays bounded in memory', async () => {
    let endless = false;
    const base = hostileScript();
    const LISTED = 100_000;
    let floodOn: ReturnType<typeof flood> | undefined;
    server = await ScriptedServer.start(
      hostileScript({
        commands: {
          'list-sas': (req, conn) => {
            if (!endless) return base.commands!['list-sas']!(req, conn);
            // The same 1,000 IKE_SAs over and over: the rows are bounded, so only a buffer that
            // keeps what the listing delivered could grow.
            floodOn ??= flood(
              conn,
              'list-sa',
              (n) => rawMessage([hostileIkeSa(String(n % 1000))]),
              LISTED,
            );
            return 'silent';
          },
        },
      }),
    );
    const m = start();
    await until(m, 'live', (s) => s.link.kind === 'live' && s.ikes.size === 1 && !s.stale);
    const heapBefore = retainedMb();
    endless = true;
    // The same 1,000 IKE_SAs over and over, 100,000 of them in one listing that never ends.
    // The test counts events, not seconds: the deadline only stops a flood that stalls (a
    // loaded CI machine took over 20 s for what takes 6 s here).
    const deadline = Date.now() + 120_000;
    while (!floodOn && Date.now() < deadline) await sleep(20);
    expect(floodOn, 'the monitor asked for a listing').toBeDefined();
    let peak = 0;
    while (floodOn!.sent < LISTED && Date.now() < deadline) {
      await sleep(500);
      peak = Math.max(peak, retainedMb());
    }
    const sent = await floodOn!.stop();
    expect(sent).toBe(LISTED);
    expect(
      peak - heapBefore,
      `${sent} list-sa events, retained heap ${heapBefore.toFixed(0)} → ${peak.toFixed(0)} MB`,
    ).toBeLessThan(64);
  }, 150_000);
});
