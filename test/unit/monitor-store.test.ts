import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../source/monitor/monitor.js';
import { FEED_EVENTS } from '../../source/monitor/read-event.js';
import type { Monitor, MonitorSnapshot } from '../../source/monitor/types.js';
import type { EncodableSection } from '../../source/vici/message.js';
import { PACKET } from '../../source/vici/packet.js';
import { Session } from '../../source/vici/session.js';
import { type IkeSpec, ikeFields, ikeTree } from './monitor-trees.js';
import { type ScriptedConnection, ScriptedServer } from './scripted-server.js';
import { untilSnapshot } from './until-snapshot.js';

/*
 * The whole store over real Sessions and a real unix socket; the daemon on the other end is
 * the scripted VICI server (the hostile-daemon boundary), answering like charon 5.9.8:
 * no `alert` event, list-sas as one list-sa event per IKE_SA.
 */

let server: ScriptedServer | undefined;
let monitor: Monitor | undefined;

afterEach(async () => {
  await monitor?.stop();
  await server?.close();
  monitor = undefined;
  server = undefined;
});

/** What the scripted daemon currently has. */
function daemon(initial: IkeSpec[]) {
  const state = { ikes: initial, since: 'Nov 29 12:00:00 2026' };
  const script = {
    // What the monitor registers, and the two events its listings stream.
    events: [...FEED_EVENTS, 'list-sa', 'list-conn'],
    commands: {
      version: () => ({
        daemon: 'charon',
        version: '5.9.8',
        sysname: 'Linux',
        release: '6.1.0',
        machine: 'x86_64',
      }),
      stats: () => ({
        uptime: { running: '1 hour', since: state.since },
        workers: { total: 16, idle: 11, active: { critical: 4, high: 0, medium: 1, low: 0 } },
        queues: { critical: 0, high: 0, medium: 0, low: 0 },
        scheduled: 3,
        ikesas: { total: state.ikes.length, 'half-open': 0 },
        plugins: ['vici'],
      }),
      'list-sas': (req: Map<string, unknown>, conn: ScriptedConnection) => {
        const id = req.get('ike-id');
        const wanted = id === undefined ? undefined : String(id);
        for (const i of state.ikes) {
          if (wanted !== undefined && i.uniqueid !== wanted) continue;
          conn.event('list-sa', { [i.name ?? 'net-net']: ikeTree(i) } as EncodableSection);
        }
        return {};
      },
      'list-conns': (_req: unknown, conn: ScriptedConnection) => {
        conn.event('list-conn', {
          'net-net': {
            local_addrs: ['192.168.0.1'],
            remote_addrs: ['192.168.0.2'],
            version: 'IKEv2',
          },
        });
        return {};
      },
    },
  };
  return { state, script };
}

const until = (m: Monitor, what: string, ok: (s: MonitorSnapshot) => boolean, timeoutMs?: number) =>
  untilSnapshot(m, what, ok, timeoutMs);

function eventConnection(s: ScriptedServer): ScriptedConnection {
  const c = s.connections.find((x) =>
    x.received.some((p) => p.type === PACKET.EVENT_REGISTER && p.name === 'ike-updown'),
  );
  if (!c) throw new Error('no connection registered for ike-updown');
  return c;
}

