/*
 * Shared by the fault-*.test.ts files: waiting on a live monitor's snapshots, and comparing
 * what it shows with what swanctl (the independent oracle) reports for the same daemon.
 */
import { childSas, type LabHost, type LabInfo, oracleListSas } from '../../lab/lab.js';
import type { Monitor, MonitorSnapshot } from '../../source/monitor/types.js';
import { untilSnapshot as waitForSnapshot } from '../unit/until-snapshot.js';
import { until } from './vici-lab.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Each IKE_SA as "uniqueid spi: child uniqueids"; the SPI tells a new daemon's #1 from the old. */
export type Shape = string[];

export function snapshotShape(s: MonitorSnapshot): Shape {
  return [...s.ikes.values()]
    .map(
      (r) =>
        `${r.sa.uniqueid} ${r.sa.initiatorSpi}: ${r.children
          .map((c) => c.sa.uniqueid)
          .sort()
          .join(',')}`,
    )
    .sort();
}

export async function oracleShape(lab: LabInfo, host: LabHost): Promise<Shape> {
  const sas = await oracleListSas(lab.sockets[host]);
  return sas
    .map(
      ({ sa }) =>
        `${sa.uniqueid} ${sa['initiator-spi']}: ${childSas(sa)
          .map((c) => String(c.uniqueid))
          .sort()
          .join(',')}`,
    )
    .sort();
}

/** Waits for a snapshot that satisfies `ok`; a failure shows every row's shape. */
export const untilSnapshot = (
  m: Monitor,
  what: string,
  ok: (s: MonitorSnapshot) => boolean,
  timeoutMs = 30_000,
): Promise<MonitorSnapshot> =>
  waitForSnapshot(m, what, ok, timeoutMs, (s) => snapshotShape(s).join(' | '));

/** Waits until the monitor, live and trusted, shows exactly what swanctl reports. */
export async function untilMatchesOracle(
  m: Monitor,
  lab: LabInfo,
  host: LabHost,
  what: string,
  timeoutMs = 45_000,
): Promise<Shape> {
  let last: Shape = [];
  await until(
    what,
    async () => {
      const s = m.getSnapshot();
      if (s.link.kind !== 'live' || s.stale) return false;
      last = await oracleShape(lab, host);
      const now = m.getSnapshot();
      return !now.stale && JSON.stringify(snapshotShape(now)) === JSON.stringify(last);
    },
    timeoutMs,
  ).catch((e: Error) => {
    throw new Error(
      `${e.message}; monitor: ${snapshotShape(m.getSnapshot()).join(' | ')}; swanctl: ${last.join(' | ')}`,
    );
  });
  return last;
}

/** The SPI part of a shape line. */
export const spiOf = (line: string) => line.split(':')[0]!.split(' ')[1];
