import type { ChildSa, Connection, IkeSa, Stats } from '../vici/views.js';

/*
 * The store's public shape: what the UI reads and the actions it may call. Snapshots are
 * immutable; an object's identity changes only when its content did, so the UI can memoise
 * on identity (rows, maps, the event log).
 */

export type LinkState =
  | { kind: 'connecting'; since: number; attempt: number }
  | { kind: 'live'; since: number }
  | {
      kind: 'reconnecting';
      /** Wall-clock ms when the next attempt starts (the header counts down to it). */
      retryAt: number;
      attempt: number;
      /** One line a user can act on ("no vici socket at /run/x.vici: is charon running...?"). */
      reason: string;
      since: number;
    }
  | {
      /**
       * Connected, but the daemon stopped answering (SIGSTOP, wedged): nothing is live.
       * `since` is when it last answered, the clock the header's "updated N s ago" uses too.
       */
      kind: 'stalled';
      since: number;
      reason: string;
    }
  | { kind: 'closed'; since: number };

export interface ChildRow {
  /** Stable across rekeys: `${ikeKey}/${lineage}`, lineage = uniqueid of the first CHILD_SA. */
  key: string;
  sa: ChildSa;
  /** Totals including the CHILD_SAs this one replaced through rekeys. */
  bytesInTotal: number;
  bytesOutTotal: number;
  packetsInTotal: number;
  packetsOutTotal: number;
  /** Bytes per second from the last two listings; undefined until there are two. */
  rateIn?: number;
  rateOut?: number;
  /** When the counters and relative times in `sa` were true (ms since epoch). */
  listedAt: number;
  /**
   * The uniqueid of the first CHILD_SA in this chain of rekeys. While a rekey is under way and
   * the daemon still lists the old CHILD_SA, only the newest has the key `${ikeKey}/${lineage}`;
   * the old one's key is `${ikeKey}/${lineage}/${its uniqueid}`, so keys stay unique.
   */
  lineage?: string;
  /**
   * A CHILD_SA a rekey replaced or that is going away (REKEYED, DELETING, DELETED, or retired
   * by an event) while a listing still shows it: drawn for a moment, never counted in a total
   * (its successor already carries its counters).
   */
  ghost?: boolean;
}

export interface IkeRow {
  /** The IKE_SA's unique id. */
  key: string;
  sa: IkeSa;
  /** The CHILD_SAs, in the daemon's order. `sa.children` is not used. */
  children: readonly ChildRow[];
  /** When `sa.established`/`rekeyTime`/`reauthTime` were true (ms); the UI ticks from here. */
  listedAt: number;
  /** When anything in the row last changed (listing or event). */
  updatedAt: number;
  /** Sum over the children that count (not ghosts). */
  rateIn?: number;
  rateOut?: number;
  /** Bytes over the children that count (not ghosts), totals across CHILD_SA rekeys. */
  bytesInTotal?: number;
  bytesOutTotal?: number;
  /** CHILD_SAs that count (not ghosts). */
  childCount?: number;
  /**
   * The uniqueid of the first IKE_SA in this chain of IKE rekeys: stays the same when `key`
   * changes with a rekey, so a cursor can follow the row.
   */
  lineage?: string;
}

export type EventKind =
  | 'log'
  | 'ike-updown'
  | 'child-updown'
  | 'ike-rekey'
  | 'child-rekey'
  | 'ike-update'
  | 'alert'
  | 'swantop';

export interface EventEntry {
  seq: number;
  at: number;
  kind: EventKind;
  /** For log: the daemon's level (-1..4); for the others 0. */
  level: number;
  /** For log: the group (IKE, CHD, NET, CFG...). */
  group?: string;
  ikeName?: string;
  ikeUniqueid?: string;
  /** How to colour it. */
  tone: 'plain' | 'up' | 'down' | 'rekey' | 'warn' | 'error';
  /** One line, raw daemon text (the UI escapes it before drawing). */
  text: string;
}

/** A bounded, append-only feed. `entries` is oldest first; `dropped` counts what fell off. */
export interface EventLog {
  entries: readonly EventEntry[];
  capacity: number;
  /** Entries that fell off the front of the buffer. */
  dropped: number;
  /** Events the session could not deliver (listener overflow) — never silently lost. */
  undelivered: number;
  total: number;
  /** Alerts (strongSwan 6.0.3+) the daemon raised since swantop started, by tone; absent: none. */
  alerts?: { total: number; error: number; warn: number };
}

export interface PollInfo {
  /** `full`: every interval a full listing; `budgeted`: rare full listings + rows on screen. */
  mode: 'full' | 'budgeted';
  /** Why it slowed down, for the header ("5,000 SAs: a full listing costs the daemon 2.3 s; ..."). */
  reason?: string;
  lastFullAt?: number;
  /** The daemon's part of the last full listing, ms: its wall time less our own CPU time. */
  lastFullMs?: number;
  nextFullAt?: number;
  /** Share of the daemon's time spent on our listings over the last minute (0..1). */
  share: number;
  budget: number;
}

/**
 * An action's progress or outcome, published as `snapshot.status`: the one channel a screen
 * reads it from (the promise an action returns carries the same final outcome, for callers
 * that keep no snapshot).
 */
