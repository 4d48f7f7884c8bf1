import type { Figures, LinkState, MonitorSnapshot } from '../monitor/types.js';
import { formatCount, formatDuration, formatInterval, formatRate } from './format.js';
import { sanitize } from './sanitize.js';
import type { Style, Theme } from './theme.js';
import { fitWidth, truncate } from './width.js';

/*
 * The header as painted lines (pure: snapshot, clock, width → strings). htop-like: who and
 * where, totals, meters, and the link's health; a loud banner only when rows are not live.
 */

export function linkText(
  link: LinkState,
  now: number,
): { text: string; tone: 'ok' | 'warn' | 'bad' } {
  switch (link.kind) {
    case 'live':
      return { text: 'live', tone: 'ok' };
    case 'connecting':
      return { text: `connecting (attempt ${link.attempt})`, tone: 'warn' };
    case 'reconnecting': {
      const secs = Math.max(0, Math.ceil((link.retryAt - now) / 1000));
      return { text: `reconnecting in ${secs}s (attempt ${link.attempt})`, tone: 'bad' };
    }
    case 'stalled':
      return { text: `stalled ${formatDuration((now - link.since) / 1000)}`, tone: 'bad' };
    case 'closed':
      return { text: 'closed', tone: 'bad' };
  }
}

/** htop-style meter: `Wrk[|||||      3/16]`. */
export function meter(
  label: string,
  used: number,
  total: number,
  width: number,
  theme: Theme,
): string {
  const value = `${used}/${total}`;
  const inner = Math.max(value.length + 1, width - label.length - 2);
  const bars =
    total > 0 ? Math.round((Math.min(used, total) / total) * (inner - value.length - 1)) : 0;
  const gap = inner - bars - value.length;
  return `${label}[${theme.paint('|'.repeat(bars), { fg: used >= total && total > 0 ? 'red' : 'green' })}${' '.repeat(Math.max(0, gap))}${theme.paint(value, { dim: true })}]`;
}

export interface HeaderOptions {
  now: number;
  width: number;
  theme: Theme;
  paused: boolean;
}

/** `│ alerts 3 (2 error)`: red with errors, yellow with warnings; nothing before the first. */
function alertCount(a: MonitorSnapshot['events']['alerts'], t: Theme): string {
  if (!a || a.total === 0) return '';
  const fg = a.error > 0 ? 'red' : a.warn > 0 ? 'yellow' : undefined;
  const detail = a.error > 0 ? ` (${formatCount(a.error)} error)` : '';
  return `│ alerts ${t.paint(`${formatCount(a.total)}${detail}`, { fg, bold: a.error > 0 })}`;
}

