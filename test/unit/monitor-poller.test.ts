import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Sessions } from '../../source/monitor/link.js';
import { Poller } from '../../source/monitor/poller.js';
import { RowTable } from '../../source/monitor/row-table.js';
import { FakeDaemon } from './fake-daemon.js';

/* The poller alone, on virtual time: what it asks the daemon, how often, and what it says. */

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-12-01T21:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

async function setup(opts: { intervalMs?: number; budget?: number } = {}, d = new FakeDaemon()) {
  const [poll, events, actions] = [await d.connect(), await d.connect(), await d.connect()];
  const s: Sessions = { gen: 1, poll, events, actions, listeners: [] };
  const table = new RowTable();
  const log: string[] = [];
  const stalls: { reason: string; since: number | undefined }[] = [];
  let stalled = false;
  let recovered = 0;
  let restarted = 0;
  let heard: number | undefined;
  let alive = true;
  const poller = new Poller(
    table,
    {
      now: () => Date.now(),
      cpuMs: () => 0,
      alive: () => alive,
      stall: (reason, since) => {
        stalled = true;
        stalls.push({ reason, since });
      },
      stalled: () => stalled,
      recovered: () => {
        stalled = false;
        recovered++;
      },
      heard: (at) => {
        heard = at;
      },
      lastHeard: () => heard,
      restarted: () => {
        restarted++;
      },
      note: (_tone, text) => log.push(text),
      changed: () => {},
    },
    opts,
  );
  const listings = () => d.calls.filter((c) => c.method === 'list-sas');
  return {
    d,
    s,
    table,
    poller,
    log,
    stalls,
    listings,
    counts: () => ({ recovered, restarted }),
    stop: () => {
      alive = false;
      poller.wake();
    },
  };
}

describe('Poller', () => {
  it('stats, a full listing into the rows, then connections; a full listing every interval', async () => {
    const t = await setup({ intervalMs: 1000 });
    t.d.ikes = [{ uniqueid: '1', children: [{ uniqueid: '1' }] }, { uniqueid: '2' }];
    void t.poller.run(t.s);
    await advance(0);
    expect(t.d.calls.map((c) => c.method).slice(0, 3)).toEqual(['stats', 'list-sas', 'list-conns']);
    expect([...t.table.snapshot().keys()]).toEqual(['1', '2']);
    expect(t.poller.listedOnce).toBe(true);
    expect(t.poller.trusted).toBe(true);
    expect(t.poller.stats?.ikeSasTotal).toBe(2);
    expect(t.listings()[0]!.args).toEqual({ noblock: true });
    await advance(10_000);
    // One full listing per interval (plus the first), no more.
    expect(t.listings().length).toBeGreaterThanOrEqual(10);
    expect(t.listings().length).toBeLessThanOrEqual(12);
    expect(t.poller.info().mode).toBe('full');
    t.stop();
  });

  it('over budget: rare full listings, and the rows on screen by ike-id, oldest first', async () => {
    const t = await setup({ intervalMs: 1000, budget: 0.005 });
    t.d.ikes = [{ uniqueid: '1' }, { uniqueid: '2' }, { uniqueid: '3' }];
    // Virtual time stands still during a listing: let each one take 20 ms of the daemon's.
    const slow = t.d.ports[0]!.listSasBodies.bind(t.d.ports[0]);
    t.d.ports[0]!.listSasBodies = (args, opts) => {
      vi.advanceTimersByTime(0);
      vi.setSystemTime(Date.now() + 20);
      return slow(args, opts);
    };
    t.poller.setVisible(['2', '3']);
    void t.poller.run(t.s);
    await advance(40_000);
    const info = t.poller.info();
    expect(info.mode).toBe('budgeted');
    expect(info.reason).toMatch(
      /^3 SAs: a full listing costs the daemon 20 ms; full every 60 s, rows on screen every 20 s$/,
    );
    const filtered = t.listings().filter((c) => (c.args as { 'ike-id'?: string })['ike-id']);
    expect(filtered.length).toBeGreaterThan(2);
    expect(new Set(filtered.map((c) => (c.args as { 'ike-id': string })['ike-id']))).toEqual(
      new Set(['2', '3']),
    );
    // Full listings: the first two (measured twice before slowing down), then none for 60 s.
    expect(t.listings().filter((c) => !(c.args as { 'ike-id'?: string })['ike-id'])).toHaveLength(
      2,
    );
    expect(t.log.some((l) => l.startsWith('polling slowed down: 3 SAs'))).toBe(true);
    t.stop();
  });

  it('a daemon that stops answering is a stall since its last answer; it then lists in full again', async () => {
    const t = await setup({ intervalMs: 1000 });
    t.d.ikes = [{ uniqueid: '1' }];
    void t.poller.run(t.s);
    await advance(3_000);
    const lastAnswer = Date.now() - (Date.now() % 1000);
    t.d.answering = false;
    await advance(10_000);
    expect(t.stalls).toHaveLength(1);
    expect(t.stalls[0]!.reason).toMatch(/no answer within/);
    expect(t.stalls[0]!.since).toBeLessThanOrEqual(lastAnswer + 1000);
    expect(t.stalls[0]!.since).toBeGreaterThanOrEqual(lastAnswer - 1000);
    const before = t.listings().length;
    t.d.answering = true;
    await advance(2_000);
    expect(t.counts().recovered).toBe(1);
    expect(t.listings().length).toBeGreaterThan(before);
    t.stop();
  });

  it('tells a restart from the flicker of since, and a refused command is noted, not fatal', async () => {
    const t = await setup({ intervalMs: 500 });
    void t.poller.run(t.s);
    for (let i = 0; i < 10; i++) {
      t.d.uptime.since = i % 2 ? 'Dec 01 20:57:33 2026' : 'Dec 01 20:57:32 2026';
      await advance(500);
    }
    expect(t.counts().restarted).toBe(0);
    t.d.uptime = { running: '1 second', since: 'Dec 01 21:00:04 2026' };
    await advance(600);
    expect(t.counts().restarted).toBe(1);
    t.d.refused.set('list-sas', 'no such thing');
    await advance(2_000);
    expect(t.log).toContain('polling: list-sas failed: no such thing');
    t.d.refused.clear();
    const n = t.listings().length;
    await advance(2_000);
    expect(t.listings().length).toBeGreaterThan(n);
    t.stop();
  });
});
