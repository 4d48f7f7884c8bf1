import { type Binding, type KeyContext, same } from '../binding.js';
import { type ConnRow, connsBodyLines, initiateTarget, upCounts } from '../conns.js';
import { pad, progressLines } from '../panes.js';
import { sanitize } from '../sanitize.js';
import { type ConnTarget, info, type Step, setList, type UiState } from '../state.js';
import type { Theme } from '../theme.js';
import { firstFew, type Move, moveTarget, plural, selectRow, toggleTag } from './list.js';

/* The Connections view (list-conns): its keys and its body, with the initiate progress panel. */

export function moveConn(s: UiState, c: KeyContext, m: Move): UiState {
  const { connRows, connPlace, listHeight } = c.d;
  const to = moveTarget(connPlace.selected, connRows.length, m);
  return setList(
    s,
    'conns',
    selectRow(s.lists.conns, connRows, to, connPlace.top, listHeight, (r) => r.key),
  );
}

export function selectedConn(c: KeyContext): ConnRow | undefined {
  return c.d.connRows[c.d.connPlace.selected];
}

export function tagConn(s: UiState, c: KeyContext): UiState {
  const row = selectedConn(c);
  if (!row) return s;
  return moveConn(
    setList(s, 'conns', toggleTag(s.lists.conns, row.key, initiateTarget(row))),
    c,
    1,
  );
}

function connName(t: ConnTarget): string {
  return sanitize(t.child ? `${t.conn}/${t.child}` : t.conn);
}

function initiate(s: UiState, c: KeyContext): Step {
  const tags = s.lists.conns.tags;
  const row = selectedConn(c);
  const conns: ConnTarget[] = tags.size > 0 ? [...tags.values()] : row ? [initiateTarget(row)] : [];
  if (conns.length === 0) return same(s);
  const label =
    conns.length === 1
      ? `initiate ${sanitize(conns[0]!.child ?? conns[0]!.conn)}`
      : `initiate ${plural(conns.length, 'connection')}`;
  const effects = [{ kind: 'initiate' as const, conns, label }];
  const cleared = setList(s, 'conns', { ...s.lists.conns, tags: new Map() });
  if (tags.size === 0) return { state: cleared, effects };
  const shown = new Set(c.d.connRows.map((r) => r.key));
  const hidden = [...tags.keys()].filter((k) => !shown.has(k)).length;
  const hiddenNote =
    hidden > 0 ? ` (${hidden} hidden by the filter "${sanitize(s.lists.conns.filter)}")` : '';
  return {
    state: {
      ...s,
      confirm: {
        question: `Initiate ${plural(conns.length, 'tagged connection')}${hiddenNote}?`,
        details: firstFew(conns.map(connName)),
        effects,
        clears: 'conns',
      },
    },
  };
}

export const CONN_BINDINGS: readonly Binding[] = [
  {
    id: 'conn.initiate',
    keys: ['i'],
    label: 'Init',
    description: 'initiate the selected (or tagged) connection or child, showing its log',
    modes: ['conns'],
    mutates: true,
    footer: true,
    run: initiate,
  },
  {
    id: 'conn.reload',
    keys: ['R'],
    label: 'Reload',
    description: 'reload the connection list from the daemon',
    modes: ['conns'],
    run: (s, c) => ({
      state: { ...info(s, c.now, 'reloading connections…'), reloadAskedAt: c.now },
      effects: [{ kind: 'refreshConns' }],
    }),
  },
  {
    id: 'progress.close',
    keys: ['c'],
    label: 'Close',
    description: 'close the initiate progress panel',
    modes: ['conns'],
    run: (s) => ({ state: s, effects: [{ kind: 'clearProgress' }] }),
  },
];

export function connsBody(s: UiState, c: KeyContext, theme: Theme): string[] {
  const { d, snap } = c;
  const filter = s.lists.conns.filter;
  const body = connsBodyLines({
    rows: d.connRows,
    up: upCounts(snap.ikes),
    top: d.connPlace.top,
    height: d.bodyHeight,
    selected: d.connPlace.selected,
    tagged: new Set(s.lists.conns.tags.keys()),
    theme,
    width: c.columns,
    empty: filter
      ? `no connection matches "${sanitize(filter)}"`
      : snap.connsAt === undefined
        ? 'loading the connections…'
        : 'no connections loaded',
  });
  if (!snap.progress) return body;
  return [
    ...pad(body, d.bodyHeight, c.columns),
    ...progressLines(snap.progress, d.progressHeight, theme, c.columns),
  ];
}
