import { Box, Text, useApp } from 'ink';
import {
  memo,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import type { ActionResult, Monitor, MonitorSnapshot } from '../monitor/types.js';
import type { KeyContext } from './binding.js';
import { footerLine, tabBar } from './chrome.js';
import { SORT_TITLES } from './columns.js';
import { createDeriver, MIN_COLUMNS, MIN_ROWS } from './derive.js';
import { headerLines } from './header.js';
import { useTerminalSize } from './hooks.js';
import { useKeyReads } from './input.js';
import { connsBody } from './panes/conns.js';
import { eventsBody } from './panes/events.js';
import { overlayBody } from './panes/overlays.js';
import { saBody } from './panes/sas.js';
import { confirmLines, pad, statusLine } from './panes.js';
import { type Action, reduce } from './reducer.js';
import { sanitize } from './sanitize.js';
import { type Effect, initialState, type UiState, type World } from './state.js';
import { createTheme, type Theme } from './theme.js';

/*
 * The whole screen: the UI state as one value, changed only by the reducer, and the lines the
 * panes draw from it. Each line is one memoised <Text>, so a frame re-renders only the lines
 * whose text changed. Effects (the monitor's actions) are carried out here.
 */

export { MIN_COLUMNS, MIN_ROWS };

const VISIBLE_DEBOUNCE_MS = 200;

export interface AppProps {
  monitor: Monitor;
  noColor?: boolean;
  /** Called once when the user quits (q, Ctrl-C). */
  onQuit?: () => void;
  /** Wall clock in ms (tests pin it). */
  clock?: () => number;
}

const Line = memo(function Line({ text }: { text: string }) {
  return <Text wrap="truncate-end">{text}</Text>;
});

export function App({ monitor, noColor = false, onQuit, clock = Date.now }: AppProps) {
  // Bound here: a Monitor's methods may rely on `this`.
  const subscribe = useCallback((l: () => void) => monitor.subscribe(l), [monitor]);
  const getSnapshot = useCallback(() => monitor.getSnapshot(), [monitor]);
  const snap: MonitorSnapshot = useSyncExternalStore(subscribe, getSnapshot);
  const { exit } = useApp();
  const size = useTerminalSize();
  const theme: Theme = useMemo(() => createTheme(noColor), [noColor]);
  const derive = useMemo(createDeriver, []);
  const [state, setState] = useState<UiState>(initialState);
  const [tick, setTick] = useState(() => clock());

  // Keys are reduced against the latest state and snapshot, not those of the last render.
  const live = useRef({ state, size });
  live.current.size = size;
  const world = (): World => ({
    snap: monitor.getSnapshot(),
    columns: live.current.size.columns,
    rows: live.current.size.rows,
    now: clock(),
  });

  const dispatch = (action: Action) => {
    const step = reduce(live.current.state, action, world(), derive);
    live.current.state = step.state;
    setState(step.state);
    for (const e of step.effects ?? []) run(e);
  };
  const dispatchRef = useRef(dispatch);
  dispatchRef.current = dispatch;

  const report = (label: string, p: Promise<ActionResult>) => {
    dispatch({
      type: 'status',
      status: { at: clock(), level: 'info', text: `${label}…`, pending: true },
    });
    p.then(
      // The monitor's text already names the action and its targets.
      (r) =>
        dispatchRef.current({
          type: 'status',
          status: { at: clock(), level: r.ok ? 'info' : 'error', text: r.text },
        }),
      (e: unknown) =>
        dispatchRef.current({
          type: 'status',
          status: {
            at: clock(),
            level: 'error',
            text: `${label} failed: ${e instanceof Error ? e.message : String(e)}`,
          },
        }),
    );
  };

  const run = (e: Effect) => {
    const a = monitor.actions;
    switch (e.kind) {
      case 'quit':
        onQuit?.();
        return exit();
      case 'rekey':
        return report(e.label, a.rekey(e.targets));
      case 'terminate':
        return report(e.label, a.terminate(e.targets));
      case 'redirect':
        return report(e.label, a.redirect(e.targets, e.gateway));
      case 'initiate':
        return report(e.label, a.initiate(e.conns));
      case 'refreshConns':
        return a.refreshConns();
      case 'setInterval':
        return a.setIntervalMs(e.ms);
      case 'clearProgress':
        return a.clearProgress();
    }
  };

  useKeyReads((items) => dispatchRef.current({ type: 'read', items }));

  // R says when the list it asked for has come.
  useEffect(() => {
    if (snap.connsAt !== undefined) dispatchRef.current({ type: 'conns-listed', at: snap.connsAt });
  }, [snap.connsAt]);

  const now = Math.max(tick, snap.lastUpdateAt ?? 0);
  const c: KeyContext = {
    snap,
    columns: size.columns,
    rows: size.rows,
    now,
    d: derive(state, { snap, columns: size.columns, rows: size.rows, now }),
  };
  const { d } = c;
  const view = state.view;
  const visibleRows = d.saRows.slice(d.saPlace.top, d.saPlace.top + d.listHeight);
  const cellCtx = {
    now,
    stale: snap.stale,
    oldAfterMs: Math.max(3 * snap.intervalMs, 5000),
    confirmedAt: snap.confirmedAt,
  };

  // --- the store refreshes what is on screen first ---------------------------------------
  const visibleIds = view === 'sas' ? [...new Set(visibleRows.map((r) => r.ike.key))] : [];
  const visibleKey = visibleIds.join(',');
  useEffect(() => {
    const timer = setTimeout(() => {
      monitor.actions.setVisible(visibleKey === '' ? [] : visibleKey.split(','));
    }, VISIBLE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [monitor, visibleKey]);

  // --- the clock: once a second. A second in which no visible time value changes costs a
  // render and the screen host's comparison of unchanged lines; it writes nothing.
  useEffect(() => {
    const timer = setInterval(() => setTick(clock()), 1000);
    return () => clearInterval(timer);
  }, [clock]);

  const width = size.columns;
  // --- drawing -------------------------------------------------------------------------------
  if (d.tooSmall) {
    return (
      <Box flexDirection="column" width={width}>
        <Text wrap="truncate-end">{`terminal too small: ${width}×${size.rows}`}</Text>
        <Text wrap="truncate-end">{`swantop needs at least ${MIN_COLUMNS}×${MIN_ROWS}`}</Text>
        <Text wrap="truncate-end">q quits</Text>
      </Box>
    );
  }

  const header = headerLines(snap, { now, width, theme, paused: state.frozen !== undefined });
  const height = d.bodyHeight + d.progressHeight;
  let body =
    overlayBody(state, c, theme) ??
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
    view === 'sas' ? `${d.saRows.reduce((n, r) => n + (r.kind === 'ike' ? 1 : 0), 0)} shown` : '',
    tags > 0 ? `${tags} tagged` : '',
  ]
    .filter(Boolean)
    .join(' · ');

  const mode = state.overlay ? state.overlay.kind : view;
  const lines = [
    ...header,
    tabBar(view, info, theme, width),
    ...body,
    statusLine({ state, snap, now, theme, width }),
    footerLine(mode, snap.readOnly, theme, width),
  ];
  return (
    <Box flexDirection="column" width={width} height={d.frameRows}>
      {lines.slice(0, d.frameRows).map((l, i) => (
        // Lines are positions on screen: the index is their identity.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Line key={i} text={l} />
      ))}
    </Box>
  );
}
