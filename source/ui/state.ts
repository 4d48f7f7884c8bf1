import type { EventLog, MonitorSnapshot, Target } from '../monitor/types.js';
import type { ViewId } from './keymap.js';
import { type Folds, NO_FOLDS, type SortSpec } from './rows.js';

/*
 * The UI's state as one value. Keys change it through the reducer (reducer.ts), one after the
 * other and synchronously, so every key sees what the keys before it did; the panes draw it.
 * What the UI asks of the daemon is returned as effects, which the App then carries out.
 */

/** A row's place in a list, and what the selection follows when the rows move under it. */
export interface ListState<T> {
  /** The selected row's index when it was last placed (or the first row shown, for Events). */
  index: number;
  top: number;
  /** The selected row's key, and what survives a rekey of it. */
  key?: string;
  lineage?: string;
  tags: ReadonlyMap<string, T>;
  filter: string;
  /** Events: keep showing the newest entries. */
  follow: boolean;
}

export interface ConnTarget {
  conn: string;
  child?: string;
}

export type Overlay =
  | { kind: 'help' }
  | { kind: 'sort' }
  | { kind: 'details'; view: 'sas' | 'conns'; key: string };

export type Prompt =
  | { kind: 'filter'; view: ViewId; text: string; cursor: number }
  | {
      kind: 'redirect';
      targets: Target[];
      text: string;
      cursor: number;
      error?: string;
      /** Said beside the text, without blocking (keys it ignored). */
      warning?: string;
    };

/** What the UI asks of the monitor. */
export type Effect =
  | { kind: 'quit' }
  | { kind: 'rekey' | 'terminate'; targets: Target[]; label: string }
  | { kind: 'redirect'; targets: Target[]; gateway: string; label: string }
  | { kind: 'initiate'; conns: ConnTarget[]; label: string }
  | { kind: 'refreshConns' }
  | { kind: 'setInterval'; ms: number }
  | { kind: 'clearProgress' };

export interface Confirm {
  question: string;
  /** The targets, one per line (the first few, "and N more", and what the filter hides). */
  details: string[];
  effects: Effect[];
  /** The list whose tags the answer y uses up. */
  clears?: 'sas' | 'conns';
}

export interface Status {
  at: number;
  level: 'info' | 'error';
  text: string;
  /** An action under way ("rekey …"): stays until its outcome replaces it. */
  pending?: boolean;
}

export interface UiState {
  view: ViewId;
  overlay?: Overlay;
  /** Scroll position in an overlay (the highlighted column in the sort picker). */
  overlayTop: number;
  lists: {
    sas: ListState<Target>;
    conns: ListState<ConnTarget>;
    events: ListState<never>;
  };
  prompt?: Prompt;
  confirm?: Confirm;
  status?: Status;
  sort: SortSpec;
  folds: Folds;
  evLevel: number;
  /** Events paused: the log as it was when `p` was pressed. */
  frozen?: EventLog;
  /** Set by R: when the reload was asked for, to say when it is done. */
  reloadAskedAt?: number;
  /** The store's messages from before this (a view change) are no longer shown. */
  quietSince?: number;
}

function emptyList<T>(): ListState<T> {
  return { index: 0, top: 0, tags: new Map(), filter: '', follow: true };
}

export function initialState(): UiState {
  return {
    view: 'sas',
    overlayTop: 0,
    lists: { sas: emptyList(), conns: emptyList(), events: emptyList() },
    sort: { column: 'id', desc: false },
    folds: NO_FOLDS,
    evLevel: 4,
  };
}

/** The world a key is handled in: the latest snapshot, the terminal's size, the clock. */
export interface World {
  snap: MonitorSnapshot;
  columns: number;
  rows: number;
  now: number;
}

/** A key's result: the next state and what to ask of the monitor. */
export interface Step {
  state: UiState;
  effects?: Effect[];
}

export function setList<V extends ViewId>(s: UiState, view: V, list: UiState['lists'][V]): UiState {
  return { ...s, lists: { ...s.lists, [view]: list } };
}

export function info(s: UiState, now: number, text: string): UiState {
  return { ...s, status: { at: now, level: 'info', text } };
}

export function problem(s: UiState, now: number, text: string): UiState {
  return { ...s, status: { at: now, level: 'error', text } };
}

/** How long a status message stays: long enough to read, short enough not to mislead. */
export const STATUS_INFO_MS = 5000;
export const STATUS_ERROR_MS = 15_000;
/** How long R waits for the connection list before saying it did not come. */
export const RELOAD_WAIT_MS = 10_000;

function fresh(st: Status | undefined, now: number): Status | undefined {
  if (!st) return undefined;
  if (st.pending) return st;
  const ttl = st.level === 'error' ? STATUS_ERROR_MS : STATUS_INFO_MS;
  return now - st.at < ttl ? st : undefined;
}

/**
 * The message the status line shows now: ours or the store's, whichever is newer, until it
 * has been shown long enough; the store's from before a view change are not shown.
 */
export function statusShown(s: UiState, snap: MonitorSnapshot, now: number): Status | undefined {
  // R asked for the connection list and none came: say so rather than nothing.
  if (s.reloadAskedAt !== undefined && now - s.reloadAskedAt >= RELOAD_WAIT_MS) {
    const at = s.reloadAskedAt + RELOAD_WAIT_MS;
    const why =
      snap.link.kind === 'live' ? 'the daemon did not answer' : `the link is ${snap.link.kind}`;
    const failed: Status = {
      at,
      level: 'error',
      text: `connections not reloaded: no list came within ${RELOAD_WAIT_MS / 1000} s (${why})`,
    };
    if (fresh(failed, now) && !(s.status && s.status.at > at)) return failed;
  }
  const ours = fresh(s.status, now);
  const store =
    snap.status && (s.quietSince === undefined || snap.status.at >= s.quietSince)
      ? fresh(snap.status, now)
      : undefined;
  if (!store) return ours;
  if (!ours) return store;
  return store.at > ours.at ? store : ours;
}
