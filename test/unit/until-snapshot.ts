import type { Monitor, MonitorSnapshot } from '../../source/monitor/types.js';

/**
 * Waits for a snapshot that satisfies `ok`, waking on every published change (and every 50 ms,
 * for conditions that depend on time alone). The failure names what it waited for and where
 * the monitor stood.
 */
export async function untilSnapshot(
  m: Monitor,
  what: string,
  ok: (s: MonitorSnapshot) => boolean,
  timeoutMs = 10_000,
  describe: (s: MonitorSnapshot) => string = (s) => [...s.ikes.keys()].join(','),
): Promise<MonitorSnapshot> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = m.getSnapshot();
    if (ok(s)) return s;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; link=${JSON.stringify(s.link)} stale=${s.stale} ikes=${describe(s)}`,
      );
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, 50);
      const off = m.subscribe(done);
      function done() {
        clearTimeout(t);
        off();
        resolve();
      }
    });
  }
}
