/*
 * The store against the real lab: what it shows of moon, actions through its Commander, the
 * events that change rows between listings, and counters that move with real traffic.
 * swanctl is the independent oracle. Every test puts back what it changed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { childSas, nsExec, oracleListSas } from '../../lab/lab.js';
import { snapshotOnce } from '../../source/monitor/monitor.js';
import type { Target } from '../../source/monitor/types.js';
import {
  byRemoteId,
  installed,
  labInfo,
  monitorOn,
  rowsOf,
  stopMonitors,
  until,
} from './monitor-lab.js';

const lab = labInfo();

afterAll(async () => {
  await stopMonitors();
});

/** The INSTALLED CHILD_SAs of moon's net-net, per swanctl. */
async function oracleNetNetChildren() {
  const sas = await oracleListSas(lab.sockets.moon, ['--ike', lab.conns.netNet]);
  return sas.flatMap((s) => childSas(s.sa)).filter((c) => c.state === 'INSTALLED');
}

describe('the monitor on moon', () => {
  it('shows net-net ESTABLISHED with an INSTALLED CHILD_SA, as swanctl does', async () => {
    const m = monitorOn(lab, 'moon', { intervalMs: 1000 });
    const s = await until(m, 'a live, fresh listing', (x) =>
      x.link.kind === 'live' && !x.stale && x.ikes.size > 0 ? x : undefined,
    );
    const netNet = rowsOf(s, 'net-net');
    expect(netNet).toHaveLength(1);
    expect(netNet[0]!.sa.state).toBe('ESTABLISHED');
    expect(netNet[0]!.sa.remoteId).toBe('sun.swantop.test');
    const child = installed(netNet[0]);
    expect(child).toBeDefined();
    expect(child!.sa.localTs).toEqual([lab.addresses.moonNet]);
    const oracle = await oracleListSas(lab.sockets.moon);
    expect([...s.ikes.keys()].sort()).toEqual(oracle.map((o) => String(o.sa.uniqueid)).sort());
    expect(s.daemon?.version).toMatch(/^5\./);
    expect(s.readOnly).toBe(false);
    await until(m, 'stats and connections', (x) => x.stats !== undefined && x.conns.length > 0);
    expect(m.getSnapshot().conns.map((c) => c.name)).toContain('net-net');
    expect(m.getSnapshot().poll.mode).toBe('full');
  });

  it('a rekey through its actions changes the SPIs in the snapshot within a second, and swanctl agrees', async () => {
    // A long interval: only events can bring the change this fast.
    const m = monitorOn(lab, 'moon', { intervalMs: 10_000 });
    const s = await until(m, 'net-net listed', (x) =>
      !x.stale && installed(rowsOf(x, 'net-net')[0]) ? x : undefined,
    );
    const row = rowsOf(s, 'net-net')[0]!;
    const before = installed(row)!;
    const target: Target = {
      kind: 'child',
      ikeUniqueid: row.key,
      uniqueid: before.sa.uniqueid,
      name: before.sa.name,
    };
    const asked = Date.now();
    const result = await m.actions.rekey([target]);
    expect(result).toEqual({ ok: true, text: `rekey net-net{${before.sa.uniqueid}}: 1 matched` });
    const after = await until(
      m,
      'the new SPIs',
      (x) => {
        const c = x.ikes.get(row.key)?.children.find((ch) => ch.key === before.key);
        return c && c.sa.spiIn !== before.sa.spiIn && c.sa.state === 'INSTALLED' ? c : undefined;
      },
      5_000,
    );
    expect(Date.now() - asked).toBeLessThan(1000);
    expect(after.sa.spiOut).not.toBe(before.sa.spiOut);
    expect(after.lineage).toBe(before.lineage);
    // The counters carried across the rekey: totals never go backwards.
    expect(after.bytesInTotal).toBeGreaterThanOrEqual(before.bytesInTotal);
    // The event comes on the event connection, the action's follow-up listing on the poll
    // connection: either may be first (a CI run saw the listing win), so wait for the event too.
    await until(
      m,
      'the child-rekey event in the feed',
      (x) =>
        x.events.entries.some((e) => e.kind === 'child-rekey' && e.text.includes(after.sa.spiIn!))
          ? x
          : undefined,
      5_000,
    );
    expect(m.getSnapshot().status?.text).toBe(result.text);
    const children = await waitForOracle(async () => {
      const c = await oracleNetNetChildren();
      return c.length === 1 ? c : undefined;
    });
    expect(children[0]!['spi-in']).toBe(after.sa.spiIn);
    expect(children[0]!['spi-out']).toBe(after.sa.spiOut);
  });

  it('sees carol terminated and re-initiated through events', async () => {
    const moon = monitorOn(lab, 'moon', { intervalMs: 10_000 });
    const carol = monitorOn(lab, 'carol', { intervalMs: 10_000 });
    const s = await until(moon, 'carol on moon', (x) =>
      !x.stale && installed(byRemoteId(x, 'carol.swantop.test')) ? x : undefined,
    );
    await until(carol, 'carol listed on carol', (x) => !x.stale && x.ikes.size === 1);
    const old = byRemoteId(s, 'carol.swantop.test')!;
    const terminated = await moon.actions.terminate([
      { kind: 'ike', uniqueid: old.key, name: old.sa.name },
    ]);
    expect(terminated.ok).toBe(true);
    // The row may go with a listing on the poll connection a moment before the event comes
    // in on the events connection: two sockets, no order between them. Both must happen.
    await until(
      moon,
      'carol gone from moon, and its ike-updown down event in the feed',
      (x) =>
        !x.ikes.has(old.key) &&
        x.events.entries.some(
          (e) => e.kind === 'ike-updown' && e.tone === 'down' && e.ikeUniqueid === old.key,
        ),
      5_000,
    );
    await until(carol, 'carol empty on carol', (x) => x.ikes.size === 0, 5_000);

    const initiated = await carol.actions.initiate([{ conn: 'home' }]);
    expect(initiated).toEqual({ ok: true, text: 'initiate home: established' });
    const progress = carol.getSnapshot().progress;
    expect(progress).toMatchObject({ title: 'initiate home', done: true, ok: true });
    expect(progress!.lines.some((l) => /established/i.test(l))).toBe(true);

    const back = await until(
      moon,
      'carol back on moon with an INSTALLED CHILD_SA',
      (x) => {
        const r = byRemoteId(x, 'carol.swantop.test');
        return r && r.key !== old.key && installed(r) ? r : undefined;
      },
      5_000,
    );
    expect(back.sa.state).toBe('ESTABLISHED');
    const oracle = await oracleListSas(lab.sockets.moon);
    const carolOnMoon = oracle.filter((o) => o.sa['remote-id'] === 'carol.swantop.test');
    expect(carolOnMoon.map((o) => String(o.sa.uniqueid))).toEqual([back.key]);
    carol.actions.clearProgress();
  });

  it('shows byte counters and a rate moving with traffic through net-net', async () => {
    const m = monitorOn(lab, 'moon', { intervalMs: 1000 });
    const s = await until(m, 'net-net listed', (x) =>
      !x.stale && installed(rowsOf(x, 'net-net')[0]) ? x : undefined,
    );
    const before = installed(rowsOf(s, 'net-net')[0])!;
    let bestRate = 0;
    const off = m.subscribe(() => {
      const c = installed(rowsOf(m.getSnapshot(), 'net-net')[0]);
      bestRate = Math.max(bestRate, c?.rateOut ?? 0);
    });
    try {
      const send = `
        const s = require('node:dgram').createSocket('udp4');
        const payload = Buffer.alloc(1000, 0x61);
        s.bind(0, '${lab.addresses.moonInner}', async () => {
          for (let i = 0; i < 50; i++) await new Promise((r) => s.send(payload, 9, '${lab.addresses.sunInner}', r));
          s.close();
        });`;
      await nsExec(lab.ns.moon, [process.execPath, '-e', send], { timeoutMs: 10_000 });
      const after = await until(
        m,
        'bytes out to grow by the traffic',
        (x) => {
          const c = installed(rowsOf(x, 'net-net')[0]);
          return c && c.bytesOutTotal >= before.bytesOutTotal + 50 * 1000 ? c : undefined;
        },
        10_000,
      );
      expect(after.packetsOutTotal).toBeGreaterThanOrEqual(before.packetsOutTotal + 50);
      await until(m, 'a rate', () => bestRate > 0, 5_000);
      expect(m.getSnapshot().totals.rateOut).toBeGreaterThanOrEqual(0);
    } finally {
      off();
    }
  });
});

