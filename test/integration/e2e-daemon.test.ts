/*
 * End to end: swantop in a real terminal (tmux) while moon's charon is SIGKILLed and started
 * again. The header must say so at once, the rows must never pass for live while nobody can
 * vouch for them, and once the daemon is back the screen must match swanctl again.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  childSas,
  daemonPid,
  killDaemon,
  type LabInfo,
  oracleListSas,
  restartDaemon,
} from '../../lab/lab.js';
import {
  atRest,
  childrenOf,
  frame,
  type SaRow,
  saRows,
  startSwantop,
  type TmuxSession,
} from './tmux.js';

const lab: LabInfo = inject('lab');
const sessions: TmuxSession[] = [];

// Compare the screen only with a lab at rest (an earlier file's rekey may still be settling).
beforeEach(async () => {
  await atRest(lab.sockets.moon);
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
  // Whatever happened, the next file finds moon running with its peers connected.
  if ((await daemonPid(lab, 'moon')) === undefined) await restartDaemon(lab, 'moon');
});

const headerOf = (screen: string) => screen.split('\n').find((l) => l.startsWith('swantop ')) ?? '';
const STALE_BANNER = 'STALE — rows below are the last values seen, not live';
const REACT_MS = 1_500;

describe('the daemon killed and restarted', () => {
  it('says reconnecting within a second, shows the rows as stale (never live) while down, and is right again after the restart', async () => {
    const s = await startSwantop(lab.uris.moon, { width: 200, height: 40 });
    sessions.push(s);
    const before = await s.waitFor('the first listing, every SA up', (screen) => {
      const rows = saRows(screen);
      return / live · /.test(headerOf(screen)) &&
        rows.some((r) => r.name === lab.conns.netNet) &&
        rows.every((r) => r.state === 'ESTABLISHED' || r.state === 'INSTALLED')
        ? rows
        : undefined;
    });
    const ids = (rows: readonly SaRow[]) => rows.map((r) => `${r.kind}#${r.id}`).join(' ');

    // Timed from the moment the daemon is gone (killDaemon waits for that): ~1 s to notice,
    // with room for tmux's polling on a loaded machine.
    await killDaemon(lab, 'moon', 'SIGKILL');
    const t0 = Date.now();
    const down = await s.waitFor(
      'the header to say reconnecting',
      (screen) => (/reconnecting/.test(headerOf(screen)) ? screen : undefined),
      { timeoutMs: REACT_MS, intervalMs: 50 },
    );
    const reactedMs = Date.now() - t0;
    expect(reactedMs).toBeLessThanOrEqual(REACT_MS);
    expect(down, frame(down)).toContain(STALE_BANNER);

    // While the daemon is down: the same rows as before, every one marked STALE, the header
    // never live, on every screen over a few seconds (reconnect attempts included).
    const until = Date.now() + 4_000;
    let samples = 0;
    while (Date.now() < until) {
      const screen = await s.capture();
      const rows = saRows(screen);
      const why = frame(screen);
      expect(headerOf(screen), why).not.toMatch(/ live · /);
      expect(screen, why).toContain(STALE_BANNER);
      expect(ids(rows), why).toBe(ids(before));
      for (const r of rows) expect(r.state, why).toBe('STALE');
      samples++;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(samples).toBeGreaterThan(10);

    await restartDaemon(lab, 'moon');
    const oracle = await oracleListSas(lab.sockets.moon);
    const netNet = oracle.find((o) => o.name === lab.conns.netNet)!;
    expect(netNet.sa.state).toBe('ESTABLISHED');
    const netNetChild = childSas(netNet.sa).find((c) => c.state === 'INSTALLED')!;
    const want = oracle
      .map((o) => o.sa.uniqueid as string)
      .sort()
      .join(' ');

    const back = await s.waitFor(
      'live rows again that match swanctl',
      (screen) => {
        const rows = saRows(screen);
        const shownIds = rows
          .filter((r) => r.kind === 'ike')
          .map((r) => r.id)
          .sort()
          .join(' ');
        const ike = rows.find((r) => r.kind === 'ike' && r.name === lab.conns.netNet);
        const child = ike ? childrenOf(rows, ike)[0] : undefined;
        return / live · /.test(headerOf(screen)) &&
          !screen.includes(STALE_BANNER) &&
          shownIds === want &&
          child?.spis?.in === netNetChild['spi-in']
          ? { screen, rows, ike: ike!, child: child! }
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(back.ike.id).toBe(netNet.sa.uniqueid);
    expect(back.ike.state).toBe('ESTABLISHED');
    expect(back.child).toMatchObject({
      id: netNetChild.uniqueid,
      state: 'INSTALLED',
      spis: { in: netNetChild['spi-in'], out: netNetChild['spi-out'] },
    });
    for (const r of back.rows)
      expect(r.state, frame(back.screen)).toMatch(/^(ESTABLISHED|INSTALLED)$/);
    console.info(`e2e: the header said reconnecting ${reactedMs} ms after SIGKILL`);
  });
});
