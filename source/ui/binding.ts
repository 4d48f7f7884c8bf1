import type { Derived } from './derive.js';
import type { Step, UiState, World } from './state.js';

/*
 * What a key binding is. Each pane module (panes/*.ts) lists its own bindings beside its view;
 * keymap.ts is their union, from which the footer, help and read-only mode are derived.
 */

export type ViewId = 'sas' | 'conns' | 'events';
/** Where a key is read: one of the views, or an overlay that takes the keyboard. */
export type Mode = ViewId | 'help' | 'details' | 'sort';

export const VIEWS: readonly ViewId[] = ['sas', 'conns', 'events'];
export const VIEW_TITLES: Record<ViewId, string> = {
  sas: 'SAs',
  conns: 'Connections',
  events: 'Events',
};

export const MAIN: readonly Mode[] = VIEWS;
export const LISTS: readonly Mode[] = [...VIEWS, 'help', 'details', 'sort'];

/** What a handler gets besides the state: the world and what is derived from both. */
export interface KeyContext extends World {
  d: Derived;
}

export type ActionId = string;

export interface Binding {
  id: ActionId;
  /** Key names as input.ts produces them. */
  keys: readonly string[];
  /** Short, for the footer. */
  label: string;
  description: string;
  modes: readonly Mode[];
  /** Changes the daemon's state: gone in read-only mode. */
  mutates?: boolean;
  /** Of use only together with actions that change the daemon (tags): gone in read-only mode. */
  forActions?: boolean;
  /** Needs a confirmation (or a typed argument) first. */
  dangerous?: boolean;
  /** Listed in the footer (everything is listed in help). */
  footer?: boolean;
  run(s: UiState, c: KeyContext): Step;
}

export function available(binding: Binding, readOnly: boolean): boolean {
  return !(readOnly && (binding.mutates || binding.forActions));
}

export const same = (s: UiState): Step => ({ state: s });