export interface ActionStatus {
  at: number;
  level: 'info' | 'error';
  text: string;
  /** Sent and not answered yet ("rekey rw[3]…"): its outcome replaces it. */
  pending?: boolean;
}

export interface Progress {
  title: string;
  lines: readonly string[];
  done: boolean;
  ok?: boolean;
}

export interface DaemonInfo {
  daemon?: string;
  version?: string;
  sysname?: string;
  release?: string;
  machine?: string;
}

export interface Totals {
  ike: number;
  established: number;
  connecting: number;
  halfOpen: number;
  child: number;
  rateIn: number;
  rateOut: number;
}

/**
 * The header's figures as far as they are known: each is null until something measured it
 * (counts before the first full listing, half-open before the first stats, rates while the
 * link cannot vouch for them), so nothing unknown is shown as 0 and nothing old as live.
 */
export interface Figures {
  ike: number | null;
  established: number | null;
  connecting: number | null;
  halfOpen: number | null;
  child: number | null;
  /** Bytes/s over every row: null unless live and some CHILD_SA was sampled twice. */
  rateIn: number | null;
  rateOut: number | null;
  /** The counts are the last ones seen, not live (stalled, reconnecting, not listed yet). */
  stale: boolean;
  /** When the daemon last answered (ms): the age the header and the stall banner both show. */
  asOf?: number;
}

/** What changed in `ikes` from the snapshot one version before, by IKE key. */
export interface IkeDelta {
  /** Rows that changed or came. */
  changed: readonly string[];
  /** Rows that went. */
  gone: readonly string[];
  /** The daemon's order of the remaining rows may have moved (a sorted view must re-sort). */
  reordered: boolean;
}

export interface MonitorSnapshot {
  /** Increases with every published change. */
  version: number;
  host: string;
  daemon?: DaemonInfo;
  link: LinkState;
  /** True whenever the link cannot vouch for the rows: every row must be drawn as stale. */
  stale: boolean;
  /**
   * IKE_SAs by unique id, in the order the daemon listed them. A new object whenever a row
   * changed; it reads the live table, so an older snapshot's `ikes` shows the newest rows.
   */
  ikes: ReadonlyMap<string, IkeRow>;
  /** Counts as numbers, 0 while unknown; read `figures` for what is known and how fresh. */
  totals: Totals;
  /** Always set by the store; optional only so snapshots built by hand (tests) may omit it. */
  figures?: Figures;
  /**
   * What changed in `ikes` since version - 1 (empty when `ikes` is the same object). A reader
   * that skipped a version, or finds no delta, must treat every row as changed.
   */
  delta?: IkeDelta;
  /**
   * What changed in `ikes` after `version` up to this snapshot, as one delta (several
   * publishes folded together); undefined when the store no longer remembers that far back,
   * and then a reader must treat every row as changed. `ikes` reads the table as it is now
   * (not a frozen copy): readers keep their own derived state and move it on by these deltas.
   */
  changesSince?: (version: number) => IkeDelta | undefined;
  stats?: Stats;
  statsAt?: number;
  conns: readonly Connection[];
  connsAt?: number;
  events: EventLog;
  poll: PollInfo;
  /** When the store last heard from the daemon (listing, stats or event). */
  lastUpdateAt?: number;
  /**
   * When a listing last confirmed each IKE_SA's row and its CHILD_SAs' counters, by IKE key.
   * A row keeps its object (and its listedAt) while a listing finds nothing new, so this is
   * what tells how old the counters on screen really are. Read it when drawing: it is kept
   * current between snapshots.
   */
  confirmedAt?: ReadonlyMap<string, number>;
  status?: ActionStatus;
  /**
   * Set while the daemon is connected but does not answer (stopped, or wedged): the rows are
   * then stale too, and `link` is `stalled` with the same `since` (when it last answered).
   * Cleared when it answers again.
   */
  stalled?: { since: number; reason: string };
  progress?: Progress;
  intervalMs: number;
  readOnly: boolean;
}

export type Target =
  | { kind: 'ike'; uniqueid: string; name: string }
  | { kind: 'child'; ikeUniqueid: string; uniqueid: string; name: string };

export interface ActionResult {
  ok: boolean;
  /** One line: the daemon's answer (matches, errmsg) or ours. */
  text: string;
}

export interface MonitorActions {
  rekey(targets: readonly Target[]): Promise<ActionResult>;
  terminate(targets: readonly Target[]): Promise<ActionResult>;
  /** `gateway` must be an IP address or a hostname; refused before sending otherwise. */
  redirect(targets: readonly Target[], gateway: string): Promise<ActionResult>;
  /** One connection streams its control-log into `progress`; several are started async. */
  initiate(conns: readonly { conn: string; child?: string }[]): Promise<ActionResult>;
  refreshConns(): void;
  setIntervalMs(ms: number): void;
  /** The IKE_SAs on screen, so the scheduler refreshes them first with filtered listings. */
  setVisible(ikeUniqueids: readonly string[]): void;
  clearProgress(): void;
}

export interface Monitor {
  subscribe(listener: () => void): () => void;
  getSnapshot(): MonitorSnapshot;
  actions: MonitorActions;
  start(): void;
  stop(): Promise<void>;
}

export type { ChildSa, Connection, IkeSa, Stats };
