/*
 * Streamed commands sharing one session against the real lab: each call gets exactly its own
 * items, whatever runs beside it, and whatever happened to the listing before it (left early,
 * aborted). swanctl, on its own connection, is the oracle for what each listing should hold.
 * Everything loaded here is removed again (other files share the lab).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleListSas } from '../../lab/lab.js';
import {
  CommandError,
  ConnectionClosedError,
  type Encodable,
  type LogEvent,
  Session,
  TimeoutError,
} from '../../source/vici/index.js';
import { connect, labInfo, until } from './vici-lab.js';

const lab = labInfo();
let moon: Session;

/** Throwaway connections, so that list-conns is long enough to still be running after a break. */
const MANY = 300;
const manyName = (i: number) => `iso-many-${String(i).padStart(3, '0')}`;
/**
 * Two initiators towards addresses on the lab's LAN where no host answers. Different peers:
 * charon puts a CHILD_SA of an equal config on the IKE_SA already under way, and then rightly
 * reports that IKE_SA's lines to both initiates.
 */
const PROBES = ['iso-init-a', 'iso-init-b'] as const;
const NOBODY = ['192.168.0.250', '192.168.0.251'] as const;

const conn = (peer: string = NOBODY[0]): Record<string, Encodable> => ({
  remote_addrs: [peer],
  local: { auth: 'psk' },
  remote: { auth: 'psk' },
});

beforeAll(async () => {
  moon = await connect(lab, 'moon');
  const all: Record<string, Encodable> = {};
  for (let i = 0; i < MANY; i++) all[manyName(i)] = conn();
  PROBES.forEach((p, i) => {
    all[p] = { ...conn(NOBODY[i]), children: { [p]: { start_action: 'none' } } };
  });
  await moon.loadConn(all);
});

afterAll(async () => {
  if (!moon) return;
  // The half-open IKE_SAs of the probes must be gone before other files list moon's SAs.
  for (const p of PROBES) {
    await until(`no IKE_SA of ${p} left`, async () => {
      await moon
        .terminate({ ike: p, force: true, timeout: 5000 })
        .collect()
        .catch(() => {});
      return (await moon.listSas({ ike: p }).collect()).length === 0;
    });
  }
  const names = new Set(await moon.getConns());
  for (let i = 0; i < MANY; i++) {
    if (names.has(manyName(i))) await moon.unloadConn({ name: manyName(i) });
  }
  for (const p of PROBES) if (names.has(p)) await moon.unloadConn({ name: p });
  await moon.close();
});

const ids = (sas: { name: string; uniqueid: string }[]) =>
  sas.map((s) => `${s.name}#${s.uniqueid}`).sort();
const oracleIds = async (ike: string) =>
  (await oracleListSas(lab.sockets.moon, ['--ike', ike]))
    .map((o) => `${o.name}#${String(o.sa.uniqueid)}`)
    .sort();

describe('concurrent listings on one session', () => {
  it('two listSas with different filters at once: each gets what swanctl lists for its filter', async () => {
    const [wantNetNet, wantRw] = [await oracleIds(lab.conns.netNet), await oracleIds(lab.conns.rw)];
    expect(wantNetNet.length).toBeGreaterThan(0);
    expect(wantRw.length).toBe(2);
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([
        moon.listSas({ ike: lab.conns.netNet }).collect(),
        moon.listSas({ ike: lab.conns.rw }).collect(),
      ]);
      expect(ids(a)).toEqual(wantNetNet);
      expect(ids(b)).toEqual(wantRw);
    }
  });

  it('a listConns beside a long one gets only its own connection', async () => {
    const [all, one] = await Promise.all([
      moon.listConns().collect(),
      moon.listConns({ ike: lab.conns.netNet }).collect(),
    ]);
    expect(all.length).toBeGreaterThanOrEqual(MANY + PROBES.length);
    expect(one.map((c) => c.name)).toEqual([lab.conns.netNet]);
  });
});

