import { describe, expect, it } from 'vitest';
import { Commander, validGateway } from '../../source/monitor/commander.js';
import type { SessionPort } from '../../source/monitor/session-port.js';
import type { ActionStatus, Progress, Target } from '../../source/monitor/types.js';
import { CommandError } from '../../source/vici/errors.js';

/*
 * The Commander's boundary is SessionPort (the few Session methods it calls). The stand-in
 * below records every call made through it; where a test needs answers it gives the
 * daemon's documented ones.
 */

interface Call {
  method: string;
  args: unknown[];
}

function stream<T>(items: T[], result: Promise<unknown>) {
  return {
    result,
    async *[Symbol.asyncIterator]() {
      for (const i of items) yield i;
    },
  };
}

function recordingSession(answers: Partial<Record<string, (...args: unknown[]) => unknown>> = {}) {
  const calls: Call[] = [];
  const session = new Proxy(
    {},
    {
      get(_t, prop) {
        if (prop === 'closed') return false;
        if (prop === 'then') return undefined;
        return (...args: unknown[]) => {
          calls.push({ method: String(prop), args });
          const answer = answers[String(prop)];
          if (!answer) throw new Error(`the stand-in has no answer for ${String(prop)}`);
          return answer(...args);
        };
      },
    },
  ) as SessionPort;
  return { session, calls };
}

function commander(opts: { readOnly: boolean; session?: SessionPort }) {
  const statuses: ActionStatus[] = [];
  const progress: (Progress | undefined)[] = [];
  const refreshed: string[][] = [];
  let sessionAsked = 0;
  const c = new Commander({
    readOnly: opts.readOnly,
    session: () => {
      sessionAsked++;
      return opts.session;
    },
    now: () => 42,
    status: (s) => statuses.push(s),
    progress: (p) => progress.push(p),
    refresh: (ids) => refreshed.push([...ids]),
  });
  return { c, statuses, progress, refreshed, sessionAsked: () => sessionAsked };
}

const ike: Target = { kind: 'ike', uniqueid: '3', name: 'net-net' };
const child: Target = { kind: 'child', ikeUniqueid: '3', uniqueid: '5', name: 'net-net' };

describe('read-only mode', () => {
  it('refuses every action without touching a session, and says so', async () => {
    const { session, calls } = recordingSession();
    const { c, statuses, sessionAsked } = commander({ readOnly: true, session });
    const results = [
      await c.rekey([ike]),
      await c.terminate([ike, child]),
      await c.redirect([ike], '192.168.0.5'),
      await c.initiate([{ conn: 'carol' }]),
      await c.initiate([{ conn: 'a' }, { conn: 'b' }]),
    ];
    for (const r of results) {
      expect(r.ok).toBe(false);
      expect(r.text).toMatch(/refused: swantop runs read-only \(no command was sent\)$/);
    }
    expect(results[0]!.text).toMatch(/^rekey refused/);
    expect(results[1]!.text).toMatch(/^terminate refused/);
    expect(calls).toEqual([]);
    expect(sessionAsked()).toBe(0);
    expect(statuses.map((s) => s.level)).toEqual(['error', 'error', 'error', 'error', 'error']);
  });
});