export function headerLines(snap: MonitorSnapshot, o: HeaderOptions): string[] {
  const { theme: t, now, width } = o;
  const d = snap.daemon;
  const who = [
    d?.daemon ? `${sanitize(d.daemon)} ${sanitize(d.version)}`.trim() : 'charon',
    `on ${sanitize(snap.host)}`,
    d?.sysname ? sanitize([d.sysname, d.release, d.machine].filter(Boolean).join(' ')) : '',
    snap.stats?.uptimeRunning ? `up ${sanitize(snap.stats.uptimeRunning)}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const link = linkText(snap.link, now);
  const age =
    snap.lastUpdateAt === undefined
      ? 'no data yet'
      : `updated ${formatDuration((now - snap.lastUpdateAt) / 1000)} ago`;
  const right = `${link.text}${o.paused ? ' · PAUSED' : ''} · ${age} · every ${formatInterval(snap.intervalMs)}${snap.readOnly ? ' · read-only' : ''}`;
  const leftWidth = Math.max(0, width - right.length - 1);
  const line1 =
    t.paint(fitWidth(`swantop ${truncate(who, Math.max(0, leftWidth - 8))}`, leftWidth), {
      bold: true,
    }) +
    ' ' +
    t.paint(truncate(right, width - leftWidth - 1), {
      fg: link.tone === 'ok' ? 'green' : link.tone === 'warn' ? 'yellow' : 'red',
      bold: link.tone !== 'ok',
    });

  // What is known, and how fresh: an unknown count is `?` (never a made-up 0), a rate the link
  // cannot vouch for is `-`, and counts that are only the last ones seen are dimmed and said
  // to be stale, as the rows are. Snapshots built by hand (tests) may carry only `totals`.
  const tot = snap.totals;
  const f: Figures = snap.figures ?? { ...tot, stale: snap.stale };
  const count = (v: number | null, style: Style): string =>
    v === null
      ? t.paint('?', { dim: true })
      : t.paint(formatCount(v), f.stale ? { dim: true } : style);
  const rate = (v: number | null): string =>
    v === null ? t.paint('-', { dim: true }) : t.paint(formatRate(v), { fg: 'cyan' });
  const known = f.ike !== null || f.child !== null;
  const wide = width >= 100;
  const line2 = [
    `${wide ? 'IKE_SAs' : 'IKE'} ${count(f.ike, { bold: true })}`,
    `est ${count(f.established, { fg: 'green' })}`,
    `${wide ? 'connecting' : 'conn'} ${count(f.connecting, { fg: 'yellow' })}`,
    `${wide ? 'half-open' : 'half'} ${count(f.halfOpen, { fg: (f.halfOpen ?? 0) > 0 ? 'yellow' : undefined })}`,
    `│ ${wide ? 'CHILD_SAs' : 'CHILD'} ${count(f.child, { bold: true })}`,
    `│ in ${rate(f.rateIn)} out ${rate(f.rateOut)}`,
    f.stale && known ? t.paint('(stale)', { fg: 'red' }) : '',
    alertCount(snap.events.alerts, t),
  ]
    .filter(Boolean)
    .join(wide ? '  ' : ' ');

  const st = snap.stats;
  let line3: string;
  if (st) {
    const total = st.workersTotal ?? 0;
    const busy = total - (st.workersIdle ?? total);
    const queued = Object.values(st.queues).reduce((a, b) => a + b, 0);
    const queues = Object.entries(st.queues)
      .map(([k, v]) => `${sanitize(k.slice(0, 1))}${v}`)
      .join(' ');
    const mw = Math.min(30, Math.max(14, Math.floor(width / 4)));
    line3 = [
      meter('Workers', busy, total, mw, t),
      `Jobs queued ${t.paint(String(queued), { bold: true, fg: queued > total ? 'yellow' : undefined })}${queues ? ` (${queues})` : ''}`,
      `scheduled ${st.scheduled ?? '-'}`,
      st.ikeSasHalfOpen !== undefined ? `daemon half-open ${st.ikeSasHalfOpen}` : '',
    ]
      .filter(Boolean)
      .join('  ');
    // The meters are the last stats seen when the link cannot vouch for them.
    if (f.stale) line3 += `  ${t.paint('(stale)', { fg: 'red' })}`;
  } else {
    line3 = t.paint('Workers [no stats yet]', { dim: true });
  }
  const lines = [line1, line2, line3];
  if (snap.stale) {
    const why = snap.stalled
      ? `: the daemon has not answered for ${formatDuration((now - snap.stalled.since) / 1000)} (${sanitize(snap.stalled.reason)})`
      : snap.link.kind === 'reconnecting'
        ? `: ${sanitize(snap.link.reason)}`
        : '';
    // With no rows there is nothing stale to warn about, only a link that is not up yet.
    const text =
      snap.ikes.size === 0
        ? snap.link.kind === 'live'
          ? ` connected; waiting for the first listing${why}`
          : ` not live: ${snap.link.kind}${why}`
        : ` STALE — rows below are the last values seen, not live${why}`;
    lines.push(
      t.paint(fitWidth(text, width), {
        fg: snap.ikes.size === 0 ? 'yellow' : 'red',
        inverse: true,
        bold: true,
      }),
    );
  } else if (snap.poll.mode === 'budgeted' || snap.poll.reason) {
    lines.push(
      t.paint(
        truncate(
          `polling slowed: ${sanitize(snap.poll.reason ?? 'budgeted listings')} (daemon share ${Math.round(snap.poll.share * 100)}%, budget ${Math.round(snap.poll.budget * 100)}%)`,
          width,
        ),
        { fg: 'yellow' },
      ),
    );
  }
  return lines;
}
