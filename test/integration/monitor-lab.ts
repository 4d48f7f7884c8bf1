/*
 * Shared by the monitor-*.test.ts integration files: monitors on the lab's daemons and waiting
 * for the snapshot to show something.
 */
import { inject } from 'vitest';
import type { LabHost, LabInfo } from '../../lab/lab.js';
import { createMonitor, type MonitorOptions } from '../../source/monitor/monitor.js';
import type { ChildRow, IkeRow, Monitor, MonitorSnapshot } from '../../source/monitor/types.js';

export function labInfo(): LabInfo {
  const lab = inject('lab');
  if (!lab?.sockets) throw new Error('the integration global setup provided no lab');
  return lab;
}

const started: Monitor[] = [];

export function monitorOn(
  lab: LabInfo,
  host: LabHost,
  opts: Omit<MonitorOptions, 'uri'> = {},
): Monitor {
  const m = createMonitor({ uri: lab.uris[host], host, ...opts });
  started.push(m);
  m.start();
  return m;
}

export async function stopMonitors(): Promise<void> {
  await Promise.all(started.splice(0).map((m) => m.stop()));
}

/** Waits until the snapshot satisfies `ok`; fails naming `what` and the last state seen. */
export async function until<T>(
  m: Monitor,
  what: string,
  ok: (s: MonitorSnapshot) => T | undefined | false | null,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = m.getSnapshot();
    const v = ok(s);
    if (v) return v;
    if (Date.now() > deadline) {
      const rows = [...s.ikes.values()].map((r) => `${r.sa.name}[${r.key}] ${r.sa.state}`);
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; link=${s.link.kind} stale=${s.stale} rows=${rows.join(', ')} status=${s.status?.text ?? ''}`,
      );
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        off();
        resolve();
      };
      const t = setTimeout(done, 25);
      const off = m.subscribe(done);
    });
  }
}

export const rowsOf = (s: MonitorSnapshot, name: string): IkeRow[] =>
  [...s.ikes.values()].filter((r) => r.sa.name === name);

export const byRemoteId = (s: MonitorSnapshot, id: string): IkeRow | undefined =>
  [...s.ikes.values()].find((r) => r.sa.remoteId === id);

export const installed = (row: IkeRow | undefined): ChildRow | undefined =>
  row?.children.find((c) => c.sa.state === 'INSTALLED');