describe('actions', () => {
  it("rekeys by ike-id and child-id and reports the daemon's matches", async () => {
    const { session, calls } = recordingSession({ rekey: async () => ({ matches: 1 }) });
    const { c, statuses, refreshed } = commander({ readOnly: false, session });
    const r = await c.rekey([ike, child]);
    expect(calls.map((x) => x.args[0])).toEqual([{ 'ike-id': '3' }, { 'child-id': '5' }]);
    expect(r).toEqual({ ok: true, text: 'rekey 2 SAs: 2 matched' });
    expect(statuses.at(-1)).toEqual({ at: 42, level: 'info', text: 'rekey 2 SAs: 2 matched' });
    expect(refreshed).toEqual([['3']]);
  });

  it('says an action is under way before the daemon answers, on the same channel as its outcome', async () => {
    let answer: (v: { matches: number }) => void = () => {};
    const { session } = recordingSession({
      rekey: () => new Promise((resolve) => (answer = resolve)),
    });
    const { c, statuses } = commander({ readOnly: false, session });
    const done = c.rekey([ike]);
    await Promise.resolve();
    expect(statuses).toEqual([{ at: 42, level: 'info', text: 'rekey net-net[3]…', pending: true }]);
    answer({ matches: 1 });
    expect(await done).toEqual({ ok: true, text: 'rekey net-net[3]: 1 matched' });
    expect(statuses.at(-1)).toEqual({ at: 42, level: 'info', text: 'rekey net-net[3]: 1 matched' });
    expect(statuses).toHaveLength(2);
  });

  it("reports the daemon's errmsg as a failed result", async () => {
    const { session } = recordingSession({
      rekey: async () => {
        throw new CommandError('rekey', 'no matching SA found', new Map());
      },
    });
    const { c } = commander({ readOnly: false, session });
    const r = await c.rekey([ike]);
    expect(r).toEqual({
      ok: false,
      text: 'rekey net-net[3] failed: no matching SA found',
    });
  });

  it('says when nothing matched', async () => {
    const { session } = recordingSession({ rekey: async () => ({ matches: 0 }) });
    const { c } = commander({ readOnly: false, session });
    expect((await c.rekey([ike])).text).toBe('rekey net-net[3]: no SA matched (already gone?)');
  });

  it('terminates with a daemon-side timeout, so a dead daemon cannot hang it', async () => {
    const { session, calls } = recordingSession({
      terminate: () =>
        stream([{ msg: 'deleting IKE_SA' }], Promise.resolve({ matches: 1, terminated: 1 })),
    });
    const { c } = commander({ readOnly: false, session });
    const r = await c.terminate([ike]);
    expect(r.ok).toBe(true);
    expect(calls[0]!.args[0]).toMatchObject({ 'ike-id': '3', timeout: 5000 });
    expect(calls[0]!.args[1]).toMatchObject({ timeoutMs: expect.any(Number) });
  });

  it('refuses a redirect to something that is not an address or a host name, before sending', async () => {
    const { session, calls } = recordingSession({ redirect: async () => ({ matches: 1 }) });
    const { c } = commander({ readOnly: false, session });
    for (const bad of [
      '',
      'a b',
      '300.1.2.3',
      '-bad.example',
      'x'.repeat(64),
      'moon;rm',
      '\x1b[2J',
    ]) {
      const r = await c.redirect([ike], bad);
      expect(r.ok).toBe(false);
      expect(r.text).toMatch(/is not an IP address or a host name/);
    }
    expect(calls).toEqual([]);
    // A CHILD_SA stands for its IKE_SA; one redirect per IKE_SA.
    const ok = await c.redirect([ike, child], 'fd00::2');
    expect(ok.ok).toBe(true);
    expect(calls.map((x) => x.args[0])).toEqual([{ 'ike-id': '3', gateway: 'fd00::2' }]);
  });

  it('one initiate streams its control-log into progress; several go asynchronous', async () => {
    const { session, calls } = recordingSession({
      initiate: (args: unknown) =>
        (args as { timeout: number }).timeout === -1
          ? stream([], Promise.resolve(new Map()))
          : stream(
              [{ msg: 'initiating IKE_SA carol[9]' }, { msg: 'CHILD_SA carol{12} established' }],
              Promise.resolve(new Map()),
            ),
    });
    const { c, progress } = commander({ readOnly: false, session });
    const one = await c.initiate([{ conn: 'carol' }]);
    expect(one).toEqual({ ok: true, text: 'initiate carol: established' });
    expect(progress.at(-1)).toEqual({
      title: 'initiate carol',
      lines: ['initiating IKE_SA carol[9]', 'CHILD_SA carol{12} established'],
      done: true,
      ok: true,
    });
    expect(calls[0]!.args[0]).toMatchObject({ ike: 'carol', child: 'carol', timeout: 30_000 });
    const many = await c.initiate(Array.from({ length: 50 }, (_, i) => ({ conn: `c${i + 1}` })));
    expect(many).toEqual({ ok: true, text: 'initiate: 50 started (outcome in the events)' });
    const bulk = calls.slice(1);
    expect(bulk).toHaveLength(50);
    for (const call of bulk) expect(call.args[0]).toMatchObject({ timeout: -1 });
  });

  it('a failed single initiate ends its progress with the reason', async () => {
    const { session } = recordingSession({
      initiate: () =>
        stream(
          [{ msg: 'sending packet' }],
          Promise.reject(new CommandError('initiate', 'establishing CHILD_SA failed', new Map())),
        ),
    });
    const { c, progress } = commander({ readOnly: false, session });
    const r = await c.initiate([{ conn: 'dave' }]);
    expect(r.ok).toBe(false);
    expect(r.text).toBe('initiate dave failed: establishing CHILD_SA failed');
    expect(progress.at(-1)).toMatchObject({ done: true, ok: false });
  });

  it('without a connection it says so instead of sending', async () => {
    const { c } = commander({ readOnly: false, session: undefined });
    expect(await c.terminate([ike])).toEqual({
      ok: false,
      text: 'terminate not sent: not connected to the daemon',
    });
  });
});

describe('gateway validation', () => {
  it('accepts IPv4, IPv6 and host names', () => {
    for (const g of ['192.168.0.2', '::1', 'fd00:1::5', 'moon', 'moon.swantop.test', 'a-b.c9.']) {
      expect(validGateway(g)).toBe(true);
    }
  });
});
