import type { ActionResult, MonitorActions } from '../monitor/types.js';
import type { Action } from './reducer.js';
import type { Effect } from './state.js';

/*
 * Carrying out what the reducer asks of the monitor. An action's progress and outcome come
 * back as status actions: "rekey rw[3]…" while it runs, then the monitor's own words.
 */

export interface EffectHost {
  actions: MonitorActions;
  dispatch: (a: Action) => void;
  clock: () => number;
  quit: () => void;
}

function report(h: EffectHost, label: string, p: Promise<ActionResult>): void {
  h.dispatch({
    type: 'status',
    status: { at: h.clock(), level: 'info', text: `${label}…`, pending: true },
  });
  p.then(
    // The monitor's text already names the action and its targets.
    (r) =>
      h.dispatch({
        type: 'status',
        status: { at: h.clock(), level: r.ok ? 'info' : 'error', text: r.text },
      }),
    (e: unknown) =>
      h.dispatch({
        type: 'status',
        status: {
          at: h.clock(),
          level: 'error',
          text: `${label} failed: ${e instanceof Error ? e.message : String(e)}`,
        },
      }),
  );
}

export function runEffect(h: EffectHost, e: Effect): void {
  const a = h.actions;
  switch (e.kind) {
    case 'quit':
      h.quit();
      return;
    case 'rekey':
      report(h, e.label, a.rekey(e.targets));
      return;
    case 'terminate':
      report(h, e.label, a.terminate(e.targets));
      return;
    case 'redirect':
      report(h, e.label, a.redirect(e.targets, e.gateway));
      return;
    case 'initiate':
      report(h, e.label, a.initiate(e.conns));
      return;
    case 'refreshConns':
      a.refreshConns();
      return;
    case 'setInterval':
      a.setIntervalMs(e.ms);
      return;
    case 'clearProgress':
      a.clearProgress();
      return;
  }
}
