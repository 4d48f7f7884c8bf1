import type { KeyContext } from './binding.js';
import { footerLine, helpLines, tabBar } from './chrome.js';
import { SORT_TITLES } from './columns.js';
import { MIN_COLUMNS, MIN_ROWS } from './derive.js';
import { headerLines } from './header.js';
import { connsBody } from './panes/conns.js';
import { eventsBody } from './panes/events.js';
import { overlayBody } from './panes/overlays.js';
import { saBody } from './panes/sas.js';
import { confirmLines, pad, statusLine } from './panes.js';
import { sanitize } from './sanitize.js';
import type { UiState } from './state.js';
import type { Theme } from './theme.js';

/*
 * The whole screen as painted lines, from the state and the world: header, tab bar, the body
 * (an overlay, or the view's pane with a question's targets over its foot), the status line
 * and the key bar. Pure; the App draws each line as one <Text>.
 */

export function tooSmallLines(columns: number, rows: number): string[] {
  return [
    `terminal too small: ${columns}×${rows}`,
    `swantop needs at least ${MIN_COLUMNS}×${MIN_ROWS}`,
    'q quits',
  ];
}

export function screenLines(state: UiState, c: KeyContext, theme: Theme): string[] {
  const { d, snap, now, columns: width } = c;
  if (d.tooSmall) return tooSmallLines(width, c.rows);
  const view = state.view;
  const height = d.bodyHeight + d.progressHeight;
  let body =
    overlayBody(state, c, theme, () => helpLines(snap.readOnly, theme, width)) ??
    (view === 'sas'
      ? saBody(state, c, theme)
      : view === 'conns'
        ? connsBody(state, c, theme)
        : eventsBody(state, c, theme));
  body = pad(body, height, width);
  if (state.confirm) {
    const ask = confirmLines(state.confirm, theme, width, Math.max(1, height - 2));
    body = [...body.slice(0, height - ask.length), ...ask];
  }

  const list = state.lists[view];
  const tags = list.tags.size;
  const info = [
    list.filter ? `filter "${sanitize(list.filter)}"` : '',
    view === 'sas' ? `sort ${SORT_TITLES[state.sort.column]}${state.sort.desc ? '▼' : '▲'}` : '',
    view === 'sas' ? `${d.saRows.ikeCount} shown` : '',
    tags > 0 ? `${tags} tagged` : '',
  ]
    .filter(Boolean)
    .join(' · ');

  const mode = state.overlay ? state.overlay.kind : view;
  const lines = [
    ...headerLines(snap, { now, width, theme, paused: state.frozen !== undefined }),
    tabBar(view, info, theme, width),
    ...body,
    statusLine({ state, snap, now, theme, width }),
    footerLine(mode, snap.readOnly, theme, width),
  ];
  return lines.slice(0, d.frameRows);
}
