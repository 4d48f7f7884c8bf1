import type { Key } from 'ink';

/*
 * Every key is a named action in one table. The footer, the help overlay and read-only mode are
 * all derived from it, so a key cannot work without being documented, and a mutating action
 * cannot be reachable in read-only mode.
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

export type ActionId =
  | 'app.quit'
  | 'app.help'
  | 'view.next'
  | 'view.sas'
  | 'view.conns'
  | 'view.events'
  | 'poll.faster'
  | 'poll.slower'
  | 'nav.up'
  | 'nav.down'
  | 'nav.pageUp'
  | 'nav.pageDown'
  | 'nav.top'
  | 'nav.bottom'
  | 'list.filter'
  | 'list.clear'
  | 'list.tag'
  | 'list.details'
  | 'sa.fold'
  | 'sa.unfold'
  | 'sa.foldAll'
  | 'sa.sort'
  | 'sa.invert'
  | 'sa.rekey'
  | 'sa.terminate'
  | 'sa.redirect'
  | 'conn.initiate'
  | 'conn.reload'
  | 'progress.close'
  | 'events.level'
  | 'events.pause'
  | 'overlay.close'
  | 'sort.pick'
  | 'sort.cancel';

export interface Binding {
  id: ActionId;
  /** Key names as keyName() produces them. */
  keys: readonly string[];
  /** Short, for the footer. */
  label: string;
  description: string;
  modes: readonly Mode[];
  /** Changes the daemon's state: gone in read-only mode. */
  mutates?: boolean;
  /** Needs a confirmation (or a typed argument) first. */
  dangerous?: boolean;
  /** Listed in the footer (everything is listed in help). */
  footer?: boolean;
}

const MAIN: readonly Mode[] = VIEWS;
const LISTS: readonly Mode[] = [...VIEWS, 'help', 'details', 'sort'];

export const BINDINGS: readonly Binding[] = [
  {
    id: 'app.help',
    keys: ['?'],
    label: 'Help',
    description: 'show every key',
    modes: MAIN,
    footer: true,
  },
  {
    id: 'sa.rekey',
    keys: ['r'],
    label: 'Rekey',
    description: 'rekey the selected (or tagged) IKE_SA or CHILD_SA',
    modes: ['sas'],
    mutates: true,
    footer: true,
  },
  {
    id: 'sa.terminate',
    keys: ['t'],
    label: 'Term',
    description: 'terminate the selected (or tagged) SA, after a y/n confirmation',
    modes: ['sas'],
    mutates: true,
    dangerous: true,
    footer: true,
  },
  {
    id: 'sa.redirect',
    keys: ['d'],
    label: 'Redir',
    description: 'redirect the selected (or tagged) IKE_SA to another gateway',
    modes: ['sas'],
    mutates: true,
    dangerous: true,
    footer: true,
  },
  {
    id: 'conn.initiate',
    keys: ['i'],
    label: 'Init',
    description: 'initiate the selected (or tagged) connection or child, showing its log',
    modes: ['conns'],
    mutates: true,
    footer: true,
  },
  {
    id: 'list.filter',
    keys: ['/'],
    label: 'Filter',
    description: 'filter rows (names, ids, hosts, virtual IPs, selectors; case-insensitive)',
    modes: MAIN,
    footer: true,
  },
  {
    id: 'list.clear',
    keys: ['esc'],
    label: 'Clear',
    description: 'clear the filter and the tags',
    modes: MAIN,
  },
  {
    id: 'list.details',
    keys: ['enter'],
    label: 'Info',
    description: 'show every field of the selected row',
    modes: ['sas', 'conns'],
    footer: true,
  },
  {
    id: 'list.tag',
    keys: ['space'],
    label: 'Tag',
    description: 'tag or untag the row; actions then apply to every tagged row',
    modes: ['sas', 'conns'],
    footer: true,
  },
  {
    id: 'sa.sort',
    keys: ['s'],
    label: 'Sort',
    description: 'pick the column to sort by',
    modes: ['sas'],
    footer: true,
  },
  {
    id: 'sa.invert',
    keys: ['I'],
    label: 'Invert',
    description: 'invert the sort order',
    modes: ['sas'],
  },
  {
    id: 'sa.fold',
    keys: ['left'],
    label: 'Fold',
    description: 'fold: hide the CHILD_SAs of the IKE_SA',
    modes: ['sas'],
  },
  {
    id: 'sa.unfold',
    keys: ['right'],
    label: 'Unfold',
    description: 'unfold: show the CHILD_SAs of the IKE_SA',
    modes: ['sas'],
  },
  {
    id: 'sa.foldAll',
    keys: ['*'],
    label: 'FoldAll',
    description: 'fold or unfold every IKE_SA',
    modes: ['sas'],
  },
  {
    id: 'events.level',
    keys: ['l'],
    label: 'Level',
    description: 'cycle the highest log level shown (0..4)',
    modes: ['events'],
    footer: true,
  },
  {
    id: 'events.pause',
    keys: ['p'],
    label: 'Pause',
    description: 'freeze the display (the feed keeps being read)',
    modes: ['events'],
    footer: true,
  },
  {
    id: 'conn.reload',
    keys: ['R'],
    label: 'Reload',
    description: 'reload the connection list from the daemon',
    modes: ['conns'],
  },
  {
    id: 'progress.close',
    keys: ['c'],
    label: 'Close',
    description: 'close the initiate progress panel',
    modes: ['conns'],
  },
  {
    id: 'view.next',
    keys: ['tab'],
    label: 'View',
    description: 'next view',
    modes: MAIN,
    footer: true,
  },
  { id: 'view.sas', keys: ['1'], label: 'SAs', description: 'SAs view', modes: MAIN },
  { id: 'view.conns', keys: ['2'], label: 'Conns', description: 'Connections view', modes: MAIN },
  { id: 'view.events', keys: ['3'], label: 'Events', description: 'Events view', modes: MAIN },
  {
    id: 'poll.faster',
    keys: ['-'],
    label: 'Faster',
    description: 'shorter interval: poll more often',
    modes: MAIN,
  },
  {
    id: 'poll.slower',
    keys: ['+'],
    label: 'Slower',
    description: 'longer interval: poll less often',
    modes: MAIN,
  },
  { id: 'nav.up', keys: ['up', 'k'], label: 'Up', description: 'move up', modes: LISTS },
  { id: 'nav.down', keys: ['down', 'j'], label: 'Down', description: 'move down', modes: LISTS },
  { id: 'nav.pageUp', keys: ['pageup'], label: 'PgUp', description: 'page up', modes: LISTS },
  { id: 'nav.pageDown', keys: ['pagedown'], label: 'PgDn', description: 'page down', modes: LISTS },
  { id: 'nav.top', keys: ['home', 'g'], label: 'Top', description: 'first row', modes: LISTS },
  {
    id: 'nav.bottom',
    keys: ['end', 'G'],
    label: 'End',
    description: 'last row (in Events: follow the tail again)',
    modes: LISTS,
  },
  {
    id: 'sort.pick',
    keys: ['enter'],
    label: 'Sort',
    description: 'sort by the highlighted column (again: invert)',
    modes: ['sort'],
    footer: true,
  },
  {
    id: 'sort.cancel',
    keys: ['esc', 's'],
    label: 'Cancel',
    description: 'keep the sort as it was',
    modes: ['sort'],
    footer: true,
  },
  {
    id: 'overlay.close',
    keys: ['esc', '?', 'enter'],
    label: 'Close',
    description: 'close this pane',
    modes: ['help', 'details'],
    footer: true,
  },
  {
    id: 'app.quit',
    keys: ['q', 'ctrl+c'],
    label: 'Quit',
    description: 'quit',
    modes: LISTS,
    footer: true,
  },
];

