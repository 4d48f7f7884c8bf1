/* Pure formatting of numbers, sizes and durations, kept short so columns stay narrow. */

const UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];

/** 1023 → "1023B", 1536 → "1.5K", 10 MiB → "10M": at most 5 cells. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n) || n < 0) return '-';
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)}B`;
  const s = v < 10 ? v.toFixed(1) : String(Math.round(v));
  // 1023.7 rounds to 1024: move up a unit rather than print 5 digits.
  if (s === '1024' && u < UNITS.length - 1) return `1.0${UNITS[u + 1]}`;
  return `${s}${UNITS[u]}`;
}

export function formatRate(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return `${formatBytes(n)}/s`;
}

/** Thousands separated with a thin comma: 10000 → "10,000". */
export function formatCount(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Seconds as two units at most: "42s", "12m", "3h07m", "2d04h". With `precise`, minutes keep
 * their seconds ("12m05s") — for countdowns, where a user watches the last minutes tick.
 * Coarse by default so ages do not redraw every row every second.
 */
export function formatDuration(sec: number | undefined, precise = false): string {
  if (sec === undefined || !Number.isFinite(sec)) return '-';
  const neg = sec < 0;
  let s = Math.floor(Math.abs(sec));
  const sign = neg ? '-' : '';
  if (s < 60) return `${sign}${s}s`;
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const two = (v: number) => String(v).padStart(2, '0');
  if (d > 0) return `${sign}${d}d${two(h)}h`;
  if (h > 0) return `${sign}${h}h${two(m)}m`;
  return precise ? `${sign}${m}m${two(s)}s` : `${sign}${m}m`;
}

/** A polling interval: "250ms", "2s", "5m". */
export function formatInterval(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : formatDuration(ms / 1000);
}

/** Countdown to a rekey: precise in its last ten minutes, "due" once it passed. */
export function formatCountdown(sec: number | undefined): string {
  if (sec === undefined || !Number.isFinite(sec)) return '-';
  if (sec <= 0) return 'due';
  return formatDuration(sec, sec < 600);
}

/** "192.0.2.1:500", "[2001:db8::1]:4500"; the host alone when there is no port. */
export function hostPort(host: string | undefined, port: number | undefined): string {
  if (!host) return '';
  const h = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/** Clock time of an event, local: "14:03:07.250". */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  const two = (v: number) => String(v).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Seconds elapsed since a wall-clock ms, never negative. */
export function secondsSince(ms: number, now: number): number {
  return Math.max(0, (now - ms) / 1000);
}
