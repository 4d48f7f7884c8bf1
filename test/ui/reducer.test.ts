import { describe, expect, test } from 'vitest';
import { MIN_INTERVAL_S } from '../../source/args.js';
import type { MonitorSnapshot } from '../../source/monitor/types.js';
import { createDeriver } from '../../source/ui/derive.js';
import { createKeyDecoder, type InputItem } from '../../source/ui/input.js';
import { INTERVAL_STEPS } from '../../source/ui/panes/global.js';
import { reduce } from '../../source/ui/reducer.js';
import {
  type Effect,
  initialState,
  RELOAD_WAIT_MS,
  STATUS_ERROR_MS,
  STATUS_INFO_MS,
  statusShown,
  type UiState,
} from '../../source/ui/state.js';
import { conns, sampleRows, snapshot, T0 } from './fixtures.js';

/*
 * Keys as the reducer sees them: each string is one read of the terminal, decoded as input.ts
 * decodes it (a plain paste and fast typing look alike; a bracketed paste is marked).
 */

function run(snap: MonitorSnapshot, reads: readonly string[], from: UiState = initialState()) {
  const derive = createDeriver();
  const decode = createKeyDecoder();
  const world = { snap, columns: 120, rows: 40, now: T0 + 2000 };
  let state = from;
  const effects: Effect[] = [];
  for (const read of reads) {
    // Ink hands a read over as runs of text and whole escape sequences.
    const events = read.split(/(\x1b\[[0-9;]*[~A-Z])/).filter((x) => x !== '');
    const items: InputItem[] = decode(events);
    const step = reduce(state, { type: 'read', items }, world, derive);
    state = step.state;
    effects.push(...(step.effects ?? []));
  }
  return { state, effects, d: derive(state, world) };
}

const PASTE = (text: string) => `\x1b[200~${text}\x1b[201~`;
const acting = (effects: Effect[]) =>
  effects.filter((e) => ['rekey', 'terminate', 'redirect', 'initiate'].includes(e.kind));

describe('a paste never acts on the daemon', () => {
  test('"try it" pasted without bracketed paste (one read) under a filter: nothing is terminated, nothing asked', () => {
    const snap = snapshot(sampleRows(3));
    const r = run(snap, ['/', 'conn-3', '\r', 'try it']);
    expect(r.state.lists.sas.filter).toBe('conn-3');
    expect(acting(r.effects)).toEqual([]);
    expect(r.state.confirm).toBeUndefined();
    expect(r.state.status?.text).toMatch(/ignored: it came in one read with other keys/);
  });

  test('"try it" as a bracketed paste outside a prompt is dropped and said so', () => {
    const r = run(snapshot(sampleRows(3)), [PASTE('try it')]);
    expect(acting(r.effects)).toEqual([]);
    expect(r.state.confirm).toBeUndefined();
    expect(r.state.status?.text).toBe('paste ignored: no prompt is open');
  });

  test('a question is not answered by keys of a later read that holds more than the answer', () => {
    const r = run(snapshot(sampleRows(3)), ['t', 'yes']);
    expect(r.state.confirm?.question).toMatch(/^Terminate IKE_SA conn-1\[1\]/);
    expect(acting(r.effects)).toEqual([]);
    // y on its own answers it.
    const answered = run(snapshot(sampleRows(3)), ['y'], r.state);
    expect(acting(answered.effects)).toEqual([
      expect.objectContaining({
        kind: 'terminate',
        targets: [expect.objectContaining({ uniqueid: '1' })],
      }),
    ]);
  });

  test('a bracketed paste goes into an open prompt as text: the filter, the gateway', () => {
    const f = run(snapshot(sampleRows(3)), ['/', PASTE('conn-2\r')]);
    expect(f.state.prompt).toMatchObject({ kind: 'filter', text: 'conn-2 ' });
    expect(f.state.lists.sas.filter).toBe('conn-2 ');
    const d = run(snapshot(sampleRows(3)), ['d', PASTE('192.0.2.7')]);
    expect(d.state.prompt).toMatchObject({ kind: 'redirect', text: '192.0.2.7' });
    expect(acting(d.effects)).toEqual([]);
  });

  test('a paste into a y/n question does not answer it', () => {
    const r = run(snapshot(sampleRows(3)), ['t', PASTE('y')]);
    expect(r.state.confirm).toBeDefined();
    expect(acting(r.effects)).toEqual([]);
  });
});

describe('bursts of keys are applied in order, each seeing the one before', () => {
  test('60 j in one read move the selection 60 rows', () => {
    const r = run(snapshot(sampleRows(40)), ['j'.repeat(60)]);
    expect(r.d.saPlace.selected).toBe(60);
  });

  test('500 keys in one read: no error, and the selection at the last row', () => {
    const r = run(snapshot(sampleRows(40)), ['j'.repeat(500)]);
    expect(r.d.saPlace.selected).toBe(79);
  });

  test('a 70-character paste into the filter, plain or bracketed, sets the text', () => {
    const text = 'c'.repeat(70);
    expect(run(snapshot(sampleRows(3)), ['/', text]).state.lists.sas.filter).toBe(text);
    expect(run(snapshot(sampleRows(3)), [`/${text}`]).state.lists.sas.filter).toBe(text);
    expect(run(snapshot(sampleRows(3)), ['/', PASTE(text)]).state.lists.sas.filter).toBe(text);
  });
});

describe('Ctrl-C cancels a prompt or a question, and quits elsewhere', () => {
  test('in the filter prompt it clears the filter, as Esc does', () => {
    const r = run(snapshot(sampleRows(3)), ['/', 'conn', '\x03']);
    expect(r.state.prompt).toBeUndefined();
    expect(r.state.lists.sas.filter).toBe('');
    expect(r.effects).toEqual([]);
  });

  test('in a y/n question it cancels it', () => {
    const r = run(snapshot(sampleRows(3)), ['t', '\x03']);
    expect(r.state.confirm).toBeUndefined();
    expect(r.state.status?.text).toBe('cancelled');
    expect(r.effects).toEqual([]);
  });

  test('in the redirect prompt it cancels it', () => {
    const r = run(snapshot(sampleRows(3)), ['d', '192.0.2.1', '\x03']);
    expect(r.state.prompt).toBeUndefined();
    expect(r.effects).toEqual([]);
  });

  test('anywhere else it quits', () => {
    expect(run(snapshot(sampleRows(3)), ['\x03']).effects).toEqual([{ kind: 'quit' }]);
  });
});

describe('tagged actions name their targets', () => {
  test('a tag hidden by the filter: the question says so and names it', () => {
    const snap = snapshot(sampleRows(4));
    // Tag conn-1 under the filter "conn-1", then filter to conn-2 and ask to terminate.
    const r = run(snap, ['/', 'conn-1', '\r', ' ', '/', '\x15', 'conn-2', '\r', 't']);
    expect(r.state.lists.sas.tags.size).toBe(1);
    expect(r.state.confirm?.question).toBe(
      'Terminate 1 tagged SA (it is hidden by the filter "conn-2")?',
    );
    expect(r.state.confirm?.details).toEqual(['IKE_SA conn-1[1] (peer1.example.test)']);
  });

  test('many targets: the first few by name, then "and N more"', () => {
    const r = run(snapshot(sampleRows(8)), [...Array(8).fill([' ', 'j']).flat(), 't']);
    expect(r.state.confirm?.question).toBe('Terminate 8 tagged SAs?');
    expect(r.state.confirm?.details).toEqual([
      'IKE_SA conn-1[1] (peer1.example.test)',
      'IKE_SA conn-2[2] (peer2.example.test)',
      'IKE_SA conn-3[3] (peer3.example.test)',
      'and 5 more',
    ]);
  });
});

describe('read-only', () => {
  test('r, t, d and i say why they do nothing', () => {
    const snap = snapshot(sampleRows(3), { readOnly: true });
    for (const key of ['r', 't', 'd']) {
      const r = run(snap, [key]);
      expect(r.effects).toEqual([]);
      expect(r.state.confirm).toBeUndefined();
      expect(r.state.prompt).toBeUndefined();
      expect(r.state.status?.text).toMatch(/is disabled: swantop runs --read-only/);
    }
    const i = run(snap, ['2', 'i']);
    expect(i.state.status?.text).toMatch(/^i \(init\) is disabled: swantop runs --read-only/);
  });
});

describe('the status line', () => {
  test('a message shows for a few seconds (errors longer), and a view change clears it', () => {
    const snap = snapshot(sampleRows(3));
    const r = run(snap, ['+']);
    const at = r.state.status!.at;
    expect(statusShown(r.state, snap, at + 4000)?.text).toBe('polling every 2s');
    expect(statusShown(r.state, snap, at + STATUS_INFO_MS)).toBeUndefined();
    const err = run(snap, ['r'], { ...r.state, status: undefined });
    expect(err.state.status).toBeUndefined();
    const ro = run(snapshot(sampleRows(3), { readOnly: true }), ['r']);
    expect(statusShown(ro.state, snap, ro.state.status!.at + STATUS_INFO_MS)).toBeDefined();
    expect(statusShown(ro.state, snap, ro.state.status!.at + STATUS_ERROR_MS)).toBeUndefined();
    expect(run(snap, ['2'], r.state).state.status).toBeUndefined();
  });

  test('the store’s message from before a view change is not shown after it', () => {
    const said = { at: T0 + 1000, level: 'info' as const, text: 'terminate rw[3]: 1 matched' };
    const snap = snapshot(sampleRows(3), { status: said });
    expect(statusShown(initialState(), snap, T0 + 2000)?.text).toBe(said.text);
    const moved = run(snap, ['2']).state;
    expect(statusShown(moved, snap, T0 + 2000)).toBeUndefined();
  });

  test('R says when the connection list it asked for has come', () => {
    const snap = snapshot(sampleRows(1), { conns: conns() });
    const asked = run(snap, ['2', 'R']);
    expect(asked.state.status?.text).toBe('reloading connections…');
    expect(asked.effects).toContainEqual({ kind: 'refreshConns' });
    const derive = createDeriver();
    const world = { snap, columns: 120, rows: 40, now: T0 + 3000 };
    const came = reduce(asked.state, { type: 'conns-listed', at: T0 + 2500 }, world, derive);
    expect(came.state.status?.text).toBe(`connections reloaded: ${conns().length} loaded`);
    // No list at all: said after a while, with the link's state.
    const down = snapshot(sampleRows(1), { link: { kind: 'closed', since: T0 } });
    const failed = statusShown(asked.state, down, asked.state.reloadAskedAt! + RELOAD_WAIT_MS);
    expect(failed).toMatchObject({ level: 'error' });
    expect(failed?.text).toBe(
      'connections not reloaded: no list came within 10 s (the link is closed)',
    );
  });
});

describe('polling keys', () => {
  test('- stops at the shortest interval --interval accepts (0.5 s)', () => {
    const r = run(snapshot(sampleRows(1), { intervalMs: 500 }), ['-']);
    expect(r.effects).toEqual([{ kind: 'setInterval', ms: 500 }]);
    expect(r.state.status?.text).toBe('polling every 500ms (the shortest)');
    expect(INTERVAL_STEPS[0]).toBe(MIN_INTERVAL_S * 1000);
  });
});

describe('prompts', () => {
  test('the filter edits: ←/→ move, C-w deletes a word, C-u what is before the cursor', () => {
    const snap = snapshot(sampleRows(3));
    const r = run(snap, ['/', 'rw carol', '\x17']);
    expect(r.state.lists.sas.filter).toBe('rw ');
    const m = run(snap, ['/', 'abd', '\x1b[D', 'c']);
    expect(m.state.lists.sas.filter).toBe('abcd');
    const u = run(snap, ['/', 'abcd', '\x1b[D', '\x1b[D', '\x15']);
    expect(u.state.lists.sas.filter).toBe('cd');
    expect(u.state.prompt).toMatchObject({ cursor: 0 });
  });

  test('the redirect prompt refuses the SA’s own local address, as the monitor would', () => {
    const snap = snapshot(sampleRows(1));
    const own = snap.ikes.get('1')!.sa.localHost!;
    const r = run(snap, ['d', own, '\r']);
    expect(r.state.prompt).toMatchObject({ kind: 'redirect' });
    expect((r.state.prompt as { error?: string }).error).toMatch(/own address on that SA/);
    expect(acting(r.effects)).toEqual([]);
    const ok = run(snap, ['d', 'gw2.example.test', '\r']);
    expect(acting(ok.effects)).toEqual([
      expect.objectContaining({ kind: 'redirect', gateway: 'gw2.example.test' }),
    ]);
  });

  test('Shift-Tab goes back a view', () => {
    expect(run(snapshot(sampleRows(1)), ['\x1b[Z']).state.view).toBe('events');
    expect(run(snapshot(sampleRows(1)), ['3', '\x1b[Z']).state.view).toBe('conns');
  });
});
