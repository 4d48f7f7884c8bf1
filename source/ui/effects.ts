import { firstLine } from '../monitor/first-line.js';
import type { ActionResult, MonitorActions } from '../monitor/types.js';
import type { Action } from './reducer.js';
import type { Effect } from './state.js';

/*
 * Carrying out what the reducer asks of the monitor. An action's progress and outcome are
 * the monitor's to say, on its one channel (`snapshot.status`: "rekey rw[3]…" while it runs,
 * then its outcome), so the screen never has two versions of one outcome to choose between.
 */

export interface EffectHost {
  actions: MonitorActions;
  dispatch: (a: Action) => void;
  clock: () => number;
  quit: () => void;
}

/**
 * The outcome arrives in the snapshot; only a monitor that breaks its contract (rejects
 * instead of reporting) is told about here, so that no failure goes unsaid.
 */
function report(h: EffectHost, label: string, p: Promise<ActionResult>): void {
  p.catch((e: unknown) =>
    h.dispatch({
      type: 'status',
      status: { at: h.clock(), level: 'error', text: `${label} failed: ${firstLine(e)}` },
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
