import { MAX_INTERVAL_S, MIN_INTERVAL_S } from '../../args.js';
import {
  type Binding,
  type KeyContext,
  LISTS,
  MAIN,
  same,
  VIEWS,
  type ViewId,
} from '../binding.js';
import { formatInterval } from '../format.js';
import { info, type Step, setList, type UiState } from '../state.js';
import { moveConn, selectedConn, tagConn } from './conns.js';
import { moveEvents } from './events.js';
import type { Move } from './list.js';
import { moveOverlay } from './overlays.js';
import { moveSa, selectedSa, tagSa } from './sas.js';

/* Keys that work in every view: quitting, help, switching views, polling, moving, filtering. */

/** The polling steps `+` and `-` walk, within the limits --interval accepts. */
export const INTERVAL_STEPS: readonly number[] = [
  500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000,
].filter((ms) => ms >= MIN_INTERVAL_S * 1000 && ms <= MAX_INTERVAL_S * 1000);

export function nextInterval(ms: number, dir: 1 | -1): number {
  if (dir > 0)
    return INTERVAL_STEPS.find((s) => s > ms) ?? INTERVAL_STEPS[INTERVAL_STEPS.length - 1]!;
  return [...INTERVAL_STEPS].reverse().find((s) => s < ms) ?? INTERVAL_STEPS[0]!;
}

function move(m: Move | 'page-up' | 'page-down') {
  return (s: UiState, c: KeyContext): Step => {
    const by: Move = m === 'page-up' ? -c.d.listHeight : m === 'page-down' ? c.d.listHeight : m;
    if (s.overlay) return { state: moveOverlay(s, by) };
    if (s.view === 'sas') return { state: moveSa(s, c, by) };
    if (s.view === 'conns') return { state: moveConn(s, c, by) };
    return { state: moveEvents(s, c, by) };
  };
}

/** Switching views clears the status line: a message belongs to the view it was said in. */
export function switchView(s: UiState, c: KeyContext, v: ViewId): Step {
  if (v === s.view) return same(s);
  return {
    state: { ...s, view: v, status: undefined, quietSince: c.now, reloadAskedAt: undefined },
    // The connection list changes rarely and is not polled: fetch it when it is looked at.
    effects: v === 'conns' ? [{ kind: 'refreshConns' }] : [],
  };
}

function poll(dir: 1 | -1) {
  return (s: UiState, c: KeyContext): Step => {
    const ms = nextInterval(c.snap.intervalMs, dir);
    const at = ms === c.snap.intervalMs ? (dir < 0 ? ' (the shortest)' : ' (the longest)') : '';
    return {
      state: info(s, c.now, `polling every ${formatInterval(ms)}${at}`),
      effects: [{ kind: 'setInterval', ms }],
    };
  };
}

