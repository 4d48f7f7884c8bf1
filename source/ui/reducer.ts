import { gatewayIsSelf, gatewayProblem } from '../monitor/gateway.js';
import type { KeyContext } from './binding.js';
import { available, type Mode } from './binding.js';
import type { Derived } from './derive.js';
import type { InputItem } from './input.js';
import { findBinding } from './keymap.js';
import { editLine, type LineEdit } from './line-edit.js';
import { describeTargets } from './panes/sas.js';
import { sanitize } from './sanitize.js';
import {
  type Effect,
  info,
  type Prompt,
  problem,
  type Status,
  type Step,
  setList,
  type UiState,
  type World,
} from './state.js';

/*
 * The UI's one reducer: (state, action, world) → state plus effects. Keys are applied one
 * after another, synchronously, each seeing what the keys before it did. Safety lives here:
 * a read of the terminal is the unit of intent, and a key that asks a question ends its read.
 */

export type Action =
  /** What one read of the terminal held, in order. */
  | { type: 'read'; items: readonly InputItem[] }
  /** An action's outcome, or anything else to say in the status line. */
  | { type: 'status'; status: Status }
  /** The connection list arrived (after R). */
  | { type: 'conns-listed'; at: number };

export type Derive = (s: UiState, w: World) => Derived;

function modeOf(s: UiState): Mode {
  return s.overlay ? s.overlay.kind : s.view;
}

export function reduce(s: UiState, a: Action, w: World, derive: Derive): Step {
  switch (a.type) {
    case 'status':
      return { state: { ...s, status: a.status } };
    case 'conns-listed':
      if (s.reloadAskedAt === undefined || a.at < s.reloadAskedAt) return { state: s };
      return {
        state: info(
          { ...s, reloadAskedAt: undefined },
          w.now,
          `connections reloaded: ${w.snap.conns.length} loaded`,
        ),
      };
    case 'read':
      return reduceRead(s, a.items, w, derive);
  }
}

/** True when the state asks the operator something that acts on the daemon when answered. */
function asksFirst(s: UiState): boolean {
  return s.confirm !== undefined || s.prompt?.kind === 'redirect';
}

function reduceRead(start: UiState, items: readonly InputItem[], w: World, derive: Derive): Step {
  let s = start;
  const effects: Effect[] = [];
  const alone = items.length === 1;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const wasAsking = asksFirst(s);
    const step = reduceItem(s, item, { ...w, d: derive(s, w) }, alone);
    s = step.state;
    if (step.effects) effects.push(...step.effects);
    if (effects.some((e) => e.kind === 'quit')) break;
    // A question opened by this key ignores the rest of its read: a paste of "try it" must
    // not answer its own "Terminate?" (and typed keys that fast were not meant for it).
    if (!wasAsking && asksFirst(s) && i < items.length - 1) {
      const rest = items.length - 1 - i;
      if (s.prompt?.kind === 'redirect')
        s = { ...s, prompt: { ...s.prompt, warning: `ignored ${rest} keys that came with it` } };
      break;
    }
  }
  return { state: s, effects };
}

function reduceItem(s: UiState, item: InputItem, c: KeyContext, alone: boolean): Step {
  if (s.confirm) return answer(s, item, c, alone);
  if (s.prompt) return promptInput(s, s.prompt, item, c);
  if (item.kind === 'paste') return { state: info(s, c.now, 'paste ignored: no prompt is open') };
  const name = item.name;
  if (c.d.tooSmall) return name === 'q' || name === 'ctrl+c' ? quit(s) : { state: s };
  const b = findBinding(modeOf(s), name);
  if (!b) return { state: s };
  if (!available(b, c.snap.readOnly)) {
    return {
      state: problem(
        s,
        c.now,
        b.mutates
          ? `${name} (${b.label.toLowerCase()}) is disabled: swantop runs --read-only`
          : `${name} (${b.label.toLowerCase()}) has no use read-only: nothing can act on tagged rows`,
      ),
    };
  }
  // A key that changes the daemon counts only when pressed on its own: keys that arrive in one
  // read are a paste, key repeat or a stuck key, not a decision.
  if (b.mutates && !alone)
    return {
      state: problem(
        s,
        c.now,
        `${name} ignored: it came in one read with other keys (a paste?); press it on its own`,
      ),
    };
  return b.run(s, c);
}

function quit(s: UiState): Step {
  return { state: s, effects: [{ kind: 'quit' }] };
}

function answer(s: UiState, item: InputItem, c: KeyContext, alone: boolean): Step {
  const confirm = s.confirm!;
  const cancel = (): Step => ({ state: info({ ...s, confirm: undefined }, c.now, 'cancelled') });
  if (item.kind === 'paste') return { state: s };
  const name = item.name;
  if (name === 'n' || name === 'N' || name === 'esc' || name === 'ctrl+c') return cancel();
  if (name === 'y' || name === 'Y') {
    // Like the key that asked, the answer counts only on its own.
    if (!alone) return { state: s };
    let next: UiState = { ...s, confirm: undefined };
    if (confirm.clears)
      next = setList(next, confirm.clears, {
        ...next.lists[confirm.clears],
        tags: new Map(),
      } as never);
    return { state: next, effects: confirm.effects };
  }
  return { state: s };
}

function promptInput(s: UiState, p: Prompt, item: InputItem, c: KeyContext): Step {
  if (item.kind === 'key' && (item.name === 'esc' || item.name === 'ctrl+c')) {
    if (p.kind === 'filter')
      return {
        state: setList({ ...s, prompt: undefined }, p.view, {
          ...s.lists[p.view],
          filter: '',
        } as never),
      };
    return { state: info({ ...s, prompt: undefined }, c.now, 'redirect cancelled') };
  }
  if (item.kind === 'key' && item.name === 'enter') {
    if (p.kind === 'filter') return { state: { ...s, prompt: undefined } };
    return submitRedirect(s, p, c);
  }
  const edit: LineEdit | undefined = editLine(p.text, p.cursor, item);
  if (!edit) return { state: s };
  if (p.kind === 'filter') {
    const next = setList(s, p.view, { ...s.lists[p.view], filter: edit.text } as never);
    return { state: { ...next, prompt: { ...p, text: edit.text, cursor: edit.cursor } } };
  }
  return {
    state: {
      ...s,
      prompt: { ...p, text: edit.text, cursor: edit.cursor, error: undefined, warning: undefined },
    },
  };
}

function submitRedirect(s: UiState, p: Extract<Prompt, { kind: 'redirect' }>, c: KeyContext): Step {
  const gateway = p.text.trim();
  const bad = gatewayProblem(gateway);
  if (bad) return { state: { ...s, prompt: { ...p, error: bad, warning: undefined } } };
  // The monitor refuses to send a peer to the address it already talks to: say why here.
  const self = gatewayIsSelf(
    gateway,
    p.targets.map((t) => c.snap.ikes.get(t.uniqueid)?.sa.localHost),
  );
  if (self) return { state: { ...s, prompt: { ...p, error: self, warning: undefined } } };
  const label = `redirect ${describeTargets(p.targets)} to ${sanitize(gateway)}`;
  return {
    state: setList({ ...s, prompt: undefined }, 'sas', { ...s.lists.sas, tags: new Map() }),
    effects: [{ kind: 'redirect', targets: p.targets, gateway, label }],
  };
}