describe('a listing after one its caller left', () => {
  it('after an early break, in a loop: the next listing holds only its own items', async () => {
    const before = moon.counters.undeliveredEvents;
    for (let round = 0; round < 10; round++) {
      for await (const c of moon.listConns()) {
        expect(c.name).toBeTruthy();
        break;
      }
      const next = await moon.listConns({ ike: lab.conns.netNet }).collect();
      expect(next.map((c) => c.name)).toEqual([lab.conns.netNet]);
    }
    const want = await oracleIds(lab.conns.netNet);
    for await (const _ of moon.listSas()) break;
    expect(ids(await moon.listSas({ ike: lab.conns.netNet }).collect())).toEqual(want);
    // what the broken listings still sent went to nobody, and was counted
    expect(moon.counters.undeliveredEvents).toBeGreaterThan(before);
  });

  it('after an AbortSignal cancel: nothing more from the aborted one, nothing of it in the next', async () => {
    for (let round = 0; round < 5; round++) {
      const ac = new AbortController();
      const aborted = moon.listConns({}, { signal: ac.signal });
      const it = aborted[Symbol.asyncIterator]();
      expect((await it.next()).done).toBe(false);
      ac.abort();
      const err = await it.next().catch((e: unknown) => e);
      expect((err as Error).name).toBe('AbortError');
      expect((await it.next()).done).toBe(true);
      const next = await moon.listConns({ ike: lab.conns.netNet }).collect();
      expect(next.map((c) => c.name)).toEqual([lab.conns.netNet]);
    }
  });

  it('an abort during a small listing that was already answered stops it; it does not end normally', async () => {
    const ac = new AbortController();
    const stream = moon.listSas({ ike: lab.conns.rw }, { signal: ac.signal });
    await stream.result; // both SAs buffered
    const seen: string[] = [];
    const outcome = await (async () => {
      for await (const sa of stream) {
        seen.push(sa.name);
        ac.abort();
      }
    })().then(
      () => 'ended normally',
      (e: Error) => e.name,
    );
    expect(outcome).toBe('AbortError');
    expect(seen).toEqual([lab.conns.rw]);
  });
});

describe('two initiates at once', () => {
  it('each gets only the control-log lines of its own IKE_SA', async () => {
    const follow = async (name: string) => {
      const lines: LogEvent[] = [];
      const stream = moon.initiate({ child: name, ike: name, timeout: 1500 });
      const err = await (async () => {
        for await (const line of stream) lines.push(line);
      })().catch((e: unknown) => e);
      // nobody answers at NOBODY: charon gives up on waiting after `timeout`
      expect(err).toBeInstanceOf(CommandError);
      return lines;
    };
    const [a, b] = await Promise.all(PROBES.map(follow));
    for (const [lines, own] of [
      [a!, PROBES[0]],
      [b!, PROBES[1]],
    ] as const) {
      const named = lines.filter((l) => l.ikeName !== undefined);
      expect(named.length).toBeGreaterThan(0);
      expect(new Set(named.map((l) => l.ikeName))).toEqual(new Set([own]));
      expect(lines.some((l) => l.msg.includes(`initiating IKE_SA ${own}[`))).toBe(true);
    }
  });
});

describe('a sent command that timed out, on a real daemon', () => {
  it('holds the line until charon answers; a call in line is told why it was not sent', async () => {
    const s = await Session.connect({ uri: lab.uris.moon });
    try {
      // charon answers this initiate after 2.5 s (nobody at the peer); we stop waiting at 0.3 s
      const initiate = s.initiate(
        { child: PROBES[0], ike: PROBES[0], timeout: 2500 },
        { timeoutMs: 300 },
      );
      await expect(initiate.result).rejects.toBeInstanceOf(TimeoutError);
      const err = await s.version({ timeoutMs: 500 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toMatch(
        /^command "version" not sent within 500 ms: still waiting for the answer to command "initiate" \(sent 0\.\d s ago; it timed out after 300 ms\)$/,
      );
      // once charon's late answer is in (and dropped), the line is free again
      const v = await s.version({ timeoutMs: 10_000 });
      expect(v.daemon).toBe('charon');
    } finally {
      await s.close();
    }
  });

  it('closeOnTimeout: the session closes at once, queued calls fail with the reason, a new one works', async () => {
    const s = await Session.connect({ uri: lab.uris.moon, closeOnTimeout: true });
    const closed = new Promise<Error | undefined>((resolve) => s.once('close', resolve));
    const t0 = performance.now();
    const initiate = s.initiate(
      { child: PROBES[1], ike: PROBES[1], timeout: 10_000 },
      { timeoutMs: 300 },
    );
    const queued = s.version();
    await expect(initiate.result).rejects.toBeInstanceOf(TimeoutError);
    const err = await queued.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect((err as Error).message).toBe(
      'closed the connection: command "initiate" got no answer within 300 ms',
    );
    expect((await closed)?.message).toBe((err as Error).message);
    expect(performance.now() - t0).toBeLessThan(5_000); // not charon's 10 s
    const again = await Session.connect({ uri: lab.uris.moon, timeoutMs: 5_000 });
    expect((await again.version()).daemon).toBe('charon');
    await again.close();
  });
});
