/*
 * The SA commands against the real lab: list-sas, rekey, terminate, initiate, redirect,
 * counters, and the events they cause, received by a listener on the same session that runs
 * the commands. Every test puts back what it changed (other files share the lab).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleListSas } from '../../lab/lab.js';
import {
  EventUnknownError,
  type IkeSa,
  type ListenEvent,
  type Listener,
  parseChildRekeyEvent,
  parseIkeRekeyEvent,
  parseUpdownEvent,
  type Session,
  text,
} from '../../source/vici/index.js';
import { atLeast, connect, labInfo, nextEvent, until } from './vici-lab.js';

const lab = labInfo();
let moon: Session;
let events: Listener;
let alertAndLog: Listener | undefined;
const seen: ListenEvent[] = [];

const netNet = async (s: Session): Promise<IkeSa | undefined> =>
  (await s.listSas({ ike: 'net-net' }).collect()).find((sa) => sa.state === 'ESTABLISHED');
const installed = (sa: IkeSa | undefined) => sa?.children.find((c) => c.state === 'INSTALLED');
const isEvent = (type: string, conn: string) => (ev: ListenEvent) =>
  ev.type === type && ev.message.has(conn);

beforeAll(async () => {
  moon = await connect(lab, 'moon');
  events = moon.listen(['ike-updown', 'child-updown', 'ike-rekey', 'child-rekey', 'log'], {
    timeoutMs: 500,
  });
  await events.ready;
});

afterAll(async () => {
  await events?.close();
  await alertAndLog?.close();
  await moon?.close();
});

describe('list-sas', () => {
  it('lists what swanctl lists: net-net from sun, carol and dave on rw', async () => {
    const sas = await moon.listSas().collect();
    const oracle = await oracleListSas(lab.sockets.moon);
    expect(sas.map((s) => [s.name, s.uniqueid]).sort()).toEqual(
      oracle.map((o) => [o.name, String(o.sa.uniqueid)]).sort(),
    );
    const byPeer = new Map(sas.map((s) => [s.remoteId, s]));
    expect(byPeer.get('sun.swantop.test')?.name).toBe('net-net');
    expect(byPeer.get('carol.swantop.test')?.name).toBe('rw');
    expect(byPeer.get('dave.swantop.test')?.name).toBe('rw');
    for (const sa of sas.filter((s) => s.name !== 'scale')) {
      expect(sa.state).toBe('ESTABLISHED');
      expect(installed(sa)).toBeDefined();
    }
  });

  it('filters by connection name on the daemon side', async () => {
    const rw = await moon.listSas({ ike: 'rw' }).collect();
    expect(rw.map((s) => s.remoteId).sort()).toEqual(['carol.swantop.test', 'dave.swantop.test']);
  });
});

describe('unknown events', () => {
  it('rejects alert before 6.0.3 with EventUnknownError (registers it after) and keeps log registered', async () => {
    alertAndLog = moon.listen(['alert', 'log'], { timeoutMs: 200 });
    const err = await alertAndLog.next().catch((e: unknown) => e);
    if (atLeast(lab, 'moon', '6.0.3')) {
      expect(err, 'alert is known from 6.0.3: no error, a heartbeat or an event').toMatchObject({
        done: false,
      });
    } else {
      expect(err).toBeInstanceOf(EventUnknownError);
      expect((err as EventUnknownError).event).toBe('alert');
    }
    // the rest of this file runs commands on this session; the checks at the end show that
    // both listeners kept receiving
  });
});

describe('rekey', () => {
  it('rekeys the CHILD_SA: new SPIs, a child-rekey event, counted by the counters plugin', async () => {
    const globalBefore = (await moon.getCounters())['']!;
    const before = installed(await netNet(moon))!;
    expect(await moon.rekey({ child: 'net-net' })).toEqual({ matches: 1 });
    const ev = await nextEvent(
      events,
      'child-rekey of net-net',
      isEvent('child-rekey', 'net-net'),
      seen,
    );
    const parsed = parseChildRekeyEvent(ev.message)!;
    expect(parsed.old.spiIn).toBe(before.spiIn);
    expect(parsed.new.spiIn).not.toBe(before.spiIn);
    const after = await until('the new CHILD_SA alone installed', async () => {
      const sa = await netNet(moon);
      const children = sa?.children.filter((c) => c.state === 'INSTALLED') ?? [];
      return children.length === 1 && children[0]!.spiIn !== before.spiIn ? children[0] : undefined;
    });
    expect(after.spiIn).toBe(parsed.new.spiIn);
    expect(after.spiOut).not.toBe(before.spiOut);

    // the global set (named "") counts the rekey; the connection's set its CREATE_CHILD_SA
    const globalAfter = (await moon.getCounters())['']!;
    expect(globalAfter['child-rekey']).toBe(globalBefore['child-rekey']! + 1);
    const perConn = await moon.getCounters({ name: 'net-net' });
    expect(perConn['net-net']?.['create-child-out-req']).toBeGreaterThanOrEqual(1);
  });

  it('resets one connection’s counters', async () => {
    const all = await moon.getCounters({ all: true });
    expect(Object.values(all['net-net'] ?? {}).some((n) => n > 0)).toBe(true);
    await moon.resetCounters({ name: 'net-net' });
    // 5.9.8 drops the reset connection's set until it counts again
    const after = await moon.getCounters({ all: true });
    expect(Object.values(after['net-net'] ?? {}).every((n) => n === 0)).toBe(true);
    expect(after.rw).toEqual(all.rw);
  });

  it('rekeys the IKE_SA: new IKE SPIs and an ike-rekey event', async () => {
    const before = (await netNet(moon))!;
    expect(await moon.rekey({ ike: 'net-net' })).toEqual({ matches: 1 });
    const ev = await nextEvent(
      events,
      'ike-rekey of net-net',
      isEvent('ike-rekey', 'net-net'),
      seen,
    );
    const parsed = parseIkeRekeyEvent(ev.message)!;
    expect(parsed.old.initiatorSpi).toBe(before.initiatorSpi);
    expect(parsed.new.initiatorSpi).not.toBe(before.initiatorSpi);
    const after = await until('the rekeyed IKE_SA', async () => {
      const sas = await moon.listSas({ ike: 'net-net' }).collect();
      return sas.length === 1 && sas[0]!.initiatorSpi !== before.initiatorSpi ? sas[0] : undefined;
    });
    expect(after.state).toBe('ESTABLISHED');
    expect(after.responderSpi).not.toBe(before.responderSpi);
    expect(installed(after)).toBeDefined();
    const counters = await moon.getCounters({ name: 'net-net' });
    expect(counters['net-net']?.['ike-rekey-init']).toBeGreaterThanOrEqual(1);
  });

  it('rejects a rekey that matches nothing with CommandError', async () => {
    await expect(moon.rekey({ ike: 'no-such-conn' })).rejects.toMatchObject({
      name: 'CommandError',
      command: 'rekey',
    });
  });
});

describe('terminate and initiate', () => {
  it('terminates net-net streaming control-log, and sun brings it back streaming its own', async () => {
    const sun = await connect(lab, 'sun');
    try {
      const term = moon.terminate({ ike: 'net-net', timeout: 20_000 });
      const logs = await term.collect();
      expect(logs.length).toBeGreaterThan(0);
      expect(logs.some((l) => /delet/i.test(l.msg))).toBe(true);
      expect(await term.result).toEqual({ matches: 1, terminated: 1 });
      const down = await nextEvent(
        events,
        'ike-updown (down) of net-net',
        (ev) => isEvent('ike-updown', 'net-net')(ev) && !parseUpdownEvent(ev.message)!.up,
        seen,
      );
      expect(text(down.message.get('up'))).toBeUndefined();
      expect(await moon.listSas({ ike: 'net-net' }).collect()).toEqual([]);

      const init = sun.initiate({ child: 'net-net', timeout: 20_000 });
      const lines = await init.collect();
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.some((l) => /established/i.test(l.msg))).toBe(true);
      expect(text((await init.result).get('success'))).toBe('yes');
      await nextEvent(
        events,
        'ike-updown (up) of net-net',
        (ev) => isEvent('ike-updown', 'net-net')(ev) && parseUpdownEvent(ev.message)!.up,
        seen,
      );
      await nextEvent(events, 'child-updown of net-net', isEvent('child-updown', 'net-net'), seen);
      const back = await until('net-net up again on moon', async () => {
        const sa = await netNet(moon);
        return installed(sa) ? sa : undefined;
      });
      expect(back.remoteId).toBe('sun.swantop.test');
      expect(back.initiator).not.toBe(true);
      const onSun = await sun.listSas({ ike: 'net-net' }).collect();
      expect(onSun).toHaveLength(1);
      expect(onSun[0]!.initiator).toBe(true);
    } finally {
      await sun.close();
    }
  });

  it('fails an initiate of an unknown CHILD_SA with CommandError after its log lines', async () => {
    const init = moon.initiate({ child: 'no-such-child', timeout: 5_000 });
    await expect(init.collect()).rejects.toMatchObject({ name: 'CommandError' });
  });
});

describe('redirect', () => {
  it('moon redirects dave to sun, then dave comes back to moon', async () => {
    const dave = await connect(lab, 'dave');
    const sun = await connect(lab, 'sun');
    const daveIke = async () =>
      (await dave.listSas({ ike: 'home' }).collect()).find((s) => s.state === 'ESTABLISHED');
    try {
      expect((await daveIke())?.remoteHost).toBe(lab.addresses.moonIp);
      const r = await moon.redirect({
        'peer-id': 'dave.swantop.test',
        gateway: lab.addresses.sunIp,
      });
      expect(r).toEqual({ matches: 1 });
      // From 6.0.2 a re-dialled CHILD_SA keeps the selectors it had negotiated (with moon:
      // 10.1.0.0/16), which sun refuses (TS_UNACCEPTABLE): the IKE_SA moves, the CHILD_SA not.
      const keepsSelectors = atLeast(lab, 'dave', '6.0.2');
      const moved = await until('dave established with sun', async () => {
        const sa = await daveIke();
        return sa?.remoteHost === lab.addresses.sunIp && (keepsSelectors || installed(sa))
          ? sa
          : undefined;
      });
      expect(moved.remoteId).toBe('sun.swantop.test');
      if (keepsSelectors) expect(installed(moved)).toBeUndefined();
      const onSun = await sun.listSas({ ike: 'rw' }).collect();
      expect(onSun.map((s) => s.remoteId)).toContain('dave.swantop.test');
      await until('dave gone from moon', async () => {
        const rw = await moon.listSas({ ike: 'rw' }).collect();
        return !rw.some((s) => s.remoteId === 'dave.swantop.test');
      });

      // put dave back on moon: hang up on sun, dial moon (home's remote_addrs) again
      const term = await dave.terminate({ ike: 'home', timeout: 20_000 }).result;
      expect(term.terminated).toBe(1);
      await dave.initiate({ child: 'home', timeout: 20_000 }).collect();
      const home = await until('dave back on moon', async () => {
        const sa = await daveIke();
        return sa?.remoteHost === lab.addresses.moonIp && installed(sa) ? sa : undefined;
      });
      expect(home.remoteId).toBe('moon.swantop.test');
      await until('dave gone from sun', async () => {
        const rw = await sun.listSas({ ike: 'rw' }).collect();
        return !rw.some((s) => s.remoteId === 'dave.swantop.test');
      });
      const rw = await moon.listSas({ ike: 'rw' }).collect();
      expect(rw.map((s) => s.remoteId)).toContain('dave.swantop.test');
    } finally {
      await dave.close();
      await sun.close();
    }
  });
});

describe('the listener on the command session', () => {
  it('received log lines of level 0-1 caused by those commands', async () => {
    const logs = seen.filter((e) => e.type === 'log');
    expect(logs.length).toBeGreaterThan(0);
    for (const l of logs) expect(Number(text(l.message.get('level')))).toBeLessThanOrEqual(1);
    expect(logs.some((l) => text(l.message.get('ikesa-name')) === 'net-net')).toBe(true);
    expect(events.dropped).toBe(0);
    let fromSecond: ListenEvent | null | undefined;
    while (fromSecond === undefined || fromSecond === null) {
      const r = await alertAndLog!.next();
      if (r.done) throw new Error('the alert+log listener ended');
      fromSecond = r.value;
    }
    expect(fromSecond.type).toBe('log');
    expect(moon.counters.protocolErrors).toBe(0);
  });
});
