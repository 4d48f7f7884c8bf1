/*
 * What this lab's strongSwan sends, recorded from the real daemon and checked against the
 * compatibility table in README.md ("strongSwan versions"): the table's column for this
 * charon must say what the daemon did here. Runs in each version project (5.9, 6.0, 6.1; see
 * vitest.config.ts). Also: every field the daemon sends in list-sa, list-conn and alert is
 * read by the library's views (none dropped), and the 6.x additions are asserted against what
 * the daemon sent. Everything loaded here is removed again (other files share the lab).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nsExec } from '../../lab/lab.js';
import { compactIkeSa } from '../../source/monitor/compact.js';
import { decodeListSa } from '../../source/monitor/sa-decoder.js';
import {
  ALERT_TYPES,
  CommandError,
  CommandUnknownError,
  decodeMessage,
  EventUnknownError,
  encodeMessage,
  type IkeSa,
  type Listener,
  parseAlertEvent,
  parseListSaEvent,
  parseLogEvent,
  type Session,
} from '../../source/vici/index.js';
import { atLeast, charonOf, connect, labInfo, until } from './vici-lab.js';

/** A view or a decoder record without its raw trees (compared as bytes on their own). */
function withoutRaw(sa: IkeSa): unknown {
  const { raw: _raw, children, ...fields } = sa;
  return { ...fields, children: children.map(({ raw: _r, ...c }) => c) };
}

const lab = labInfo();
const version = charonOf(lab, 'moon');
const root = path.resolve(import.meta.dirname, '../..');
let moon: Session;
let venus: Session;

/** What this daemon did, one cell of README's table per row (filled by the tests below). */
const seen = new Map<string, string>();

/** An extra address on venus, so moon can tell this file's connections from `scale`. */
const ALIAS = '192.168.0.150';
/** venus' end of this file's CHILD_SAs (on its lo: libipsec routes only local selectors). */
const INNER = '10.6.0.1';
const MOON_ID = 'vt.moon.swantop.test';
const GOOD_ID = 'vt.venus.swantop.test';
const BAD_ID = 'bad.venus.swantop.test';
const PSK = 'versions-test-psk-0123456789';
const WRONG_PSK = 'not-the-psk-9876543210';
const PROPOSAL = 'aes128-sha256-x25519';
const ESP = 'aes128-sha256';
const KE1 = 'aes128-sha256-x25519-ke1_ecp256';

const conn = (
  name: string,
  local: Record<string, unknown>,
  remote: Record<string, unknown>,
  esp = ESP,
) => ({
  [name]: {
    version: 2,
    ...local,
    ...remote,
    children: {
      [name]: { local_ts: ['10.1.0.0/16'], remote_ts: [`${INNER}/32`], esp_proposals: [esp] },
    },
  },
});

/** venus' side of a connection to moon from the alias address. */
const venusConn = (name: string, id: string, proposals: string, esp: string) => ({
  [name]: {
    version: 2,
    local_addrs: [ALIAS],
    remote_addrs: [lab.addresses.moonIp],
    proposals: [proposals],
    local: { auth: 'psk', id },
    remote: { auth: 'psk', id: MOON_ID },
    children: {
      [name]: { local_ts: [`${INNER}/32`], remote_ts: ['10.1.0.0/16'], esp_proposals: [esp] },
    },
  },
});

beforeAll(async () => {
  moon = await connect(lab, 'moon');
  venus = await connect(lab, 'venus');
  await nsExec(lab.ns.venus, ['ip', 'addr', 'add', `${ALIAS}/24`, 'dev', 'eth0']);
  await nsExec(lab.ns.venus, ['ip', 'addr', 'add', `${INNER}/32`, 'dev', 'lo']);
});

