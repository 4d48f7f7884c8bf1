import { Box, Text, useApp } from 'ink';
import { memo, useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { ActionResult, EventLog, Monitor, MonitorSnapshot, Target } from '../monitor/types.js';
import { footerLine, helpLines, tabBar } from './chrome.js';
import { SORT_ORDER, SORT_TITLES } from './columns.js';
import { connRows, connsBodyLines, initiateTarget, upCounts } from './conns.js';
import { connDetails, rowDetails } from './details.js';
import { eventsBodyLines, eventsTop, filterEvents, nextLevel } from './events.js';
import { formatInterval } from './format.js';
import { gatewayProblem } from './gateway.js';
import { headerLines } from './header.js';
import { useKeyQueue, useTerminalSize } from './hooks.js';
import { type ActionId, keyName, type Mode, resolveKey, VIEWS, type ViewId } from './keymap.js';
import {
  type Confirm,
  describeTargets,
  type Prompt,
  pad,
  pane,
  plural,
  progressLines,
  type Status,
  statusLine,
} from './panes.js';
import {
  createRowModel,
  type DisplayRow,
  type Folds,
  isFolded,
  NO_FOLDS,
  type SortSpec,
  toggleFold,
} from './rows.js';
import { saBodyLines, scrollTo, targetOf } from './sa-view.js';
import { sanitize } from './sanitize.js';
import { createTheme, type Theme } from './theme.js';
import { fitWidth, wrapHard } from './width.js';

/*
 * The whole screen. State that is the user's (view, selection, filter, sort, folds, tags,
 * prompts) lives here; everything shown is computed by pure modules into painted lines, and
 * each line is one memoised <Text>, so a frame re-renders only the lines whose text changed.
 */

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 12;
// The store accepts 250 ms to 1 h.
const INTERVAL_STEPS = [
  250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000,
];
const VISIBLE_DEBOUNCE_MS = 200;

export interface AppProps {
  monitor: Monitor;
  noColor?: boolean;
  /** Called once when the user quits (q, Ctrl-C). */
  onQuit?: () => void;
  /** Wall clock in ms (tests pin it). */
  clock?: () => number;
}

type Overlay =
  | { kind: 'help' }
  | { kind: 'sort' }
  | { kind: 'details'; view: 'sas' | 'conns'; key: string };

const Line = memo(function Line({ text }: { text: string }) {
  return <Text wrap="truncate-end">{text}</Text>;
});

function nextInterval(ms: number, dir: 1 | -1): number {
  if (dir > 0)
    return INTERVAL_STEPS.find((s) => s > ms) ?? INTERVAL_STEPS[INTERVAL_STEPS.length - 1]!;
  return [...INTERVAL_STEPS].reverse().find((s) => s < ms) ?? INTERVAL_STEPS[0]!;
}

export function App({ monitor, noColor = false, onQuit, clock = Date.now }: AppProps) {
  // Bound here: a Monitor's methods may rely on `this`.
  const subscribe = useCallback((l: () => void) => monitor.subscribe(l), [monitor]);
  const getSnapshot = useCallback(() => monitor.getSnapshot(), [monitor]);
  const snap: MonitorSnapshot = useSyncExternalStore(subscribe, getSnapshot);
  const { exit } = useApp();
  const { columns: width, rows: termRows } = useTerminalSize();
  const theme: Theme = useMemo(() => createTheme(noColor), [noColor]);

  const [view, setView] = useState<ViewId>('sas');
  const [overlay, setOverlay] = useState<Overlay | undefined>();
  const [overlayTop, setOverlayTop] = useState(0);
  const [filters, setFilters] = useState<Record<ViewId, string>>({
    sas: '',
    conns: '',
    events: '',
  });
  const [prompt, setPrompt] = useState<Prompt | undefined>();
  const [confirm, setConfirm] = useState<Confirm | undefined>();
  const [status, setStatus] = useState<Status | undefined>();
  const [sort, setSort] = useState<SortSpec>({ column: 'id', desc: false });
  const [folds, setFolds] = useState<Folds>(NO_FOLDS);
  const [saSel, setSaSel] = useState<{
    key?: string;
    lineage?: string;
    index: number;
    top: number;
  }>({
    index: 0,
    top: 0,
  });
  const [saTags, setSaTags] = useState<ReadonlyMap<string, Target>>(new Map());
  const [connSel, setConnSel] = useState({ index: 0, top: 0 });
  const [connTags, setConnTags] = useState<ReadonlyMap<string, { conn: string; child?: string }>>(
    new Map(),
  );
  const [evLevel, setEvLevel] = useState(4);
  const [evFollow, setEvFollow] = useState(true);
  const [evTop, setEvTop] = useState(0);
  const [frozen, setFrozen] = useState<EventLog | undefined>();
  const [tick, setTick] = useState(() => clock());

  const now = Math.max(tick, snap.lastUpdateAt ?? 0);
  const frameRows = Math.max(1, termRows - 1);
  const tooSmall = width < MIN_COLUMNS || termRows < MIN_ROWS;

  // --- the rows of each view -------------------------------------------------------------
  const rowModel = useMemo(createRowModel, []);
  const saRows = rowModel({ ikes: snap.ikes, filter: filters.sas, sort, folds });
  const cRows = useMemo(() => connRows(snap.conns, filters.conns), [snap.conns, filters.conns]);
  const up = useMemo(
    () => (view === 'conns' ? upCounts(snap.ikes) : new Map<string, number>()),
    [view, snap.ikes],
  );
  const ikeCount = useMemo(
    () => saRows.reduce((n, r) => n + (r.kind === 'ike' ? 1 : 0), 0),
    [saRows],
  );
  const evLog = frozen ?? snap.events;
  const evShown = useMemo(
    () => filterEvents(evLog.entries, evLevel, filters.events),
    [evLog.entries, evLevel, filters.events],
  );

  // --- layout ----------------------------------------------------------------------------
  const header = headerLines(snap, { now, width, theme, paused: frozen !== undefined });
  const progress = view === 'conns' ? snap.progress : undefined;
  const progressHeight = progress
    ? Math.min(10, Math.floor((frameRows - header.length - 3) / 2))
    : 0;
  const bodyHeight = Math.max(2, frameRows - header.length - 3 - progressHeight);
  const listHeight = bodyHeight - 1;

  // Selection follows the row's key when the rows move under it.
  const saPos = useMemo(() => {
    let index = saSel.index;
    if (saSel.key !== undefined) {
      let found = saRows.findIndex((r) => r.key === saSel.key);
      // Rekeyed: a new key, the same lineage.
      if (found < 0 && saSel.lineage !== undefined)
        found = saRows.findIndex((r) => rowLineage(r) === saSel.lineage);
      if (found >= 0) index = found;
    }
    return scrollTo(index, saSel.top, saRows.length, listHeight);
  }, [saRows, saSel, listHeight]);
  const selectedRow: DisplayRow | undefined = saRows[saPos.selected];
  const connPos = scrollTo(connSel.index, connSel.top, cRows.length, listHeight);
  const selectedConn = cRows[connPos.selected];

  const oldAfterMs = Math.max(3 * snap.intervalMs, 5000);
  const visibleRows = saRows.slice(saPos.top, saPos.top + listHeight);
  const cellCtx = { now, stale: snap.stale, oldAfterMs, confirmedAt: snap.confirmedAt };

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

  // --- actions -----------------------------------------------------------------------------
  const report = useCallback(
    (label: string, p: Promise<ActionResult>) => {
      setStatus({ at: clock(), level: 'info', text: `${label}…` });
      p.then(
        (r) =>
          setStatus({ at: clock(), level: r.ok ? 'info' : 'error', text: `${label}: ${r.text}` }),
        (e: unknown) =>
          setStatus({
            at: clock(),
            level: 'error',
            text: `${label}: ${e instanceof Error ? e.message : String(e)}`,
          }),
      );
    },
    [clock],
  );

  const saTargets = (): Target[] => {
    if (saTags.size > 0) return [...saTags.values()];
    return selectedRow ? [targetOf(selectedRow)] : [];
  };

  const quit = () => {
    onQuit?.();
    exit();
  };

  const moveSa = (to: number) => {
    const p = scrollTo(to, saPos.top, saRows.length, listHeight);
    setSaSel({
      key: saRows[p.selected]?.key,
      lineage: rowLineage(saRows[p.selected]),
      index: p.selected,
      top: p.top,
    });
  };
  const moveConn = (to: number) => {
    const p = scrollTo(to, connPos.top, cRows.length, listHeight);
    setConnSel({ index: p.selected, top: p.top });
  };
  const evFirst = eventsTop(evShown.length, listHeight, evTop, evFollow);
  const moveEvents = (to: number) => {
    const last = Math.max(0, evShown.length - listHeight);
    const t = Math.max(0, Math.min(last, to));
    setEvTop(t);
    setEvFollow(t >= last && to >= last);
  };

  const move = (delta: number | 'top' | 'bottom') => {
    if (overlay?.kind === 'sort') {
      const last = SORT_ORDER.length - 1;
      setOverlayTop((t) =>
        delta === 'top' ? 0 : delta === 'bottom' ? last : Math.max(0, Math.min(last, t + delta)),
      );
      return;
    }
    if (overlay) {
      setOverlayTop((t) =>
        delta === 'top' ? 0 : delta === 'bottom' ? 1e9 : Math.max(0, t + delta),
      );
      return;
    }
    if (view === 'sas') {
      moveSa(delta === 'top' ? 0 : delta === 'bottom' ? saRows.length - 1 : saPos.selected + delta);
    } else if (view === 'conns') {
      moveConn(
        delta === 'top' ? 0 : delta === 'bottom' ? cRows.length - 1 : connPos.selected + delta,
      );
    } else if (delta === 'bottom') {
      setEvFollow(true);
    } else {
      moveEvents(delta === 'top' ? 0 : evFirst + delta);
    }
  };

  const switchView = (v: ViewId) => {
    // The connection list changes rarely and is not polled: fetch it when it is looked at.
    if (v === 'conns' && view !== 'conns') monitor.actions.refreshConns();
    setView(v);
  };

  const doAction = (id: ActionId) => {
    switch (id) {
      case 'app.quit':
        return quit();
      case 'app.help':
        setOverlayTop(0);
        return setOverlay({ kind: 'help' });
      case 'overlay.close':
        return setOverlay(undefined);
      case 'view.next':
        return switchView(VIEWS[(VIEWS.indexOf(view) + 1) % VIEWS.length]!);
      case 'view.sas':
        return switchView('sas');
      case 'view.conns':
        return switchView('conns');
      case 'view.events':
        return switchView('events');
      case 'poll.faster':
      case 'poll.slower': {
        const ms = nextInterval(snap.intervalMs, id === 'poll.faster' ? -1 : 1);
        monitor.actions.setIntervalMs(ms);
        return setStatus({
          at: clock(),
          level: 'info',
          text: `polling every ${formatInterval(ms)}`,
        });
      }
      case 'nav.up':
        return move(-1);
      case 'nav.down':
        return move(1);
      case 'nav.pageUp':
        return move(-listHeight);
      case 'nav.pageDown':
        return move(listHeight);
      case 'nav.top':
        return move('top');
      case 'nav.bottom':
        return move('bottom');
      case 'list.filter':
        return setPrompt({ kind: 'filter', view, text: filters[view] });
      case 'list.clear':
        setFilters((f) => ({ ...f, [view]: '' }));
        if (view === 'sas') setSaTags(new Map());
        if (view === 'conns') setConnTags(new Map());
        return;
      case 'list.tag':
        if (view === 'sas' && selectedRow) {
          const next = new Map(saTags);
          if (next.has(selectedRow.key)) next.delete(selectedRow.key);
          else next.set(selectedRow.key, targetOf(selectedRow));
          setSaTags(next);
          moveSa(saPos.selected + 1);
        } else if (view === 'conns' && selectedConn) {
          const next = new Map(connTags);
          if (next.has(selectedConn.key)) next.delete(selectedConn.key);
          else next.set(selectedConn.key, initiateTarget(selectedConn));
          setConnTags(next);
          moveConn(connPos.selected + 1);
        }
        return;
      case 'list.details':
        if (view === 'sas' && selectedRow)
          setOverlay({ kind: 'details', view: 'sas', key: selectedRow.key });
        if (view === 'conns' && selectedConn)
          setOverlay({ kind: 'details', view: 'conns', key: selectedConn.key });
        setOverlayTop(0);
        return;
      case 'sa.fold':
      case 'sa.unfold':
        if (selectedRow) {
          setFolds(toggleFold(folds, selectedRow.ike.key, id === 'sa.fold'));
          if (id === 'sa.fold' && selectedRow.kind === 'child') {
            setSaSel({
              key: selectedRow.ike.key,
              lineage: rowLineage(selectedRow),
              index: saPos.selected,
              top: saPos.top,
            });
          }
        }
        return;
      case 'sa.foldAll':
        return setFolds({
          all: !(selectedRow ? isFolded(folds, selectedRow.ike.key) : folds.all),
          except: new Set(),
        });
      case 'sa.sort':
        setOverlayTop(Math.max(0, SORT_ORDER.indexOf(sort.column)));
        return setOverlay({ kind: 'sort' });
      case 'sort.cancel':
        return setOverlay(undefined);
      case 'sort.pick': {
        const column = SORT_ORDER[Math.min(overlayTop, SORT_ORDER.length - 1)]!;
        // Picking the current column again flips its direction, as htop does.
        const desc = column === sort.column ? !sort.desc : false;
        setSort({ column, desc });
        setOverlay(undefined);
        return setStatus({
          at: clock(),
          level: 'info',
          text: `sorted by ${SORT_TITLES[column]}${desc ? ', descending' : ''}`,
        });
      }
      case 'sa.invert':
        return setSort({ column: sort.column, desc: !sort.desc });
      case 'sa.rekey': {
        const ts = saTargets();
        if (ts.length === 0) return;
        const go = () => {
          report(`rekey ${describeTargets(ts)}`, monitor.actions.rekey(ts));
          setSaTags(new Map());
        };
        if (saTags.size > 0)
          return setConfirm({ question: `Rekey ${plural(ts.length, 'tagged SA')}?`, run: go });
        return go();
      }
      case 'sa.terminate': {
        const ts = saTargets();
        if (ts.length === 0) return;
        return setConfirm({
          question: `Terminate ${saTags.size > 0 ? plural(ts.length, 'tagged SA') : describeTargets(ts)}?`,
          run: () => {
            report(`terminate ${describeTargets(ts)}`, monitor.actions.terminate(ts));
            setSaTags(new Map());
          },
        });
      }
      case 'sa.redirect': {
        const ts = saTargets().map(
          (t): Target =>
            t.kind === 'ike'
              ? t
              : {
                  kind: 'ike',
                  uniqueid: t.ikeUniqueid,
                  name: snap.ikes.get(t.ikeUniqueid)?.sa.name ?? t.name,
                },
        );
        const unique = [...new Map(ts.map((t) => [t.uniqueid, t])).values()];
        if (unique.length === 0) return;
        return setPrompt({ kind: 'redirect', targets: unique, text: '' });
      }
      case 'conn.initiate': {
        const cs =
          connTags.size > 0
            ? [...connTags.values()]
            : selectedConn
              ? [initiateTarget(selectedConn)]
              : [];
        if (cs.length === 0) return;
        const label =
          cs.length === 1
            ? `initiate ${sanitize(cs[0]!.child ?? cs[0]!.conn)}`
            : `initiate ${plural(cs.length, 'connection')}`;
        const go = () => {
          report(label, monitor.actions.initiate(cs));
          setConnTags(new Map());
        };
        if (connTags.size > 0)
          return setConfirm({
            question: `Initiate ${plural(cs.length, 'tagged connection')}?`,
            run: go,
          });
        return go();
      }
      case 'conn.reload':
        monitor.actions.refreshConns();
        return setStatus({ at: clock(), level: 'info', text: 'reloading connections' });
      case 'progress.close':
        return monitor.actions.clearProgress();
      case 'events.level': {
        const l = nextLevel(evLevel);
        setEvLevel(l);
        return setStatus({ at: clock(), level: 'info', text: `showing log levels up to ${l}` });
      }
      case 'events.pause':
        return setFrozen(frozen ? undefined : snap.events);
    }
  };

  const onPromptKey = (p: Prompt, input: string, name: string) => {
    if (name === 'esc') {
      if (p.kind === 'filter') setFilters((f) => ({ ...f, [p.view]: '' }));
      return setPrompt(undefined);
    }
    if (name === 'enter') {
      if (p.kind === 'filter') return setPrompt(undefined);
      const problem = gatewayProblem(p.text);
      if (problem) return setPrompt({ ...p, error: problem });
      setPrompt(undefined);
      report(
        `redirect ${describeTargets(p.targets)} to ${sanitize(p.text.trim())}`,
        monitor.actions.redirect(p.targets, p.text.trim()),
      );
      setSaTags(new Map());
      return;
    }
    let text = p.text;
    if (name === 'backspace') text = [...text].slice(0, -1).join('');
    else if (name === 'space') text += ' ';
    else if (input.length > 0 && !/[\p{Cc}]/u.test(input) && name === input) text += input;
    else return;
    if (p.kind === 'filter') {
      setFilters((f) => ({ ...f, [p.view]: text }));
      setPrompt({ ...p, text });
    } else setPrompt({ kind: 'redirect', targets: p.targets, text });
  };

  const onKeyRef = useKeyQueue();
  onKeyRef.current = (input, key) => {
    const name = keyName(input, key);
    if (confirm) {
      if (name === 'y' || name === 'Y') {
        setConfirm(undefined);
        confirm.run();
      } else if (name === 'n' || name === 'N' || name === 'esc') {
        setConfirm(undefined);
        setStatus({ at: clock(), level: 'info', text: 'cancelled' });
      }
      return;
    }
    if (prompt) return onPromptKey(prompt, input, name);
    if (tooSmall) {
      if (name === 'q' || name === 'ctrl+c') quit();
      return;
    }
    const mode: Mode = overlay ? overlay.kind : view;
    const id = resolveKey(mode, name, snap.readOnly);
    if (id) doAction(id);
  };

  // --- drawing -------------------------------------------------------------------------------
  if (tooSmall) {
    return (
      <Box flexDirection="column" width={width}>
        <Text wrap="truncate-end">{`terminal too small: ${width}×${termRows}`}</Text>
        <Text wrap="truncate-end">{`swantop needs at least ${MIN_COLUMNS}×${MIN_ROWS}`}</Text>
        <Text wrap="truncate-end">q quits</Text>
      </Box>
    );
  }

  let body: string[];
  let mode: Mode = view;
  if (overlay?.kind === 'sort') {
    mode = 'sort';
    const choices = SORT_ORDER.map((c, i) => {
      const mark = c === sort.column ? (sort.desc ? ' ▼' : ' ▲') : '';
      const text = fitWidth(`  ${SORT_TITLES[c]}${mark}`, Math.min(width, 24));
      return i === overlayTop ? theme.paint(text, { inverse: true, bold: true }) : text;
    });
    body = pane('Sort by (↑↓ Enter)', choices, 0, bodyHeight + progressHeight, theme, width);
  } else if (overlay?.kind === 'help') {
    mode = 'help';
    body = pane(
      'Help: every key',
      helpLines(snap.readOnly, theme, width),
      overlayTop,
      bodyHeight + progressHeight,
      theme,
      width,
    );
  } else if (overlay?.kind === 'details') {
    mode = 'details';
    let d: { title: string; lines: string[] } = {
      title: 'gone',
      lines: ['this row is no longer listed'],
    };
    if (overlay.view === 'sas') {
      const row = saRows.find((r) => r.key === overlay.key);
      if (row) d = rowDetails(row, now, snap.stale, snap.confirmedAt?.get(row.ike.key));
    } else {
      const row = cRows.find((r) => r.key === overlay.key);
      if (row) d = connDetails(row.conn);
    }
    body = pane(
      d.title,
      d.lines.flatMap((l) => wrapHard(l, width - 1)),
      overlayTop,
      bodyHeight + progressHeight,
      theme,
      width,
    );
  } else if (view === 'sas') {
    body = saBodyLines({
      rows: saRows,
      top: saPos.top,
      height: bodyHeight,
      selected: saPos.selected,
      tagged: saTags,
      ctx: cellCtx,
      theme,
      width,
      sort,
      empty:
        snap.lastUpdateAt === undefined && snap.ikes.size === 0
          ? 'waiting for the first listing…'
          : filters.sas
            ? `no SA matches "${sanitize(filters.sas)}" (Esc clears)`
            : 'no IKE_SAs',
    });
  } else if (view === 'conns') {
    body = connsBodyLines({
      rows: cRows,
      up,
      top: connPos.top,
      height: bodyHeight,
      selected: connPos.selected,
      tagged: new Set(connTags.keys()),
      theme,
      width,
      empty: filters.conns
        ? `no connection matches "${sanitize(filters.conns)}"`
        : 'no connections loaded',
    });
    if (progress)
      body = [
        ...pad(body, bodyHeight, width),
        ...progressLines(progress, progressHeight, theme, width),
      ];
  } else {
    body = eventsBodyLines({
      log: evLog,
      shown: evShown,
      top: evTop,
      height: bodyHeight,
      maxLevel: evLevel,
      following: evFollow,
      paused: frozen !== undefined,
      theme,
      width,
    });
  }
  body = pad(body, bodyHeight + progressHeight, width);

  const tags = view === 'sas' ? saTags.size : view === 'conns' ? connTags.size : 0;
  const info = [
    filters[view] ? `filter "${sanitize(filters[view])}"` : '',
    view === 'sas' ? `sort ${SORT_TITLES[sort.column]}${sort.desc ? '▼' : '▲'}` : '',
    view === 'sas' ? `${ikeCount} shown` : '',
    tags > 0 ? `${tags} tagged` : '',
  ]
    .filter(Boolean)
    .join(' · ');

  const bottom = statusLine({ prompt, confirm, status, snapStatus: snap.status, theme, width });
  const lines = [
    ...header,
    tabBar(view, info, theme, width),
    ...body,
    bottom,
    footerLine(mode, snap.readOnly, theme, width),
  ];
  return (
    <Box flexDirection="column" width={width} height={frameRows}>
      {lines.slice(0, frameRows).map((l, i) => (
        // Lines are positions on screen: the index is their identity.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Line key={i} text={l} />
      ))}
    </Box>
  );
}

/** What survives a rekey: the lineage the store gives, scoped to the row's kind. */
function rowLineage(r: DisplayRow | undefined): string | undefined {
  if (!r) return undefined;
  if (r.kind === 'ike') return r.ike.lineage === undefined ? undefined : `ike:${r.ike.lineage}`;
  const ike = r.ike.lineage ?? r.ike.key;
  return r.child.lineage === undefined ? undefined : `child:${ike}/${r.child.lineage}`;
}