export const GLOBAL_BINDINGS: readonly Binding[] = [
  {
    id: 'app.help',
    keys: ['?'],
    label: 'Help',
    description: 'show every key',
    modes: MAIN,
    footer: true,
    run: (s) => ({ state: { ...s, overlay: { kind: 'help' }, overlayTop: 0 } }),
  },
  {
    id: 'list.filter',
    keys: ['/'],
    label: 'Filter',
    description:
      'filter rows by name, id, host, IP, identity, SPI, selector; ←→ C-u C-w, Enter keeps, Esc clears',
    modes: MAIN,
    footer: true,
    run: (s) => {
      const text = s.lists[s.view].filter;
      return {
        state: { ...s, prompt: { kind: 'filter', view: s.view, text, cursor: [...text].length } },
      };
    },
  },
  {
    id: 'list.clear',
    keys: ['esc'],
    label: 'Clear',
    description: 'clear the filter and the tags',
    modes: MAIN,
    run: (s) => ({
      state: setList(s, s.view, { ...s.lists[s.view], filter: '', tags: new Map() } as never),
    }),
  },
  {
    id: 'list.details',
    keys: ['enter'],
    label: 'Info',
    description: 'show every field of the selected row',
    modes: ['sas', 'conns'],
    footer: true,
    run: (s, c) => {
      const key = s.view === 'sas' ? selectedSa(c)?.key : selectedConn(c)?.key;
      if (key === undefined || s.view === 'events') return same(s);
      return { state: { ...s, overlay: { kind: 'details', view: s.view, key }, overlayTop: 0 } };
    },
  },
  {
    id: 'list.tag',
    keys: ['space'],
    label: 'Tag',
    description: 'tag or untag the row and move down; r, t, d and i then act on every tagged row',
    modes: ['sas', 'conns'],
    forActions: true,
    footer: true,
    run: (s, c) => ({ state: s.view === 'sas' ? tagSa(s, c) : tagConn(s, c) }),
  },
  {
    id: 'view.next',
    keys: ['tab'],
    label: 'View',
    description: 'next view',
    modes: MAIN,
    footer: true,
    run: (s, c) => switchView(s, c, VIEWS[(VIEWS.indexOf(s.view) + 1) % VIEWS.length]!),
  },
  {
    id: 'view.previous',
    keys: ['shift+tab'],
    label: 'Back',
    description: 'previous view',
    modes: MAIN,
    run: (s, c) =>
      switchView(s, c, VIEWS[(VIEWS.indexOf(s.view) + VIEWS.length - 1) % VIEWS.length]!),
  },
  {
    id: 'view.sas',
    keys: ['1'],
    label: 'SAs',
    description: 'SAs view',
    modes: MAIN,
    run: (s, c) => switchView(s, c, 'sas'),
  },
  {
    id: 'view.conns',
    keys: ['2'],
    label: 'Conns',
    description: 'Connections view',
    modes: MAIN,
    run: (s, c) => switchView(s, c, 'conns'),
  },
  {
    id: 'view.events',
    keys: ['3'],
    label: 'Events',
    description: 'Events view',
    modes: MAIN,
    run: (s, c) => switchView(s, c, 'events'),
  },
  {
    id: 'poll.faster',
    keys: ['-'],
    label: 'Faster',
    description: `shorter interval: poll more often (down to ${formatInterval(INTERVAL_STEPS[0]!)})`,
    modes: MAIN,
    run: poll(-1),
  },
  {
    id: 'poll.slower',
    keys: ['+'],
    label: 'Slower',
    description: `longer interval: poll less often (up to ${formatInterval(INTERVAL_STEPS[INTERVAL_STEPS.length - 1]!)})`,
    modes: MAIN,
    run: poll(1),
  },
  {
    id: 'nav.up',
    keys: ['up', 'k'],
    label: 'Up',
    description: 'move up',
    modes: LISTS,
    run: move(-1),
  },
  {
    id: 'nav.down',
    keys: ['down', 'j'],
    label: 'Down',
    description: 'move down',
    modes: LISTS,
    run: move(1),
  },
  {
    id: 'nav.pageUp',
    keys: ['pageup'],
    label: 'PgUp',
    description: 'page up',
    modes: LISTS,
    run: move('page-up'),
  },
  {
    id: 'nav.pageDown',
    keys: ['pagedown'],
    label: 'PgDn',
    description: 'page down',
    modes: LISTS,
    run: move('page-down'),
  },
  {
    id: 'nav.top',
    keys: ['home', 'g'],
    label: 'Top',
    description: 'first row',
    modes: LISTS,
    run: move('top'),
  },
  {
    id: 'nav.bottom',
    keys: ['end', 'G'],
    label: 'End',
    description: 'last row (in Events: follow the tail again)',
    modes: LISTS,
    run: move('bottom'),
  },
  {
    id: 'app.quit',
    keys: ['q', 'ctrl+c'],
    label: 'Quit',
    description: 'quit (in a prompt or a y/n question, C-c cancels it instead)',
    modes: LISTS,
    footer: true,
    run: (s) => ({ state: s, effects: [{ kind: 'quit' }] }),
  },
];
