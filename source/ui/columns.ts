import type { ChildRow, IkeRow } from '../monitor/types.js';
import {
  formatBytes,
  formatCountdown,
  formatDuration,
  formatRate,
  hostPort,
  secondsSince,
} from './format.js';
import type { DisplayRow, SortColumn } from './rows.js';
import { sanitize, sanitizeBytes } from './sanitize.js';
import { type Color, type Style, stateColor, type Theme } from './theme.js';
import { fitWidth } from './width.js';

/*
 * The SAs table's columns: which fit a width (by priority), and each row's cells as text.
 * Pure functions of (row, now, width), so they are tested at several widths without Ink.
 */

export type ColumnId =
  | 'name'
  | 'id'
  | 'state'
  | 'ver'
  | 'local'
  | 'remote'
  | 'rid'
  | 'est'
  | 'rekey'
  | 'spis'
  | 'ts'
  | 'bin'
  | 'bout'
  | 'rin'
  | 'rout'
  | 'age';

export interface ColumnDef {
  id: ColumnId;
  title: string;
  /** Minimum width; flexible columns grow first to `want`, then evenly up to `max`. */
  width: number;
  want?: number;
  max?: number;
  align: 'left' | 'right';
  /** Lower keeps its place longer as the terminal narrows. */
  priority: number;
  sort?: SortColumn;
}

/**
 * In display order. Priorities keep what tells SAs apart longest (name, id, state, the peer's
 * identity and address): road warriors often share a connection name and an address.
 */
export const SA_COLUMNS: readonly ColumnDef[] = [
  {
    id: 'name',
    title: 'NAME',
    width: 12,
    want: 16,
    max: 28,
    align: 'left',
    priority: 0,
    sort: 'name',
  },
  { id: 'id', title: 'ID', width: 5, max: 9, align: 'right', priority: 2, sort: 'id' },
  { id: 'state', title: 'STATE', width: 11, align: 'left', priority: 1, sort: 'state' },
  { id: 'ver', title: 'V', width: 2, align: 'left', priority: 12, sort: 'ver' },
  { id: 'local', title: 'LOCAL', width: 21, max: 30, align: 'left', priority: 11, sort: 'local' },
  { id: 'remote', title: 'REMOTE', width: 21, max: 30, align: 'left', priority: 4, sort: 'remote' },
  {
    id: 'rid',
    title: 'REMOTE-ID',
    width: 14,
    want: 22,
    max: 40,
    align: 'left',
    priority: 3,
    sort: 'rid',
  },
  { id: 'est', title: 'EST', width: 6, align: 'right', priority: 7, sort: 'est' },
  { id: 'rekey', title: 'REKEY', width: 6, align: 'right', priority: 5, sort: 'rekey' },
  { id: 'spis', title: 'SPI-IN/OUT', width: 17, align: 'left', priority: 13 },
  { id: 'ts', title: 'SELECTORS', width: 20, want: 32, max: 60, align: 'left', priority: 14 },
  { id: 'bin', title: 'IN', width: 6, align: 'right', priority: 10, sort: 'bin' },
  { id: 'bout', title: 'OUT', width: 6, align: 'right', priority: 10, sort: 'bout' },
  { id: 'rin', title: 'IN/s', width: 7, align: 'right', priority: 6, sort: 'rin' },
  { id: 'rout', title: 'OUT/s', width: 7, align: 'right', priority: 6, sort: 'rout' },
  { id: 'age', title: 'AGE', width: 4, align: 'right', priority: 8 },
];

export const SORT_ORDER: readonly SortColumn[] = SA_COLUMNS.flatMap((c) =>
  c.sort ? [c.sort] : [],
);

export const SORT_TITLES: Record<SortColumn, string> = Object.fromEntries(
  SA_COLUMNS.flatMap((c) => (c.sort ? [[c.sort, c.title]] : [])),
) as Record<SortColumn, string>;

export interface PlacedColumn {
  def: ColumnDef;
  width: number;
}

const GAP = 1;

/** The widest cell of each column in the rows shown, by column id. */
export type ContentWidths = Partial<Record<string, number>>;

/**
 * A flexible column sized to what it holds: never wider than its widest cell (or its title,
 * with room for the sort mark), never narrower than that either while its maximum allows.
 */
function fitted(d: ColumnDef, content: ContentWidths | undefined): ColumnDef {
  const w = content?.[d.id];
  if (w === undefined || d.max === undefined) return d;
  const need = Math.min(d.max, Math.max(w, d.title.length + 1));
  return { ...d, width: Math.min(d.width, need), want: need, max: need };
}

/**
 * The columns that fit `total` cells, in display order, flexible ones widened to fill. With
 * `content`, flexible columns follow their contents: a short name takes few cells.
 */
