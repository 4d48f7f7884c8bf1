/*
 * Telling a restarted daemon from a clock that flickers. charon's `stats` says how long it has
 * run (`uptime.running`, "42 seconds", "5 minutes", "3 hours", "2 days": whole units, rounded
 * down) and since when (`uptime.since`, which it computes as the wall clock minus the uptime,
 * so its second flickers from one call to the next). A restart is the uptime going backwards;
 * `since` is consulted only when `running` cannot be read, and then only a move of more than
 * a few seconds counts.
 */

export interface UptimeSample {
  running?: string;
  since?: string;
  /** When the sample was taken (our clock, ms). */
  at: number;
}

/** `since` may move this much without meaning anything (its flicker is one second). */
export const SINCE_SLACK_MS = 5_000;
/** Our two sample times and the daemon's can disagree by this much (scheduling, rounding). */
const RUNNING_SLACK_S = 2;

const UNITS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86_400 };

/** `running` as the range of seconds it stands for: "5 minutes" is [300, 360). */
export function runningRange(running: string | undefined): { lo: number; hi: number } | undefined {
  const m = /^\s*(\d+)\s+(second|minute|hour|day)s?\s*$/i.exec(running ?? '');
  if (!m) return undefined;
  const unit = UNITS[m[2]!.toLowerCase()]!;
  const n = Number(m[1]);
  return { lo: n * unit, hi: (n + 1) * unit };
}

/** `since` ("Dec 01 20:57:32 2026", the daemon's local time) as ms; undefined if unreadable. */
export function sinceMs(since: string | undefined): number | undefined {
  if (!since) return undefined;
  const t = Date.parse(since);
  return Number.isFinite(t) ? t : undefined;
}

/** Whether the daemon that answered `next` is not the one that answered `prev`. */
export function daemonRestarted(prev: UptimeSample, next: UptimeSample): boolean {
  const a = runningRange(prev.running);
  const b = runningRange(next.running);
  if (a && b) {
    // It ran at least a.lo by the first sample, so at least a.lo + elapsed by the second.
    const elapsedS = Math.max(0, (next.at - prev.at) / 1000);
    return b.hi + RUNNING_SLACK_S < a.lo + elapsedS;
  }
  const x = sinceMs(prev.since);
  const y = sinceMs(next.since);
  if (x !== undefined && y !== undefined) return Math.abs(y - x) > SINCE_SLACK_MS;
  // Nothing readable: only a different text can say anything, and jitter makes even that weak.
  return false;
}
