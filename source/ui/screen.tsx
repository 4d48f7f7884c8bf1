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
import type { Monitor, MonitorSnapshot } from '../monitor/types.js';
import type { KeyContext } from './binding.js';
import { createDeriver, MIN_COLUMNS, MIN_ROWS } from './derive.js';
import { runEffect } from './effects.js';
import { screenLines } from './frame.js';
import { useTerminalSize } from './hooks.js';
import { useKeyReads } from './input.js';
import { type Action, reduce } from './reducer.js';
import { initialState, type UiState, type World } from './state.js';
import { createTheme, type Theme } from './theme.js';

/*
 * The top component: the UI state as one value, changed only by the reducer (one read of the
 * terminal at a time, against the latest snapshot), the effects it asks for carried out, and
 * the lines frame.ts paints from it drawn as one memoised <Text> each, so a frame re-renders
 * only the lines whose text changed.
 */

export { MIN_COLUMNS, MIN_ROWS };

const VISIBLE_DEBOUNCE_MS = 200;
/** Idle preparation of filter haystacks: after a quiet moment, ~2 ms slices with gaps. */
const PREPARE_AFTER_MS = 300;
const PREPARE_SLICE = 1000;
const PREPARE_GAP_MS = 20;

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

  // Keys are reduced against the latest state, snapshot and size, not the last render's.
  const live = useRef({ state, size });
  live.current.size = size;
  // One stable dispatch; what it does is the latest render's (same world, same monitor).
  const reducing = useRef<(a: Action) => void>(() => {});
  const dispatch = useCallback((a: Action) => reducing.current(a), []);
  reducing.current = (action: Action) => {
    const world: World = {
      snap: monitor.getSnapshot(),
      columns: live.current.size.columns,
      rows: live.current.size.rows,
      now: clock(),
    };
    const step = reduce(live.current.state, action, world, derive);
    live.current.state = step.state;
    setState(step.state);
    const host = {
      actions: monitor.actions,
      dispatch,
      clock,
      quit: () => {
        onQuit?.();
        exit();
      },
    };
    for (const e of step.effects ?? []) runEffect(host, e);
  };

  useKeyReads((items) => dispatch({ type: 'read', items }));

  // R says when the list it asked for has come.
  useEffect(() => {
    if (snap.connsAt !== undefined) dispatch({ type: 'conns-listed', at: snap.connsAt });
  }, [snap.connsAt, dispatch]);

  // The clock: once a second. A second in which no visible time value changes costs a render
  // and the screen host's comparison of unchanged lines; it writes nothing.
  useEffect(() => {
    const timer = setInterval(() => setTick(clock()), 1000);
    return () => clearInterval(timer);
  }, [clock]);

  const now = Math.max(tick, snap.lastUpdateAt ?? 0);
  const world = { snap, columns: size.columns, rows: size.rows, now };
  const c: KeyContext = { ...world, d: derive(state, world) };

  // The store refreshes the IKE_SAs on screen first.
  const { saRows, saPlace, listHeight } = c.d;
  const visibleKey =
    state.view === 'sas'
      ? [
          ...new Set(saRows.slice(saPlace.top, saPlace.top + listHeight).map((r) => r.ike.key)),
        ].join(',')
      : '';
  useEffect(() => {
    const timer = setTimeout(() => {
      monitor.actions.setVisible(visibleKey === '' ? [] : visibleKey.split(','));
    }, VISIBLE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [monitor, visibleKey]);

  // While nothing happens, the filter's haystacks are prepared a slice at a time, so the
  // first filter typed at 50,000 SAs does not build them all in one frame. Each new snapshot
  // starts it again later; a key or a snapshot in between runs first.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new snapshot restarts it
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slice = () => {
      timer = derive.prepare(PREPARE_SLICE) ? undefined : setTimeout(slice, PREPARE_GAP_MS);
    };
    timer = setTimeout(slice, PREPARE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [derive, snap.version]);

  const lines = screenLines(state, c, theme);
  return (
    <Box
      flexDirection="column"
      width={size.columns}
      height={c.d.tooSmall ? undefined : c.d.frameRows}
    >
      {lines.map((l, i) => (
        // Lines are positions on screen: the index is their identity.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Line key={i} text={l} />
      ))}
    </Box>
  );
}
