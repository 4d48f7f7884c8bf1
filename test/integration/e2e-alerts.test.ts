/*
 * End to end, on each strongSwan version (vitest.config.ts runs it on 5.9, 6.0 and 6.1): the
 * built swantop in a real terminal (tmux) names the daemon's version in its header, and a
 * peer with the wrong PSK makes a real alert (6.0.3 and later) that the Events view shows in
 * red and the header counts. Where the daemon has no `alert` (5.9.8, 6.0.1) the same failure
 * shows no alert, and swantop stays live.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LabInfo, nsExec } from '../../lab/lab.js';
import type { Session } from '../../source/vici/index.js';
import { startSwantop, type TmuxSession } from './tmux.js';
import { atLeast, charonOf, connect } from './vici-lab.js';

const lab: LabInfo = inject('lab');
const sessions: TmuxSession[] = [];
let moon: Session;
let venus: Session;

const ALIAS = '192.168.0.151';
const INNER = '10.6.0.2';
const MOON_ID = 'e2e.moon.swantop.test';
const BAD_ID = 'e2e-bad.venus.swantop.test';

beforeAll(async () => {
  moon = await connect(lab, 'moon');
  venus = await connect(lab, 'venus');
  await nsExec(lab.ns.venus, ['ip', 'addr', 'add', `${ALIAS}/24`, 'dev', 'eth0']);
  await nsExec(lab.ns.venus, ['ip', 'addr', 'add', `${INNER}/32`, 'dev', 'lo']);
  // moon and venus disagree on the PSK for this pair: moon raises peer-auth-failed.
  await moon.loadShared({
    id: 'e2e-moon',
    type: 'IKE',
    data: 'the-right-psk-0123',
    owners: [MOON_ID],
  });
  await venus.loadShared({
    id: 'e2e-bad',
    type: 'IKE',
    data: 'the-wrong-psk-3210',
    owners: [MOON_ID, BAD_ID],
  });
  const children = (l: string, r: string) => ({
    'e2e-bad': { local_ts: [l], remote_ts: [r], esp_proposals: ['aes128-sha256'] },
  });
  await moon.loadConn({
    'e2e-bad': {
      version: 2,
      local_addrs: [lab.addresses.moonIp],
      remote_addrs: [ALIAS],
      proposals: ['aes128-sha256-x25519'],
      local: { auth: 'psk', id: MOON_ID },
      remote: { auth: 'psk', id: BAD_ID },
      children: children('10.1.0.0/16', `${INNER}/32`),
    },
  });
  await venus.loadConn({
    'e2e-bad': {
      version: 2,
      local_addrs: [ALIAS],
      remote_addrs: [lab.addresses.moonIp],
      proposals: ['aes128-sha256-x25519'],
      local: { auth: 'psk', id: BAD_ID },
      remote: { auth: 'psk', id: MOON_ID },
      children: children(`${INNER}/32`, '10.1.0.0/16'),
    },
  });
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
});

afterAll(async () => {
  await venus?.unloadConn({ name: 'e2e-bad' }).catch(() => {});
  await moon?.unloadConn({ name: 'e2e-bad' }).catch(() => {});
  await moon?.unloadShared({ id: 'e2e-moon' }).catch(() => {});
  await venus?.unloadShared({ id: 'e2e-bad' }).catch(() => {});
  for (const [addr, dev] of [
    [`${ALIAS}/24`, 'eth0'],
    [`${INNER}/32`, 'lo'],
  ] as const) {
    await nsExec(lab.ns.venus, ['ip', 'addr', 'del', addr, 'dev', dev], { allowFailure: true });
  }
  await moon?.close();
  await venus?.close();
});

const headerOf = (screen: string) => screen.split('\n').find((l) => l.startsWith('swantop ')) ?? '';
/** An escaped capture's line that holds the alert and a red foreground (SGR 31 or 91). */
const redAlert = (l: string) =>
  l.includes('alert: peer-auth-failed') && /\x1b\[(?:[0-9;]*;)?(?:31|91)(?:;[0-9;]*)?m/.test(l);

describe(`swantop on strongSwan ${charonOf(lab, 'moon')}`, () => {
  it('names the daemon and its version in the header', async () => {
    const s = await startSwantop(lab.uris.moon, { width: 160, height: 40 });
    sessions.push(s);
    const header = await s.waitFor('a live header', (sc) => {
      const h = headerOf(sc);
      return / live · /.test(h) ? h : undefined;
    });
    expect(header).toContain(`swantop charon ${charonOf(lab, 'moon')} · on `);
  });

  it('a peer with the wrong PSK: a red alert in the Events view, counted in the header (6.0.3+)', async () => {
    const s = await startSwantop(lab.uris.moon, { width: 160, height: 40 });
    sessions.push(s);
    await s.waitFor('a live header', (sc) => (/ live · /.test(headerOf(sc)) ? sc : undefined));
    await s.keys('3');
    await s.waitForText('Events');
    await venus
      .initiate({ child: 'e2e-bad', timeout: 10_000 })
      .collect()
      .catch(() => {});
    if (atLeast(lab, 'moon', '6.0.3')) {
      const line = await s.waitFor('the alert, in red', (sc) => sc.split('\n').find(redAlert), {
        escaped: true,
        timeoutMs: 20_000,
      });
      expect(line.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(
        /alert\s+e2e-bad\[\d+\] alert: peer-auth-failed/,
      );
      const header = await s.waitFor('the alert counted in the header', (sc) =>
        sc.split('\n').find((l) => /│ alerts 1 \(1 error\)/.test(l)),
      );
      expect(header).toContain('alerts 1 (1 error)');
    } else {
      // Same failure, no alert event: the screen says nothing of one, and stays live.
      await s.waitForText('e2e-bad', 20_000).catch(() => '');
      const sc = await s.capture();
      expect(sc).not.toContain('alert: ');
      expect(sc).not.toMatch(/│ alerts \d/);
      expect(headerOf(sc)).toMatch(/ live · /);
    }
  });
});
