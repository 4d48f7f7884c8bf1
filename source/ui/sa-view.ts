import type { Target } from '../monitor/types.js';
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
import type { DisplayRow, SortSpec } from './rows.js';
import type { SaRows } from './sa-model.js';
import { FITTED } from './sa-widths.js';
import type { Theme } from './theme.js';
import { fitWidth } from './width.js';

/* The SAs view's body: a column header and the visible slice of the tree, nothing more. */

export interface SaBody {
  rows: SaRows;
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
  const cols = saColumns(b.width, b.rows.length > 0 ? b.rows.widths : undefined);
  const lines = [renderHeader(cols, b.sort, b.theme, b.width)];
  const rowsHeight = b.height - 1;
  if (b.rows.length === 0) {
    lines.push(b.theme.paint(fitWidth(`  ${b.empty}`, b.width), { dim: true }));
    return lines;
  }
  // Only the rows on screen are made.
  const shown = b.rows.slice(b.top, b.top + rowsHeight);
  for (let k = 0; k < shown.length; k++) {
    const i = b.top + k;
    const row = shown[k]!;
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
