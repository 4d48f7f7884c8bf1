import type { Binding, KeyContext } from '../binding.js';
import { eventsBodyLines, nextLevel } from '../events.js';
import { info, setList, type UiState } from '../state.js';
import type { Theme } from '../theme.js';
import type { Move } from './list.js';

/* The Events view: the store's bounded feed, its keys and its body. */

export function moveEvents(s: UiState, c: KeyContext, m: Move): UiState {
  const ev = s.lists.events;
  const last = Math.max(0, c.d.evShown.length - c.d.listHeight);
  if (m === 'bottom') return setList(s, 'events', { ...ev, follow: true, top: last });
  const to = m === 'top' ? 0 : c.d.evFirst + m;
  const top = Math.max(0, Math.min(last, to));
  return setList(s, 'events', { ...ev, top, follow: top >= last && to >= last });
}

export const EVENT_BINDINGS: readonly Binding[] = [
  {
    id: 'events.level',
    keys: ['l'],
    label: 'Level',
    description: 'cycle the highest log level shown (0..4)',
    modes: ['events'],
    footer: true,
    run: (s, c) => {
      const l = nextLevel(s.evLevel);
      return { state: info({ ...s, evLevel: l }, c.now, `showing log levels up to ${l}`) };
    },
  },
  {
    id: 'events.pause',
    keys: ['p'],
    label: 'Pause',
    description: 'freeze the display (the feed keeps being read)',
    modes: ['events'],
    footer: true,
    run: (s, c) => ({ state: { ...s, frozen: s.frozen ? undefined : c.snap.events } }),
  },
];

export function eventsBody(s: UiState, c: KeyContext, theme: Theme): string[] {
  return eventsBodyLines({
    log: c.d.evLog,
    shown: c.d.evShown,
    top: c.d.evFirst,
    height: c.d.bodyHeight,
    maxLevel: s.evLevel,
    following: s.lists.events.follow,
    paused: s.frozen !== undefined,
    filter: s.lists.events.filter,
    theme,
    width: c.columns,
  });
}