export function layoutColumns(
  all: readonly ColumnDef[],
  total: number,
  content?: ContentWidths,
): PlacedColumn[] {
  const defs = content ? all.map((d) => fitted(d, content)) : all;
  const byPriority = [...defs].sort((a, b) => a.priority - b.priority);
  const chosen = new Map<ColumnDef, number>();
  let used = 0;
  // Columns of equal priority (IN with OUT) go together or not at all; lower ones may still fit.
  const groups = new Map<number, ColumnDef[]>();
  for (const d of byPriority) groups.set(d.priority, [...(groups.get(d.priority) ?? []), d]);
  for (const group of groups.values()) {
    // Sized to its contents, a column asks for all of them first, for its minimum if that is
    // all there is room for: what ranks higher is shown whole before what ranks lower.
    const full = group.map((d) => (content && d.max !== undefined ? (d.want ?? d.width) : d.width));
    const least = group.map((d) => d.width);
    const cost = (ws: number[]) =>
      ws.reduce((n, w) => n + w, 0) + GAP * (chosen.size > 0 ? ws.length : ws.length - 1);
    const ws = used + cost(full) <= total ? full : used + cost(least) <= total ? least : undefined;
    if (!ws) continue;
    used += cost(ws);
    for (const [i, d] of group.entries()) chosen.set(d, ws[i]!);
  }
  const placed = defs.filter((d) => chosen.has(d)).map((def) => ({ def, width: chosen.get(def)! }));
  // Spare cells go round the flexible columns one at a time, so each grows evenly.
  let spare = total - used;
  const flex = placed.filter((p) => p.def.max !== undefined);
  for (const p of flex) {
    const grow = Math.max(0, Math.min(spare, (p.def.want ?? p.width) - p.width));
    p.width += grow;
    spare -= grow;
  }
  while (spare > 0) {
    let grew = false;
    for (const p of flex) {
      if (spare > 0 && p.width < p.def.max!) {
        p.width++;
        spare--;
        grew = true;
      }
    }
    if (!grew) break;
  }
  return placed;
}

export interface Cell {
  text: string;
  style?: Style;
}

export interface CellContext {
  now: number;
  stale: boolean;
  /** Counters older than this (ms) are shown dimmed with their age. */
  oldAfterMs: number;
  /** When a listing last confirmed each IKE_SA's counters (MonitorSnapshot.confirmedAt). */
  confirmedAt?: ReadonlyMap<string, number>;
}

/**
 * How old the counters of an IKE_SA's rows are: since the later of when they last changed
 * (listedAt) and when a listing last confirmed them unchanged.
 */
function countersAge(listedAt: number, ikeKey: string, ctx: CellContext): number {
  return ctx.now - Math.max(listedAt, ctx.confirmedAt?.get(ikeKey) ?? listedAt);
}

function tsText(local: readonly string[], remote: readonly string[]): string {
  if (local.length === 0 && remote.length === 0) return '';
  return `${local.map(sanitize).join(',')} === ${remote.map(sanitize).join(',')}`;
}

/** The remote identity from the raw bytes, so invalid UTF-8 shows as `\xNN`, not as U+FFFD. */
function remoteId(r: IkeRow): string {
  const raw = r.sa.raw.get('remote-id');
  return Buffer.isBuffer(raw) ? sanitizeBytes(raw) : sanitize(r.sa.remoteId);
}

function stateCell(state: string, ctx: CellContext): Cell {
  if (ctx.stale) return { text: 'STALE', style: { fg: 'gray', dim: true } };
  return { text: sanitize(state), style: { fg: stateColor(state) } };
}

function countersCell(text: string, age: number, ctx: CellContext): Cell {
  const old = age > ctx.oldAfterMs;
  return old || ctx.stale ? { text, style: { dim: true } } : { text };
}

function ikeCells(
  r: IkeRow,
  children: readonly ChildRow[],
  folded: boolean,
  ctx: CellContext,
): Record<ColumnId, Cell> {
  const s = r.sa;
  const since = secondsSince(r.listedAt, ctx.now);
  const marker = r.children.length === 0 ? ' ' : folded ? '+' : '-';
  // A ghost (rekeyed away, going down) is shown, but its bytes live on in its successor.
  const bin = children.reduce((n, c) => n + (c.ghost ? 0 : c.bytesInTotal), 0);
  const bout = children.reduce((n, c) => n + (c.ghost ? 0 : c.bytesOutTotal), 0);
  const age = countersAge(r.listedAt, r.key, ctx);
  return {
    name: { text: `${marker}${sanitize(s.name)}`, style: { bold: true } },
    // As charon's log marks them: [1] an IKE_SA, {2} a CHILD_SA (their ids are separate).
    id: { text: `[${sanitize(s.uniqueid)}]` },
    state: stateCell(s.state, ctx),
    ver: { text: s.version === undefined ? '' : `v${s.version}` },
    local: { text: sanitize(hostPort(s.localHost, s.localPort)) },
    remote: { text: sanitize(hostPort(s.remoteHost, s.remotePort)) },
    rid: { text: remoteId(r) },
    est: { text: s.established === undefined ? '' : formatDuration(s.established + since) },
    rekey: {
      text: s.rekeyTime === undefined ? '' : formatCountdown(s.rekeyTime - since),
    },
    spis: { text: '' },
    ts: { text: [...s.remoteVips].map(sanitize).join(','), style: { fg: 'magenta' } },
    bin: countersCell(formatBytes(bin), age, ctx),
    bout: countersCell(formatBytes(bout), age, ctx),
    rin: countersCell(r.rateIn === undefined ? '' : formatRate(r.rateIn), age, ctx),
    rout: countersCell(r.rateOut === undefined ? '' : formatRate(r.rateOut), age, ctx),
    age: {
      text: age > ctx.oldAfterMs ? formatDuration(age / 1000) : '',
      style: { fg: 'yellow' },
    },
  };
}

