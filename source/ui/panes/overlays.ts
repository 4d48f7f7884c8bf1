import type { Binding, KeyContext } from '../binding.js';
import { SORT_ORDER, SORT_TITLES } from '../columns.js';
import { connDetails, rowDetails } from '../details.js';
import { pane } from '../panes.js';
import { info, type UiState } from '../state.js';
import type { Theme } from '../theme.js';
import { fitWidth, wrapHard } from '../width.js';
import type { Move } from './list.js';

/* The panes that lie over a view and take the keyboard: help, the sort picker, details. */

export function moveOverlay(s: UiState, m: Move): UiState {
  if (s.overlay?.kind === 'sort') {
    const last = SORT_ORDER.length - 1;
    const to = m === 'top' ? 0 : m === 'bottom' ? last : s.overlayTop + m;
    return { ...s, overlayTop: Math.max(0, Math.min(last, to)) };
  }
  // The pane clamps what is past its end; 1e9 is "the end" whatever the length.
  const to = m === 'top' ? 0 : m === 'bottom' ? 1e9 : s.overlayTop + m;
  return { ...s, overlayTop: Math.max(0, Math.min(1e9, to)) };
}

export const OVERLAY_BINDINGS: readonly Binding[] = [
  {
    id: 'sort.pick',
    keys: ['enter', 'space'],
    label: 'Sort',
    description: 'sort by the highlighted column (again: invert)',
    modes: ['sort'],
    footer: true,
    run: (s, c) => {
      const column = SORT_ORDER[Math.min(s.overlayTop, SORT_ORDER.length - 1)]!;
      // Picking the current column again flips its direction, as htop does.
      const desc = column === s.sort.column ? !s.sort.desc : false;
      return {
        state: info(
          { ...s, sort: { column, desc }, overlay: undefined },
          c.now,
          `sorted by ${SORT_TITLES[column]}${desc ? ', descending' : ''}`,
        ),
      };
    },
  },
  {
    id: 'sort.cancel',
    keys: ['esc', 's'],
    label: 'Cancel',
    description: 'keep the sort as it was',
    modes: ['sort'],
    footer: true,
    run: (s) => ({ state: { ...s, overlay: undefined } }),
  },
  {
    id: 'overlay.close',
    keys: ['esc', '?', 'enter'],
    label: 'Close',
    description: 'close this pane',
    modes: ['help', 'details'],
    footer: true,
    run: (s) => ({ state: { ...s, overlay: undefined } }),
  },
];

/**
 * The overlay's lines, if one is open. `help` gives the help text (from the key table, which
 * is built from the panes: passed in so that no pane imports it).
 */
export function overlayBody(
  s: UiState,
  c: KeyContext,
  theme: Theme,
  help: () => string[],
): string[] | undefined {
  const o = s.overlay;
  if (!o) return undefined;
  const { d, snap, columns: width } = c;
  const height = d.bodyHeight + d.progressHeight;
  if (o.kind === 'sort') {
    const choices = SORT_ORDER.map((col, i) => {
      const mark = col === s.sort.column ? (s.sort.desc ? ' ▼' : ' ▲') : '';
      const text = fitWidth(`  ${SORT_TITLES[col]}${mark}`, Math.min(width, 24));
      return i === s.overlayTop ? theme.paint(text, { inverse: true, bold: true }) : text;
    });
    return pane('Sort by (↑↓ Enter)', choices, 0, height, theme, width);
  }
  if (o.kind === 'help') return pane('Help: every key', help(), s.overlayTop, height, theme, width);
  let det: { title: string; lines: string[] } = {
    title: 'gone',
    lines: ['this row is no longer listed'],
  };
  if (o.view === 'sas') {
    const row = d.saRows.at(d.saRows.indexOf(o.key));
    if (row) det = rowDetails(row, c.now, snap.stale, snap.confirmedAt?.get(row.ike.key));
  } else {
    const row = d.connRows.find((r) => r.key === o.key);
    if (row) det = connDetails(row.conn);
  }
  return pane(
    det.title,
    det.lines.flatMap((l) => wrapHard(l, width - 1)),
    s.overlayTop,
    height,
    theme,
    width,
  );
}
