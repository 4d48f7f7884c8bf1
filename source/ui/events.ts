import type { EventEntry, EventLog } from '../monitor/types.js';
import { formatClock, formatCount } from './format.js';
import { sanitize } from './sanitize.js';
import { type Theme, TONE_COLOR } from './theme.js';
import { fitWidth, truncate } from './width.js';

/* The Events view: the store's bounded feed, filtered by level and text, newest at the bottom. */

/** `l` cycles the highest log level shown; charon's levels run -1 (silent) to 4 (private). */
export const LEVELS = [0, 1, 2, 3, 4] as const;

export function nextLevel(level: number): number {
  const i = LEVELS.indexOf(level as (typeof LEVELS)[number]);
  return LEVELS[(i + 1) % LEVELS.length]!;
}

export function filterEvents(
  entries: readonly EventEntry[],
  maxLevel: number,
  filter: string,
): readonly EventEntry[] {
  const needle = filter.trim().toLowerCase();
  if (needle === '' && maxLevel >= 4) return entries;
  return entries.filter((e) => {
    if (e.kind === 'log' && e.level > maxLevel) return false;
    if (needle === '') return true;
    return (
      e.text.toLowerCase().includes(needle) ||
      (e.group ?? '').toLowerCase().includes(needle) ||
      (e.ikeName ?? '').toLowerCase().includes(needle) ||
      e.kind.includes(needle)
    );
  });
}

export function eventLine(e: EventEntry, theme: Theme, width: number): string {
  const who = e.ikeName ? `${sanitize(e.ikeName)}[${sanitize(e.ikeUniqueid)}] ` : '';
  const tag = e.kind === 'log' ? `${e.level} ${sanitize(e.group ?? '')}` : e.kind;
  const head = `${formatClock(e.at)} ${fitWidth(tag, 12)} `;
  const body = truncate(`${who}${sanitize(e.text)}`, Math.max(0, width - head.length - 1));
  return (
    theme.paint(head, { dim: true }) +
    theme.paint(fitWidth(body, Math.max(0, width - head.length - 1)), { fg: TONE_COLOR[e.tone] })
  );
}

export interface EventsBody {
  log: EventLog;
  shown: readonly EventEntry[];
  top: number;
  height: number;
  maxLevel: number;
  following: boolean;
  paused: boolean;
  /** The text filter, to say that nothing matches it rather than that nothing came. */
  filter?: string;
  theme: Theme;
  width: number;
}

/** The first row shown: the tail when following, else `top` clamped. */
export function eventsTop(count: number, rows: number, top: number, following: boolean): number {
  const last = Math.max(0, count - rows);
  return following ? last : Math.max(0, Math.min(top, last));
}

export function eventsBodyLines(b: EventsBody): string[] {
  const t = b.theme;
  const rows = b.height - 1;
  const state = b.paused ? 'PAUSED' : b.following ? 'following' : 'scrolled back (End follows)';
  const title = `${state} · level ≤ ${b.maxLevel} · dropped ${formatCount(b.log.dropped)} · undelivered ${formatCount(b.log.undelivered)} · ${formatCount(b.shown.length)} shown of ${formatCount(b.log.entries.length)} kept (max ${formatCount(b.log.capacity)})`;
  const lines = [
    t.paint(fitWidth(` ${title}`, b.width), {
      bold: true,
      fg: b.log.dropped + b.log.undelivered > 0 || b.paused ? 'yellow' : 'cyan',
      inverse: true,
    }),
  ];
  if (b.shown.length === 0) {
    const why =
      b.log.entries.length === 0
        ? 'no events yet'
        : b.filter?.trim()
          ? `no event matches "${sanitize(b.filter)}"${b.maxLevel < 4 ? ` at level ≤ ${b.maxLevel}` : ''} (Esc clears)`
          : `no event at level ≤ ${b.maxLevel} (l shows more)`;
    lines.push(t.paint(fitWidth(`  ${why}`, b.width), { dim: true }));
    return lines;
  }
  const top = eventsTop(b.shown.length, rows, b.top, b.following);
  const end = Math.min(b.shown.length, top + rows);
  for (let i = top; i < end; i++) lines.push(eventLine(b.shown[i]!, t, b.width));
  return lines;
}
