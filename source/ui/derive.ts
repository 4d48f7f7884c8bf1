import type { EventEntry, EventLog } from '../monitor/types.js';
import { type ConnRow, connRows } from './conns.js';
import { eventsTop, filterEvents } from './events.js';
import { headerLines } from './header.js';
import type { DisplayRow } from './rows.js';
import { SaModel, type SaRows } from './sa-model.js';
import { scrollTo } from './sa-view.js';
import type { ListState, UiState, World } from './state.js';
import { createTheme } from './theme.js';

/*
 * What follows from the state and the world: each view's rows, the screen's layout, and where
 * each list's selection is now. The reducer and the views both read it, so a key acts on
 * exactly the rows the screen shows. Each part is memoised on its inputs' identity.
 */

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 12;

export interface Place {
  selected: number;
  top: number;
}

export interface Derived {
  tooSmall: boolean;
  frameRows: number;
  headerHeight: number;
  /** Rows of the body (the list's column header included), and of the progress panel. */
  bodyHeight: number;
  progressHeight: number;
  /** Rows of a list under its column header. */
  listHeight: number;
  /** The SAs view's rows, read from its live model (see sa-model.ts). */
  saRows: SaRows;
  saPlace: Place;
  connRows: readonly ConnRow[];
  connPlace: Place;
  evLog: EventLog;
  evShown: readonly EventEntry[];
  /** The first Events row shown. */
  evFirst: number;
}

const plain = createTheme(true);

/** What survives a rekey: the lineage the store gives, scoped to the row's kind. */
export function rowLineage(r: DisplayRow | undefined): string | undefined {
  if (!r) return undefined;
  if (r.kind === 'ike') return r.ike.lineage === undefined ? undefined : `ike:${r.ike.lineage}`;
  const ike = r.ike.lineage ?? r.ike.key;
  return r.child.lineage === undefined ? undefined : `child:${ike}/${r.child.lineage}`;
}

/** Rows a selection can be placed in: how many, and where a key (or a lineage) is. */
export interface Locatable {
  readonly length: number;
  indexOf(key: string): number;
  indexOfLineage?(lineage: string): number;
}

/** The selection follows its row's key (or lineage, after a rekey) when the rows move. */
export function place(list: ListState<unknown>, rows: Locatable, height: number): Place {
  let index = list.index;
  if (list.key !== undefined) {
    let found = rows.indexOf(list.key);
    if (found < 0 && list.lineage !== undefined && rows.indexOfLineage)
      found = rows.indexOfLineage(list.lineage);
    if (found >= 0) index = found;
  }
  return scrollTo(index, list.top, rows.length, height);
}

/** An array's rows located by a linear search (the lists short enough for it). */
export function located<T>(rows: readonly T[], keyOf: (r: T) => string): Locatable {
  return { length: rows.length, indexOf: (key) => rows.findIndex((r) => keyOf(r) === key) };
}

/** The deriver, and the work it can do ahead while the App is idle. */
export interface Deriver {
  (s: UiState, w: World): Derived;
  /** Prepares up to `count` SAs' filter haystacks; true when all are ready. */
  prepare(count: number): boolean;
}

export function createDeriver(): Deriver {
  const saModel = new SaModel();
  let conns: { in: [unknown, string]; out: ConnRow[] } | undefined;
  let events: { in: [unknown, number, string]; out: readonly EventEntry[] } | undefined;
  const derive = (s: UiState, w: World): Derived => {
    const { snap } = w;
    const frameRows = Math.max(1, w.rows - 1);
    const headerHeight = headerLines(snap, {
      now: w.now,
      width: w.columns,
      theme: plain,
      paused: s.frozen !== undefined,
    }).length;
    const progressHeight =
      s.view === 'conns' && snap.progress
        ? Math.min(10, Math.floor((frameRows - headerHeight - 3) / 2))
        : 0;
    const bodyHeight = Math.max(2, frameRows - headerHeight - 3 - progressHeight);
    const listHeight = bodyHeight - 1;

    const saRows = saModel.update({
      snap,
      filter: s.lists.sas.filter,
      sort: s.sort,
      folds: s.folds,
    });
    if (!conns || conns.in[0] !== snap.conns || conns.in[1] !== s.lists.conns.filter) {
      conns = {
        in: [snap.conns, s.lists.conns.filter],
        out: connRows(snap.conns, s.lists.conns.filter),
      };
    }
    const evLog = s.frozen ?? snap.events;
    if (
      !events ||
      events.in[0] !== evLog.entries ||
      events.in[1] !== s.evLevel ||
      events.in[2] !== s.lists.events.filter
    ) {
      events = {
        in: [evLog.entries, s.evLevel, s.lists.events.filter],
        out: filterEvents(evLog.entries, s.evLevel, s.lists.events.filter),
      };
    }
    const ev = s.lists.events;
    return {
      tooSmall: w.columns < MIN_COLUMNS || w.rows < MIN_ROWS,
      frameRows,
      headerHeight,
      bodyHeight,
      progressHeight,
      listHeight,
      saRows,
      saPlace: place(s.lists.sas, saRows, listHeight),
      connRows: conns.out,
      connPlace: place(
        s.lists.conns,
        located(conns.out, (r) => r.key),
        listHeight,
      ),
      evLog,
      evShown: events.out,
      evFirst: eventsTop(events.out.length, listHeight, ev.top, ev.follow),
    };
  };
  return Object.assign(derive, { prepare: (count: number) => saModel.prepare(count) });
}
