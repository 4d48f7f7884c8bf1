import { available, type Binding, type Mode, VIEWS } from './binding.js';
import { CONN_BINDINGS } from './panes/conns.js';
import { EVENT_BINDINGS } from './panes/events.js';
import { GLOBAL_BINDINGS } from './panes/global.js';
import { OVERLAY_BINDINGS } from './panes/overlays.js';
import { SA_BINDINGS } from './panes/sas.js';

/*
 * Every key is a named action, listed by the pane it belongs to (panes/*.ts); this is their
 * union. The footer, the help overlay and read-only mode are all derived from it, so a key
 * cannot work without being documented, and a mutating action cannot be reachable read-only.
 */

export {
  type ActionId,
  available,
  type Binding,
  type Mode,
  VIEW_TITLES,
  VIEWS,
  type ViewId,
} from './binding.js';

export const BINDINGS: readonly Binding[] = [
  ...GLOBAL_BINDINGS.filter((b) => b.id === 'app.help'),
  ...SA_BINDINGS,
  ...CONN_BINDINGS,
  ...EVENT_BINDINGS,
  ...GLOBAL_BINDINGS.filter((b) => b.id !== 'app.help'),
  ...OVERLAY_BINDINGS,
];

/** The binding of a key in a mode, whether or not read-only mode allows it. */
export function findBinding(mode: Mode, name: string): Binding | undefined {
  return BINDINGS.find((b) => b.modes.includes(mode) && b.keys.includes(name));
}

/** The action a key triggers in a mode; undefined for unbound keys and, read-only, mutations. */
export function resolveKey(mode: Mode, name: string, readOnly: boolean): string | undefined {
  const b = findBinding(mode, name);
  return b && available(b, readOnly) ? b.id : undefined;
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
  'shift+tab': 'S-Tab',
  'ctrl+c': 'C-c',
};

export function showKey(name: string): string {
  return SHOWN_KEY[name] ?? name;
}

export interface KeyHint {
  id: string;
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
  id: string;
  keys: string;
  description: string;
  dangerous: boolean;
}

export interface HelpSection {
  title: string;
  lines: HelpLine[];
}

/** Where a binding is listed: by the modes it works in. */
function sectionOf(b: Binding): string {
  const inViews = VIEWS.filter((v) => b.modes.includes(v));
  if (inViews.length === VIEWS.length) return 'Everywhere';
  if (inViews.length === 2 && inViews.includes('sas') && inViews.includes('conns'))
    return 'SAs and Connections views';
  if (inViews.length === 1)
    return { sas: 'SAs view', conns: 'Connections view', events: 'Events view' }[inViews[0]!];
  if (b.modes.includes('sort')) return 'Sort picker (s)';
  return 'Help and details panes';
}

const SECTION_ORDER = [
  'Everywhere',
  'SAs view',
  'SAs and Connections views',
  'Connections view',
  'Events view',
  'Sort picker (s)',
  'Help and details panes',
];

/** Every available action once, grouped: global ones first, then per view and pane. */
export function helpSections(readOnly: boolean): HelpSection[] {
  const groups = new Map<string, HelpLine[]>();
  for (const b of BINDINGS) {
    if (!available(b, readOnly)) continue;
    const group = sectionOf(b);
    const lines = groups.get(group) ?? [];
    lines.push({
      id: b.id,
      keys: b.keys.map(showKey).join(' '),
      description: b.description,
      dangerous: b.dangerous === true,
    });
    groups.set(group, lines);
  }
  return SECTION_ORDER.filter((g) => groups.has(g)).map((g) => ({
    title: g,
    lines: groups.get(g)!,
  }));
}