function childCells(
  r: ChildRow,
  ikeKey: string,
  last: boolean,
  ctx: CellContext,
): Record<ColumnId, Cell> {
  const s = r.sa;
  const since = secondsSince(r.listedAt, ctx.now);
  const age = countersAge(r.listedAt, ikeKey, ctx);
  const spis = s.spiIn || s.spiOut ? `${sanitize(s.spiIn)}/${sanitize(s.spiOut)}` : '';
  return {
    name: { text: `${last ? '└' : '├'}─${sanitize(s.name)}` },
    id: { text: `{${sanitize(s.uniqueid)}}` },
    state: stateCell(s.state, ctx),
    ver: { text: '' },
    local: { text: sanitize([s.protocol, s.mode].filter(Boolean).join(' ')), style: { dim: true } },
    remote: { text: '' },
    rid: { text: '' },
    est: { text: s.installTime === undefined ? '' : formatDuration(s.installTime + since) },
    rekey: { text: s.rekeyTime === undefined ? '' : formatCountdown(s.rekeyTime - since) },
    spis: { text: spis, style: { dim: true } },
    ts: { text: tsText(s.localTs, s.remoteTs) },
    bin: countersCell(formatBytes(r.bytesInTotal), age, ctx),
    bout: countersCell(formatBytes(r.bytesOutTotal), age, ctx),
    rin: countersCell(r.rateIn === undefined ? '' : formatRate(r.rateIn), age, ctx),
    rout: countersCell(r.rateOut === undefined ? '' : formatRate(r.rateOut), age, ctx),
    age: {
      text: age > ctx.oldAfterMs ? formatDuration(age / 1000) : '',
      style: { fg: 'yellow' },
    },
  };
}

export function rowCells(row: DisplayRow, ctx: CellContext): Record<ColumnId, Cell> {
  return row.kind === 'ike'
    ? ikeCells(row.ike, row.children, row.folded, ctx)
    : childCells(row.child, row.ike.key, row.last, ctx);
}

export interface RowLook {
  selected: boolean;
  tagged: boolean;
  stale: boolean;
}

/** One table line as a painted string, exactly `width` cells wide. */
export function renderRow(
  cells: Record<ColumnId, Cell>,
  cols: readonly PlacedColumn[],
  look: RowLook,
  theme: Theme,
  width: number,
): string {
  let out = look.tagged
    ? theme.paint('*', { fg: 'yellow', bold: true, inverse: look.selected })
    : theme.paint(' ', { inverse: look.selected });
  let used = 1;
  cols.forEach((c, i) => {
    const cell = cells[c.def.id];
    const gap = i === 0 ? '' : ' ';
    const text = gap + fitWidth(cell.text, c.width, c.def.align);
    const style: Style = { ...cell.style };
    if (look.stale) {
      style.dim = true;
      style.fg = 'gray';
    }
    if (look.selected) style.inverse = true;
    out += theme.paint(text, style);
    used += c.width + gap.length;
  });
  if (used < width) out += theme.paint(' '.repeat(width - used), { inverse: look.selected });
  return out;
}

/** The header line, marking the sort column with ▲/▼. */
export function renderHeader(
  cols: readonly PlacedColumn[],
  sort: { column: SortColumn; desc: boolean },
  theme: Theme,
  width: number,
): string {
  let out = ' ';
  let used = 1;
  cols.forEach((c, i) => {
    const mark = c.def.sort === sort.column ? (sort.desc ? '▼' : '▲') : '';
    const gap = i === 0 ? '' : ' ';
    out += gap + fitWidth(c.def.title + mark, c.width, c.def.align);
    used += c.width + gap.length;
  });
  if (used < width) out += ' '.repeat(width - used);
  return theme.paint(out, { bold: true, fg: 'cyan' as Color, inverse: true });
}
