import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Feed } from '../../source/monitor/feed.js';
import type { Sessions } from '../../source/monitor/link.js';
import { FEED_EVENTS } from '../../source/monitor/read-event.js';
import { RowTable } from '../../source/monitor/row-table.js';
import { FakeDaemon } from './fake-daemon.js';
import { childTree, ikeFields } from './monitor-trees.js';

/* The feed alone: events from the events connection into the rows and the event log. */

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-12-01T21:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

async function setup() {
  const d = new FakeDaemon();
  const [poll, events, actions] = [await d.connect(), await d.connect(), await d.connect()];
  const s: Sessions = { gen: 1, poll, events, actions, listeners: [] };
  const table = new RowTable();
  const urgent: boolean[] = [];
  const lost: number[] = [];
  let heard: number | undefined;
  let alive = true;
  const feed = new Feed(table, {
    now: () => Date.now(),
    alive: () => alive,
    lose: (gen) => lost.push(gen),
    heard: (at) => {
      heard = at;
    },
    changed: (u) => urgent.push(u),
  });
  return {
    d,
    s,
    table,
    feed,
    urgent,
    lost,
    heard: () => heard,
    kill: () => {
      alive = false;
    },
  };
}

describe('Feed', () => {
  it('registers the feed events and alert; without alert (5.9.8) it notes that and goes on', async () => {
    const { d, s, feed } = await setup();
    await feed.start(s);
    await vi.advanceTimersByTimeAsync(0);
    expect(d.calls.filter((c) => c.method === 'listen').map((c) => c.args)).toEqual([
      FEED_EVENTS,
      ['alert'],
    ]);
    const texts = feed.snapshot(0).entries.map((e) => e.text);
    expect(texts).toEqual(['the daemon does not know the event "alert"; going on without it']);
    // The next link does not ask again for what the daemon does not know.
    await feed.start({ ...s, gen: 2, listeners: [] });
    expect(d.calls.filter((c) => c.method === 'listen')).toHaveLength(3);
  });

  it('applies events to the rows at once and logs them; up/down are urgent, logs are not', async () => {
    const { d, s, table, feed, urgent, heard } = await setup();
    await feed.start(s);
    await vi.advanceTimersByTimeAsync(0);
    urgent.length = 0;
    d.emit('child-updown', {
      up: 'yes',
      carol: {
        ...ikeFields({ uniqueid: '7' }),
        'child-sas': { 'carol-1': childTree({ uniqueid: '9', name: 'carol' }) },
      },
    });
    d.emit('log', { group: 'IKE', level: 1, msg: 'sending packet' });
    await vi.advanceTimersByTimeAsync(0);
    expect(table.get('7')?.children.map((c) => c.sa.uniqueid)).toEqual(['9']);
    expect(urgent).toEqual([true, false]);
    expect(heard()).toBe(Date.now());
    const entries = feed.snapshot(0).entries.slice(-2);
    expect(entries.map((e) => e.kind)).toEqual(['child-updown', 'log']);
    expect(entries[0]!.text).toMatch(/^CHILD_SA carol\{9\} up in carol\[7\]/);
  });

  it('a failed events connection loses the link; a dead generation is ignored', async () => {
    const { d, s, feed, lost } = await setup();
    await feed.start(s);
    await vi.advanceTimersByTimeAsync(0);
    d.ports[1]!.die(new Error('gone'));
    await vi.advanceTimersByTimeAsync(0);
    expect(lost).toEqual([1]);
    const again = await setup();
    await again.feed.start(again.s);
    again.kill();
    again.d.ports[1]!.die(new Error('gone'));
    await vi.advanceTimersByTimeAsync(0);
    expect(again.lost).toEqual([]);
  });
});
