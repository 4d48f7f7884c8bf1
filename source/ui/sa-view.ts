import type { IkeRow, Target } from '../monitor/types.js';
import {
  type CellContext,
  type ContentWidths,
  layoutColumns,
  type PlacedColumn,
  renderHeader,
  renderRow,
  rowCells,
  SA_COLUMNS,
} from './columns.js';
import { hostPort } from './format.js';
import type { DisplayRow, SortSpec } from './rows.js';
import { sanitize } from './sanitize.js';
import type { Theme } from './theme.js';
import { displayWidth, fitWidth } from './width.js';

/* The SAs view's body: a column header and the visible slice of the tree, nothing more. */

export interface SaBody {
  rows: readonly DisplayRow[];
  top: number;
  height: number;
  selected: number;
  tagged: ReadonlyMap<string, Target>;
  ctx: CellContext;
  theme: Theme;
  width: number;
  sort: SortSpec;
  /** What to say when there are no rows. */
  empty: string;
}

const FITTED = ['name', 'id', 'local', 'remote', 'rid', 'ts'] as const;

const width = (text: string) => (/^[\x20-\x7e]*$/.test(text) ? text.length : displayWidth(text));

/** Widths of an IKE_SA's and its CHILD_SAs' FITTED cells, kept while the row is unchanged. */
const rowWidths = new WeakMap<IkeRow, number[]>();

function ikeWidths(r: IkeRow): number[] {
  let w = rowWidths.get(r);
  if (!w) {
    const s = r.sa;
    w = [
      1 + width(sanitize(s.name)),
      2 + width(sanitize(s.uniqueid)),
      width(sanitize(hostPort(s.localHost, s.localPort))),
      width(sanitize(hostPort(s.remoteHost, s.remotePort))),
      width(sanitize(s.remoteId)),
      width(s.remoteVips.map(sanitize).join(',')),
    ];
    for (const c of r.children) {
      const k = c.sa;
      w[0] = Math.max(w[0]!, 2 + width(sanitize(k.name)));
      w[1] = Math.max(w[1]!, 2 + width(sanitize(k.uniqueid)));
      w[2] = Math.max(w[2]!, width([k.protocol, k.mode].filter(Boolean).join(' ')));
      const ts = `${k.localTs.map(sanitize).join(',')} === ${k.remoteTs.map(sanitize).join(',')}`;
      w[5] = Math.max(w[5]!, k.localTs.length + k.remoteTs.length > 0 ? width(ts) : 0);
    }
    rowWidths.set(r, w);
  }
  return w;
}

const contentCache = new WeakMap<readonly DisplayRow[], ContentWidths>();

/**
 * The widest cell of each content-sized column over every row (not only those on screen, so
 * the columns hold still while scrolling). Per unchanged IKE_SA it costs a lookup.
 */
export function contentWidths(rows: readonly DisplayRow[]): ContentWidths {
  let out = contentCache.get(rows);
  if (!out) {
    const max = FITTED.map(() => 0);
    for (const row of rows) {
      if (row.kind !== 'ike') continue;
      const w = ikeWidths(row.ike);
      for (let i = 0; i < max.length; i++) if (w[i]! > max[i]!) max[i] = w[i]!;
    }
    out = Object.fromEntries(FITTED.map((id, i) => [id, max[i]!]));
    contentCache.set(rows, out);
  }
  return out;
}

const layoutCache = new Map<string, PlacedColumn[]>();

export function saColumns(width: number, content?: ContentWidths): PlacedColumn[] {
  const key = `${width}:${FITTED.map((id) => content?.[id] ?? '').join(',')}`;
  let cols = layoutCache.get(key);
  if (!cols) {
    if (layoutCache.size > 64) layoutCache.clear();
    cols = layoutColumns(SA_COLUMNS, width - 1, content);
    layoutCache.set(key, cols);
  }
  return cols;
}

export function saBodyLines(b: SaBody): string[] {
  const cols = saColumns(b.width, b.rows.length > 0 ? contentWidths(b.rows) : undefined);
  const lines = [renderHeader(cols, b.sort, b.theme, b.width)];
  const rowsHeight = b.height - 1;
  if (b.rows.length === 0) {
    lines.push(b.theme.paint(fitWidth(`  ${b.empty}`, b.width), { dim: true }));
    return lines;
  }
  const end = Math.min(b.rows.length, b.top + rowsHeight);
  for (let i = b.top; i < end; i++) {
    const row = b.rows[i]!;
    lines.push(
      renderRow(
        rowCells(row, b.ctx),
        cols,
        { selected: i === b.selected, tagged: b.tagged.has(row.key), stale: b.ctx.stale },
        b.theme,
        b.width,
      ),
    );
  }
  return lines;
}

export function targetOf(row: DisplayRow): Target {
  return row.kind === 'ike'
    ? { kind: 'ike', uniqueid: row.ike.sa.uniqueid, name: row.ike.sa.name }
    : {
        kind: 'child',
        ikeUniqueid: row.ike.sa.uniqueid,
        uniqueid: row.child.sa.uniqueid,
        name: row.child.sa.name,
      };
}

/** Keeps `selected` inside the rows and the window [top, top+height) around it. */
export function scrollTo(
  selected: number,
  top: number,
  count: number,
  height: number,
): { selected: number; top: number } {
  const sel = count === 0 ? 0 : Math.max(0, Math.min(count - 1, selected));
  let t = Math.max(0, Math.min(top, Math.max(0, count - height)));
  if (sel < t) t = sel;
  if (sel >= t + height) t = sel - height + 1;
  return { selected: sel, top: Math.max(0, t) };
}