describe('the store against a scripted daemon', () => {
  it('lists, applies events at once, goes stale on disconnect and recovers with a fresh listing', async () => {
    const d = daemon([{ uniqueid: '1', children: [{ uniqueid: '1', bytesIn: 100 }] }]);
    server = await ScriptedServer.start(d.script);
    const uri = server.uri;
    monitor = createMonitor({
      connect: () => Session.connect({ uri, timeoutMs: 2000 }),
      intervalMs: 250,
      host: 'scripted',
    });
    const first = monitor.getSnapshot();
    expect(first.link.kind).toBe('connecting');
    expect(first.stale).toBe(true);
    monitor.start();

    let s = await until(monitor, 'the first listing', (x) => !x.stale && x.ikes.has('1'));
    expect(s.link.kind).toBe('live');
    expect(s.daemon).toMatchObject({ daemon: 'charon', version: '5.9.8' });
    expect(s.ikes.get('1')!.children[0]!.bytesInTotal).toBe(100);
    expect(s.host).toBe('scripted');
    // Three connections: listings, events, actions.
    expect(server.connections.length).toBe(3);
    s = await until(
      monitor,
      'stats and conns',
      (x) => x.stats !== undefined && x.conns.length === 1,
    );
    expect(s.totals.ike).toBe(1);
    expect(s.stats!.workersTotal).toBe(16);
    // 5.9.8 has no `alert`: the store notes it and goes on.
    const beforeCarol = await until(monitor, 'the note about alert', (x) =>
      x.events.entries.some((e) => e.kind === 'swantop' && e.text.includes('"alert"')),
    );

    // An up event changes the rows at once, before the daemon lists it.
    eventConnection(server).event('ike-updown', {
      up: 'yes',
      carol: ikeFields({ uniqueid: '2', remoteHost: '192.168.0.100' }),
    });
    s = await until(monitor, 'carol from the event', (x) => x.ikes.has('2'));
    expect(s.ikes.get('2')!.sa.name).toBe('carol');
    expect(s.events.entries.some((e) => e.kind === 'ike-updown' && e.tone === 'up')).toBe(true);
    expect(s.stale).toBe(false);

    // A reader that skipped publishes catches up from the journal, not by walking every row.
    const since = s.changesSince!(beforeCarol.version);
    expect(since).toBeDefined();
    expect(since!.changed).toContain('2');
    expect(since!.gone).toEqual([]);
    expect(s.changesSince!(s.version)).toEqual({ changed: [], gone: [], reordered: false });
    // The rows are the live table's, not a copy made for each publish.
    expect(s.ikes).not.toBeInstanceOf(Map);

    // Identity: nothing changed → the same snapshot object.
    const before = monitor.getSnapshot();
    expect(monitor.getSnapshot()).toBe(before);

    // The daemon goes away: every row is stale and the link says it is reconnecting.
    d.state.ikes = [{ uniqueid: '3', name: 'dave', children: [{ uniqueid: '4', name: 'dave' }] }];
    d.state.since = 'Nov 29 12:30:00 2026';
    for (const c of server.connections) c.destroy();
    s = await until(monitor, 'reconnecting', (x) => x.link.kind === 'reconnecting');
    expect(s.stale).toBe(true);
    if (s.link.kind !== 'reconnecting') throw new Error('unreachable');
    expect(s.link.reason).toMatch(/closed|connection/);
    expect(s.link.retryAt).toBeGreaterThan(s.link.since - 1);
    expect(s.ikes.size).toBeGreaterThan(0); // kept, but drawn as stale

    // It comes back (same socket, restarted daemon): a fresh listing replaces the stale rows.
    s = await until(monitor, 'a fresh listing', (x) => x.link.kind === 'live' && !x.stale);
    expect([...s.ikes.keys()]).toEqual(['3']);
    expect(s.ikes.get('3')!.children.map((c) => c.key)).toEqual(['3/4']);

    await monitor.stop();
    expect(monitor.getSnapshot().link.kind).toBe('closed');
  });

  it('says why when there is no daemon at all, and keeps retrying', async () => {
    const missing = '/nonexistent-swantop-test/charon.vici';
    monitor = createMonitor({ uri: `unix://${missing}`, intervalMs: 250 });
    monitor.start();
    const s = await until(monitor, 'reconnecting', (x) => x.link.kind === 'reconnecting');
    if (s.link.kind !== 'reconnecting') throw new Error('unreachable');
    expect(s.link.reason).toContain(missing);
    expect(s.link.reason).not.toContain('\n');
    expect(s.stale).toBe(true);
    const later = await until(
      monitor,
      'a second attempt',
      (x) => x.link.kind === 'reconnecting' && x.link.attempt >= 3,
    );
    expect(later.link.kind).toBe('reconnecting');
  });

  it('refreshes rows on screen with filtered listings when a full one is too costly', async () => {
    const d = daemon([{ uniqueid: '1', children: [{ uniqueid: '1' }] }, { uniqueid: '2' }]);
    server = await ScriptedServer.start(d.script);
    const uri = server.uri;
    // A budget so small that even this listing exceeds it: budgeted mode.
    monitor = createMonitor({
      connect: () => Session.connect({ uri, timeoutMs: 2000 }),
      intervalMs: 250,
      budget: 1e-6,
    });
    monitor.start();
    await until(monitor, 'the first listing', (x) => !x.stale && x.ikes.size === 2);
    monitor.actions.setVisible(['2']);
    const s = await until(monitor, 'budgeted mode', (x) => x.poll.mode === 'budgeted');
    expect(s.poll.reason).toMatch(/^2 SAs: a full listing costs the daemon/);
    const listings = () =>
      (server?.connections ?? []).flatMap((c) => c.received.filter((p) => p.name === 'list-sas'));
    await until(monitor, 'a filtered listing of row 2', () =>
      listings().some((p) => p.message?.get('ike-id')?.toString() === '2'),
    );
    expect(listings().length).toBeGreaterThan(1);
    expect(listings().every((p) => p.message?.get('noblock')?.toString() === 'yes')).toBe(true);
  });
});