/** Ink's key event as one name: "q", "G", "up", "pageup", "enter", "esc", "space", "ctrl+c". */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input.length === 1) return `ctrl+${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  return input;
}

export function available(binding: Binding, readOnly: boolean): boolean {
  return !(readOnly && binding.mutates);
}

/** The action a key triggers in a mode; undefined for unbound keys and, read-only, mutations. */
export function resolveKey(mode: Mode, name: string, readOnly: boolean): ActionId | undefined {
  for (const b of BINDINGS) {
    if (b.modes.includes(mode) && b.keys.includes(name) && available(b, readOnly)) return b.id;
  }
  return undefined;
}

const SHOWN_KEY: Record<string, string> = {
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  pageup: 'PgUp',
  pagedown: 'PgDn',
  home: 'Home',
  end: 'End',
  enter: 'Enter',
  esc: 'Esc',
  space: 'Space',
  tab: 'Tab',
  'ctrl+c': 'C-c',
};

export function showKey(name: string): string {
  return SHOWN_KEY[name] ?? name;
}

export interface KeyHint {
  id: ActionId;
  key: string;
  label: string;
}

/** The footer's key bar for a mode: first key of each footer action available there. */
export function footerHints(mode: Mode, readOnly: boolean): KeyHint[] {
  return BINDINGS.filter((b) => b.footer && b.modes.includes(mode) && available(b, readOnly)).map(
    (b) => ({ id: b.id, key: showKey(b.keys[0]!), label: b.label }),
  );
}

export interface HelpLine {
  id: ActionId;
  keys: string;
  description: string;
  dangerous: boolean;
}

export interface HelpSection {
  title: string;
  lines: HelpLine[];
}

const SECTION_TITLES: Record<string, string> = {
  global: 'Everywhere',
  sas: 'SAs view',
  conns: 'Connections view',
  events: 'Events view',
  overlay: 'Help and details panes',
};

/** Every available action once, grouped: global ones first, then per view. */
export function helpSections(readOnly: boolean): HelpSection[] {
  const groups = new Map<string, HelpLine[]>();
  for (const b of BINDINGS) {
    if (!available(b, readOnly)) continue;
    const inViews = VIEWS.filter((v) => b.modes.includes(v));
    const group =
      inViews.length === VIEWS.length ? 'global' : inViews.length > 0 ? inViews[0]! : 'overlay';
    const lines = groups.get(group) ?? [];
    lines.push({
      id: b.id,
      keys: b.keys.map(showKey).join(' '),
      description: b.description,
      dangerous: b.dangerous === true,
    });
    groups.set(group, lines);
  }
  return ['global', 'sas', 'conns', 'events', 'overlay']
    .filter((g) => groups.has(g))
    .map((g) => ({ title: SECTION_TITLES[g]!, lines: groups.get(g)! }));
}
