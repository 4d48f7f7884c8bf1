import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DaemonLink, type LinkHooks, type Sessions } from '../../source/monitor/link.js';
import { FakeDaemon } from './fake-daemon.js';

/* The link alone: three connections, generations, backoff, stalls, a quiet stop. */

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-12-01T21:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

function setup(d = new FakeDaemon()) {
  const notes: string[] = [];
  const ups: Sessions[] = [];
  const statuses: string[] = [];
  let distrusted = 0;
  const hooks: LinkHooks = {
    now: () => Date.now(),
    up: (s) => {
      ups.push(s);
    },
    distrust: () => {
      distrusted++;
    },
    note: (_tone, text) => notes.push(text),
    changed: () => {},
    status: (level, text) => statuses.push(`${level}: ${text}`),
  };
  const link = new DaemonLink(d.connect, hooks);
  return { d, link, notes, ups, statuses, distrusted: () => distrusted };
}

describe('DaemonLink', () => {
  it('opens three connections and is live once the daemon answered version', async () => {
    const { d, link, notes, ups } = setup();
    expect(link.state.kind).toBe('connecting');
    link.start();
    await advance(0);
    expect(d.ports).toHaveLength(3);
    expect(link.state.kind).toBe('live');
    expect(link.daemon).toMatchObject({ daemon: 'charon', version: '5.9.8' });
    expect(notes).toEqual(['connected to charon 5.9.8']);
    expect(ups).toHaveLength(1);
    expect(link.alive(ups[0]!)).toBe(true);
    expect(link.actions()).toBe(ups[0]!.actions);
    await link.stop();
  });

  it('a lost connection: a new generation after the backoff, the old one no longer alive', async () => {
    const { d, link, notes, ups, distrusted } = setup();
    link.start();
    await advance(0);
    const first = ups[0]!;
    d.ports[1]!.die(new Error('the daemon closed the connection'));
    expect(link.state).toMatchObject({ kind: 'reconnecting', attempt: 2 });
    if (link.state.kind !== 'reconnecting') throw new Error('unreachable');
    expect(link.state.retryAt - Date.now()).toBe(500);
    expect(distrusted()).toBe(1);
    expect(link.alive(first)).toBe(false);
    expect(link.actions()).toBeUndefined();
    expect(notes.at(-1)).toBe('lost the daemon: the daemon closed the connection');
    await advance(499);
    expect(d.ports).toHaveLength(3);
    await advance(1);
    expect(d.ports).toHaveLength(6);
    expect(link.state.kind).toBe('live');
    expect(ups).toHaveLength(2);
    expect(link.alive(ups[1]!)).toBe(true);
    await link.stop();
  });

  it('a daemon never reached: "cannot reach", and the backoff grows 0.5, 1, 2 s', async () => {
    const d = new FakeDaemon();
    d.refuse = new Error('no vici socket at /run/x.vici');
    const { link, notes } = setup(d);
    link.start();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      await advance(0);
      if (link.state.kind !== 'reconnecting') throw new Error(`link is ${link.state.kind}`);
      delays.push(link.state.retryAt - Date.now());
      await advance(link.state.retryAt - Date.now());
    }
    expect(delays).toEqual([500, 1000, 2000]);
    // Said once, not once per attempt, and never "lost".
    expect(notes).toEqual(['cannot reach the daemon: no vici socket at /run/x.vici']);
    await link.stop();
  });

  it('a version that never comes is a timeout, not a live link', async () => {
    const d = new FakeDaemon();
    d.answering = false;
    const { link } = setup(d);
    link.start();
    await advance(4_999);
    expect(link.state.kind).toBe('connecting');
    await advance(1);
    expect(link.state).toMatchObject({
      kind: 'reconnecting',
      reason: expect.stringMatching(/version/),
    });
    await link.stop();
  });

  it('stalled since the last answer, then live again', async () => {
    const { link, statuses, distrusted } = setup();
    link.start();
    await advance(0);
    const lastAnswer = Date.now();
    await advance(9_000);
    link.stall('stats got no answer within 5000 ms', lastAnswer);
    expect(link.state).toEqual({
      kind: 'stalled',
      since: lastAnswer,
      reason: 'stats got no answer within 5000 ms',
    });
    expect(link.stalled).toEqual({
      since: lastAnswer,
      reason: 'stats got no answer within 5000 ms',
    });
    expect(distrusted()).toBe(1);
    link.stall('again', Date.now());
    expect(link.stalled?.since).toBe(lastAnswer);
    link.recovered();
    expect(link.state.kind).toBe('live');
    expect(link.stalled).toBeUndefined();
    expect(statuses).toEqual([
      'error: the daemon does not answer (stats got no answer within 5000 ms); still trying',
      'info: the daemon answers again',
    ]);
    await link.stop();
  });

  it('stop closes every connection quietly and is closed', async () => {
    const { d, link } = setup();
    link.start();
    await advance(0);
    await link.stop();
    expect(link.state.kind).toBe('closed');
    for (const p of d.ports) expect(d.methodsOn(p.index).slice(-2)).toEqual(['version', 'close']);
    expect(d.openPorts()).toHaveLength(0);
  });
});