describe('snapshotOnce (for --once)', () => {
  it("lists moon once, with rows shaped like the live store's, as swanctl does", async () => {
    const once = await snapshotOnce({ uri: lab.uris.moon, timeoutMs: 10_000 });
    const oracle = await oracleListSas(lab.sockets.moon);
    expect(once.ikes.map((r) => r.key).sort()).toEqual(
      oracle.map((o) => String(o.sa.uniqueid)).sort(),
    );
    const netNet = once.ikes.find((r) => r.sa.name === 'net-net');
    expect(installed(netNet)?.key).toBe(`${netNet!.key}/${installed(netNet)!.lineage}`);
    expect(once.totals.ike).toBe(oracle.length);
    expect(once.daemon?.daemon).toBe('charon');
    expect(once.host).toBe(lab.uris.moon);
  });

  it('fails with a one-line reason when there is no daemon', async () => {
    const err = await snapshotOnce({ uri: `${lab.dir}/nobody.vici`, timeoutMs: 2000 }).catch(
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('nobody.vici');
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('a read-only monitor', () => {
  it('refuses a terminate and the daemon keeps the SA', async () => {
    const m = monitorOn(lab, 'moon', { intervalMs: 1000, readOnly: true });
    const s = await until(m, 'carol on moon', (x) =>
      !x.stale && byRemoteId(x, 'carol.swantop.test') ? x : undefined,
    );
    const row = byRemoteId(s, 'carol.swantop.test')!;
    const r = await m.actions.terminate([{ kind: 'ike', uniqueid: row.key, name: row.sa.name }]);
    expect(r.ok).toBe(false);
    expect(r.text).toMatch(/read-only/);
    const oracle = await oracleListSas(lab.sockets.moon);
    expect(oracle.some((o) => String(o.sa.uniqueid) === row.key)).toBe(true);
    expect(m.getSnapshot().readOnly).toBe(true);
  });
});

async function waitForOracle<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting for swanctl to agree');
    await new Promise((r) => setTimeout(r, 200));
  }
}