afterAll(async () => {
  for (const name of ['vt-ke', 'vt-bad']) {
    await venus?.terminate({ ike: name, timeout: 5_000 }).result.catch(() => {});
    await venus?.unloadConn({ name }).catch(() => {});
    await moon?.unloadConn({ name }).catch(() => {});
  }
  await moon?.unloadShared({ id: 'vt-moon' }).catch(() => {});
  await venus?.unloadShared({ id: 'vt-good' }).catch(() => {});
  await venus?.unloadShared({ id: 'vt-bad' }).catch(() => {});
  for (const [addr, dev] of [
    [`${ALIAS}/24`, 'eth0'],
    [`${INNER}/32`, 'lo'],
  ]) {
    await nsExec(lab.ns.venus, ['ip', 'addr', 'del', addr as string, 'dev', dev as string], {
      allowFailure: true,
    });
  }
  await moon?.close();
  await venus?.close();
});

/** A wire key as the views name it: `spi-in` → spiIn, `local_port` → localPort. */
const camel = (k: string) => k.replace(/[-_]([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The keys of a raw section the view left unread (not a field of the same name). */
function dropped(view: object, raw: Map<string, unknown>, handled: readonly string[]): string[] {
  const v = view as Record<string, unknown>;
  return [...raw.keys()].filter((k) => !handled.includes(k) && v[camel(k)] === undefined);
}

describe(`strongSwan ${version}: what the daemon sends`, () => {
  it('version: the lab runs the charon it asked for', async () => {
    const v = await moon.version();
    expect(v.version).toBe(version);
    expect(version.startsWith(`${lab.strongswan.moon.release}.`)).toBe(true);
  });

  it('events: which registrations the daemon confirms', async () => {
    const names = [
      'ike-updown',
      'ike-rekey',
      'ike-update',
      'child-updown',
      'child-rekey',
      'log',
      'control-log',
      'list-sa',
      'list-conn',
      'list-policy',
      'list-cert',
      'list-authority',
      'alert',
    ];
    const unknown: string[] = [];
    for (const name of names) {
      const l = moon.listen([name], { timeoutMs: 100 });
      try {
        await l.next();
      } catch (e) {
        if (!(e instanceof EventUnknownError)) throw e;
        unknown.push(name);
      } finally {
        await l.close();
      }
    }
    seen.set('`alert` event', unknown.includes('alert') ? 'no (EVENT_UNKNOWN)' : 'yes');
    const others = unknown.filter((n) => n !== 'alert');
    seen.set('the other 12 events', others.length === 0 ? 'yes' : `not ${others.join(', ')}`);
    expect(unknown.includes('alert')).toBe(!atLeast(lab, 'moon', '6.0.3'));
  });

  it('read-only commands: every one answers (the others run in vici-commands)', async () => {
    const names = [
      'version',
      'stats',
      'get-algorithms',
      'get-counters',
      'get-conns',
      'get-authorities',
      'get-pools',
      'get-keys',
      'get-shared',
    ];
    const unknown: string[] = [];
    for (const name of names) {
      await moon.request(name).catch((e: unknown) => {
        if (e instanceof CommandUnknownError) unknown.push(name);
        else throw e;
      });
    }
    seen.set('read-only commands', unknown.length === 0 ? 'yes' : `not ${unknown.join(', ')}`);
    expect(unknown).toEqual([]);
  });

  it('list-sa: the views read every field moon sends for its IKE_SAs and CHILD_SAs', async () => {
    const sas = await moon.listSas().collect();
    expect(sas.length).toBeGreaterThanOrEqual(3);
    for (const sa of sas) {
      expect(dropped(sa, sa.raw, ['child-sas']), `${sa.name} #${sa.uniqueid}`).toEqual([]);
      for (const c of sa.children) expect(dropped(c, c.raw, []), c.key).toEqual([]);
    }
    const children = sas.flatMap((s) => s.children);
    // Per-CPU SAs need the kernel's XFRM support; the lab runs libipsec, so none are sent.
    const perCpu = children.some((c) => c.raw.has('per-cpu-sas') || c.raw.has('cpu'));
    seen.set('list-sa CHILD_SA `per-cpu-sas`, `cpu`', perCpu ? 'sent' : 'not sent here');
    expect(children.every((c) => c.perCpuSas === undefined && c.cpu === undefined)).toBe(!perCpu);
  });

  it("list-sa: the monitor's decoder reads every SA moon sends as the views do", async () => {
    const bodies = await moon.listSasBodies().collect();
    expect(bodies.length).toBeGreaterThanOrEqual(3);
    for (const body of bodies) {
      const views = parseListSaEvent(decodeMessage(body));
      const records = decodeListSa(body);
      expect(records.map(withoutRaw)).toStrictEqual(views.map(withoutRaw));
      records.forEach((r, i) => {
        const v = views[i]!;
        expect(encodeMessage(r.raw)).toEqual(encodeMessage(compactIkeSa(v).raw));
        r.children.forEach((c, j) => {
          expect(encodeMessage(c.raw)).toEqual(encodeMessage(v.children[j]!.raw));
        });
      });
    }
  });

  it('list-conn: local_port and remote_port (6.0.3); the views read every field', async () => {
    const conns = await moon.listConns().collect();
    const netNet = conns.find((c) => c.name === 'net-net');
    expect(netNet).toBeDefined();
    for (const c of conns) {
      expect(
        dropped(c, c.raw, ['children']).filter((k) => !/^(local|remote)(-\d+)?$/.test(k)),
        c.name,
      ).toEqual([]);
      for (const a of [...c.local, ...c.remote])
        expect(dropped(a, a.raw, []), `${c.name} ${a.key}`).toEqual([]);
      for (const ch of c.children)
        expect(dropped(ch, ch.raw, []), `${c.name} ${ch.name}`).toEqual([]);
    }
    const has = netNet!.raw.has('local_port');
    seen.set('list-conn `local_port`, `remote_port`', has ? 'yes' : 'no');
    const child = netNet!.children[0];
    const props = netNet!.proposals !== undefined && child?.espProposals !== undefined;
    seen.set('list-conn `proposals`, `esp_proposals`, `ah_proposals`', props ? 'yes' : 'no');
    if (props) {
      expect(netNet!.proposals).toEqual([
        {
          encr: ['AES_CBC_128'],
          integ: ['HMAC_SHA2_256_128'],
          prf: ['PRF_HMAC_SHA2_256'],
          ke: ['CURVE_25519'],
        },
      ]);
      expect(child?.espProposals).toEqual([
        {
          encr: ['AES_CBC_128'],
          integ: ['HMAC_SHA2_256_128'],
          ke: ['CURVE_25519'],
          sn: ['NO_EXT_SEQ'],
        },
      ]);
      expect(child?.ahProposals).toEqual([]);
    } else {
      expect([netNet!.proposals, child?.espProposals, child?.ahProposals]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    }
    if (atLeast(lab, 'moon', '6.0.3')) {
      expect([netNet!.localPort, netNet!.remotePort]).toEqual([500, 500]);
    } else {
      expect([netNet!.localPort, netNet!.remotePort]).toEqual([undefined, undefined]);
    }
  });

  it('list-policy: reqid (6.0.2) on a trap policy', async () => {
    await moon.loadConn(
      conn('vt-ke', { remote_addrs: [ALIAS], local_addrs: [lab.addresses.moonIp] }, {}),
    );
    try {
      await moon.install({ child: 'vt-ke', ike: 'vt-ke' });
      const [trap] = (await moon.listPolicies({ trap: true }).collect()).filter(
        (p) => p.child === 'vt-ke',
      );
      expect(trap).toBeDefined();
      seen.set('list-policy `reqid`', trap!.raw.has('reqid') ? 'yes' : 'no');
      if (atLeast(lab, 'moon', '6.0.2')) expect(trap!.reqid).toBeGreaterThan(0);
      else expect(trap!.reqid).toBeUndefined();
      await moon.uninstall({ child: 'vt-ke', ike: 'vt-ke' });
    } finally {
      await moon.unloadConn({ name: 'vt-ke' });
    }
  });

  it('get-algorithms: the section of key exchange methods', async () => {
    const algs = await moon.getAlgorithms();
    const name = algs.raw.has('ke') ? '`ke`' : algs.raw.has('dh') ? '`dh`' : 'none';
    expect(Object.keys(algs.ke)).toContain('CURVE_25519');
    seen.set('get-algorithms key exchanges', name);
    expect(name).toBe(atLeast(lab, 'moon', '6.0.0') ? '`ke`' : '`dh`');
  });

  it('get-pools: the base of rw_pool (10.3.0.0/24)', async () => {
    const pool = (await moon.getPools()).find((p) => p.name === 'rw_pool');
    seen.set('get-pools `base` of a /24', `\`${pool?.base}\``);
    expect(pool?.base).toMatch(/^10\.3\.0\.[01]$/);
  });
});

describe(`strongSwan ${version}: additional key exchanges (ake1)`, () => {
  const loadBoth = async () => {
    await moon.loadShared({ id: 'vt-moon', type: 'IKE', data: PSK, owners: [MOON_ID] });
    await venus.loadShared({ id: 'vt-good', type: 'IKE', data: PSK, owners: [MOON_ID, GOOD_ID] });
    await moon.loadConn(
      conn(
        'vt-ke',
        { local_addrs: [lab.addresses.moonIp], remote_addrs: [ALIAS], proposals: [KE1] },
        { local: { auth: 'psk', id: MOON_ID }, remote: { auth: 'psk', id: GOOD_ID } },
        `${ESP}-x25519-ke1_ecp256`,
      ),
    );
    await venus.loadConn(venusConn('vt-ke', GOOD_ID, KE1, `${ESP}-x25519-ke1_ecp256`));
  };

  it('an SA with ke1_ecp256 lists ake1 = ECP_256 (IKE_SA, and CHILD_SA after a rekey)', async () => {
    if (!atLeast(lab, 'moon', '6.0.0')) {
      // 5.9 has no additional key exchanges: it refuses the proposal.
      const err = await loadBoth().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommandError);
      seen.set('list-sa `ake1`…`ake7`', 'no (`ke1_` proposals refused)');
      return;
    }
    await loadBoth();
    await venus.initiate({ child: 'vt-ke', timeout: 20_000 }).collect();
    const sa = await until('vt-ke established on moon', async () =>
      (await moon.listSas({ ike: 'vt-ke' }).collect()).find((s) => s.state === 'ESTABLISHED'),
    );
    expect([sa.dhGroup, sa.ake1, sa.ake2]).toEqual(['CURVE_25519', 'ECP_256', undefined]);
    expect(dropped(sa, sa.raw, ['child-sas'])).toEqual([]);
    // The first CHILD_SA comes with IKE_AUTH, without a key exchange of its own.
    const first = sa.children[0];
    expect(first?.state).toBe('INSTALLED');
    expect([first?.dhGroup, first?.ake1]).toEqual([undefined, undefined]);
    await venus.rekey({ child: 'vt-ke' });
    const rekeyed = await until('the rekeyed CHILD_SA with its key exchanges', async () => {
      const [now] = await moon.listSas({ ike: 'vt-ke' }).collect();
      return now?.children.find((c) => c.state === 'INSTALLED' && c.ake1 !== undefined);
    });
    expect([rekeyed.dhGroup, rekeyed.ake1, rekeyed.ake2]).toEqual([
      'CURVE_25519',
      'ECP_256',
      undefined,
    ]);
    expect(dropped(rekeyed, rekeyed.raw, [])).toEqual([]);
    // The monitor reads its listings with its own decoder: the same ake1 there.
    const bodies = await moon.listSasBodies({ ike: 'vt-ke' }).collect();
    const records = bodies.flatMap((b) => decodeListSa(b));
    expect(records.map(withoutRaw)).toStrictEqual(
      bodies.flatMap((b) => parseListSaEvent(decodeMessage(b))).map(withoutRaw),
    );
    expect(records.flatMap((r) => r.children).some((c) => c.ake1 === 'ECP_256')).toBe(true);
    seen.set('list-sa `ake1`…`ake7`', `yes (IKE and CHILD \`ake1 = ${sa.ake1}\`)`);
    await venus.terminate({ ike: 'vt-ke', timeout: 10_000 }).result;
  });
});

describe(`strongSwan ${version}: alerts`, () => {
  let alerts: Listener | undefined;
  afterAll(async () => {
    await alerts?.close();
  });

  it('a peer with the wrong PSK: moon raises peer-auth-failed, seen with listen(["alert"])', async () => {
    alerts = moon.listen(['alert', 'log'], { timeoutMs: 500 });
    if (!atLeast(lab, 'moon', '6.0.3')) {
      await expect(alerts.next()).rejects.toBeInstanceOf(EventUnknownError);
      seen.set('alert on a wrong PSK', 'no `alert` event');
      return;
    }
    await alerts.ready;
    await venus.loadShared({
      id: 'vt-bad',
      type: 'IKE',
      data: WRONG_PSK,
      owners: [MOON_ID, BAD_ID],
    });
    await moon.loadShared({ id: 'vt-moon', type: 'IKE', data: PSK, owners: [MOON_ID] });
    await moon.loadConn(
      conn(
        'vt-bad',
        { local_addrs: [lab.addresses.moonIp], remote_addrs: [ALIAS], proposals: [PROPOSAL] },
        { local: { auth: 'psk', id: MOON_ID }, remote: { auth: 'psk', id: BAD_ID } },
      ),
    );
    await venus.loadConn(venusConn('vt-bad', BAD_ID, PROPOSAL, ESP));
    await venus
      .initiate({ child: 'vt-bad', timeout: 10_000 })
      .collect()
      .catch(() => {});
    const deadline = Date.now() + 20_000;
    let alert: ReturnType<typeof parseAlertEvent> | undefined;
    let maxLevel = 0;
    while (!alert && Date.now() < deadline) {
      const r = await alerts.next();
      if (r.done) throw new Error('the alert listener ended');
      if (!r.value) continue;
      if (r.value.type === 'log') {
        maxLevel = Math.max(maxLevel, parseLogEvent(r.value.message).level);
        continue;
      }
      const a = parseAlertEvent(r.value.message);
      if (a.type === 'peer-auth-failed') alert = a;
      else expect(ALERT_TYPES as readonly string[]).toContain(a.type);
    }
    expect(alert, 'a peer-auth-failed alert').toBeDefined();
    expect(alert!.severity).toBe('error');
    const ike = alert!.ike as IkeSa;
    expect(ike.name).toBe('vt-bad');
    expect(ike.remoteHost).toBe(ALIAS);
    expect(ike.children).toEqual([]);
    expect(dropped(ike, ike.raw, [])).toEqual([]);
    expect(maxLevel).toBeLessThanOrEqual(1);
    seen.set('alert on a wrong PSK', `\`${alert!.type}\` with \`ike-sa\``);
  });
});

describe('README', () => {
  it(`the compatibility table's ${version} column says what this daemon did`, () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const start = readme.indexOf('## strongSwan versions');
    expect(start, 'README has a "strongSwan versions" section').toBeGreaterThan(0);
    const end = readme.indexOf('\n## ', start + 1);
    const rows = readme
      .slice(start, end < 0 ? undefined : end)
      .split('\n')
      .filter((l) => l.startsWith('|'))
      .map((l) =>
        l
          .slice(1, -1)
          .split('|')
          .map((c) => c.trim()),
      );
    const header = rows[0] ?? [];
    const col = header.indexOf(version);
    expect(col, `README's table has a column for charon ${version}`).toBeGreaterThan(0);
    const table = new Map(rows.slice(2).map((r) => [r[0] ?? '', r[col] ?? '']));
    const expected = Object.fromEntries(seen);
    const actual = Object.fromEntries([...seen.keys()].map((k) => [k, table.get(k)]));
    expect(actual).toEqual(expected);
    // No row that this file did not check (when every test above ran).
    if (seen.size === 11) expect([...table.keys()].sort()).toEqual([...seen.keys()].sort());
  });
});
