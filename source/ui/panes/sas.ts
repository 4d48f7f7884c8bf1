import type { MonitorSnapshot, Target } from '../../monitor/types.js';
import { type Binding, type KeyContext, same } from '../binding.js';
import { SORT_ORDER, SORT_TITLES } from '../columns.js';
import { rowLineage } from '../derive.js';
import { type DisplayRow, isFolded, toggleFold } from '../rows.js';
import { saBodyLines, targetOf } from '../sa-view.js';
import { sanitize } from '../sanitize.js';
import { type Confirm, info, type Step, setList, type UiState } from '../state.js';
import type { Theme } from '../theme.js';
import { firstFew, type Move, moveTarget, plural, selectRow, toggleTag } from './list.js';

/* The SAs view: the tree of IKE_SAs and CHILD_SAs, its keys, and its body. */

export function moveSa(s: UiState, c: KeyContext, m: Move): UiState {
  const { saRows, saPlace, listHeight } = c.d;
  const to = moveTarget(saPlace.selected, saRows.length, m);
  return setList(
    s,
    'sas',
    selectRow(s.lists.sas, saRows, to, saPlace.top, listHeight, (r) => r.key, rowLineage),
  );
}

export function selectedSa(c: KeyContext): DisplayRow | undefined {
  return c.d.saRows.at(c.d.saPlace.selected);
}

export function tagSa(s: UiState, c: KeyContext): UiState {
  const row = selectedSa(c);
  if (!row) return s;
  const tagged = setList(s, 'sas', toggleTag(s.lists.sas, row.key, targetOf(row)));
  return moveSa(tagged, c, 1);
}

/** One target as a confirmation names it: kind, name, #id, and the peer's identity. */
export function targetName(t: Target, snap: MonitorSnapshot): string {
  if (t.kind === 'ike') {
    const rid = snap.ikes.get(t.uniqueid)?.sa.remoteId;
    return `IKE_SA ${sanitize(t.name)}[${sanitize(t.uniqueid)}]${rid ? ` (${sanitize(rid)})` : ''}`;
  }
  const ike = snap.ikes.get(t.ikeUniqueid);
  const rid = ike?.sa.remoteId;
  return `CHILD_SA ${sanitize(t.name)}{${sanitize(t.uniqueid)}} of ${sanitize(ike?.sa.name ?? '?')}[${sanitize(t.ikeUniqueid)}]${rid ? ` (${sanitize(rid)})` : ''}`;
}

/**
 * For a status line: one target as charon and the monitor name it (`rw[3]` an IKE_SA,
 * `net{4}` a CHILD_SA), several by count.
 */
export function describeTargets(ts: readonly Target[]): string {
  if (ts.length === 1) {
    const t = ts[0]!;
    const id = sanitize(t.uniqueid);
    return `${sanitize(t.name)}${t.kind === 'ike' ? `[${id}]` : `{${id}}`}`;
  }
  return plural(ts.length, 'SA');
}

/** The targets of an action: the tagged rows, else the selected one; and how many are hidden. */
function saTargets(s: UiState, c: KeyContext): { targets: Target[]; hidden: number } {
  const tags = s.lists.sas.tags;
  if (tags.size > 0) {
    let hidden = 0;
    for (const key of tags.keys()) if (c.d.saRows.indexOf(key) < 0) hidden++;
    return { targets: [...tags.values()], hidden };
  }
  const row = selectedSa(c);
  return { targets: row ? [targetOf(row)] : [], hidden: 0 };
}

/** A question about several targets names each (the first few) and says what is hidden. */
function askAbout(
  verb: string,
  what: string,
  targets: readonly Target[],
  hidden: number,
  s: UiState,
  c: KeyContext,
): Pick<Confirm, 'question' | 'details'> {
  const filter = s.lists.sas.filter;
  const hiddenNote =
    hidden > 0
      ? ` (${hidden === targets.length ? (hidden === 1 ? 'it is' : 'all are') : `${hidden} of them`} hidden by the filter "${sanitize(filter)}")`
      : '';
  return {
    question: `${verb} ${plural(targets.length, what)}${hiddenNote}?`,
    details: firstFew(targets.map((t) => targetName(t, c.snap))),
  };
}

function rekey(s: UiState, c: KeyContext): Step {
  const { targets, hidden } = saTargets(s, c);
  if (targets.length === 0) return same(s);
  const effects = [{ kind: 'rekey' as const, targets, label: `rekey ${describeTargets(targets)}` }];
  const cleared = setList(s, 'sas', { ...s.lists.sas, tags: new Map() });
  if (s.lists.sas.tags.size === 0) return { state: cleared, effects };
  return {
    state: {
      ...s,
      confirm: { ...askAbout('Rekey', 'tagged SA', targets, hidden, s, c), effects, clears: 'sas' },
    },
  };
}

function terminate(s: UiState, c: KeyContext): Step {
  const { targets, hidden } = saTargets(s, c);
  if (targets.length === 0) return same(s);
  const effects = [
    { kind: 'terminate' as const, targets, label: `terminate ${describeTargets(targets)}` },
  ];
  const asked =
    s.lists.sas.tags.size > 0
      ? askAbout('Terminate', 'tagged SA', targets, hidden, s, c)
      : { question: `Terminate ${targetName(targets[0]!, c.snap)}?`, details: [] };
  return { state: { ...s, confirm: { ...asked, effects, clears: 'sas' } } };
}

function redirect(s: UiState, c: KeyContext): Step {
  const ikes = saTargets(s, c).targets.map(
    (t): Target =>
      t.kind === 'ike'
        ? t
        : {
            kind: 'ike',
            uniqueid: t.ikeUniqueid,
            name: c.snap.ikes.get(t.ikeUniqueid)?.sa.name ?? t.name,
          },
  );
  const targets = [...new Map(ikes.map((t) => [t.uniqueid, t])).values()];
  if (targets.length === 0) return same(s);
  return { state: { ...s, prompt: { kind: 'redirect', targets, text: '', cursor: 0 } } };
}

function fold(folded: boolean) {
  return (s: UiState, c: KeyContext): Step => {
    const row = selectedSa(c);
    if (!row) return same(s);
    let next: UiState = { ...s, folds: toggleFold(s.folds, row.ike.key, folded) };
    // Folding from a CHILD_SA puts the selection on its IKE_SA.
    if (folded && row.kind === 'child')
      next = setList(next, 'sas', {
        ...s.lists.sas,
        key: row.ike.key,
        lineage: row.ike.lineage === undefined ? undefined : `ike:${row.ike.lineage}`,
      });
    return { state: next };
  };
}

export const SA_BINDINGS: readonly Binding[] = [
  {
    id: 'sa.rekey',
    keys: ['r'],
    label: 'Rekey',
    description: 'rekey the selected (or tagged) IKE_SA or CHILD_SA',
    modes: ['sas'],
    mutates: true,
    footer: true,
    run: rekey,
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
    run: terminate,
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
    run: redirect,
  },
  {
    id: 'sa.sort',
    keys: ['s'],
    label: 'Sort',
    description: 'pick the column to sort by',
    modes: ['sas'],
    footer: true,
    run: (s) => ({
      state: {
        ...s,
        overlay: { kind: 'sort' },
        overlayTop: Math.max(0, SORT_ORDER.indexOf(s.sort.column)),
      },
    }),
  },
  {
    id: 'sa.invert',
    keys: ['I'],
    label: 'Invert',
    description: 'invert the sort order',
    modes: ['sas'],
    run: (s, c) => ({
      state: info(
        { ...s, sort: { column: s.sort.column, desc: !s.sort.desc } },
        c.now,
        `sorted by ${SORT_TITLES[s.sort.column]}${s.sort.desc ? '' : ', descending'}`,
      ),
    }),
  },
  {
    id: 'sa.fold',
    keys: ['left'],
    label: 'Fold',
    description: 'fold: hide the CHILD_SAs of the IKE_SA',
    modes: ['sas'],
    run: fold(true),
  },
  {
    id: 'sa.unfold',
    keys: ['right'],
    label: 'Unfold',
    description: 'unfold: show the CHILD_SAs of the IKE_SA',
    modes: ['sas'],
    run: fold(false),
  },
  {
    id: 'sa.foldAll',
    keys: ['*'],
    label: 'FoldAll',
    description: 'fold or unfold every IKE_SA',
    modes: ['sas'],
    run: (s, c) => {
      const row = selectedSa(c);
      return {
        state: {
          ...s,
          folds: {
            all: !(row ? isFolded(s.folds, row.ike.key) : s.folds.all),
            except: new Set(),
          },
        },
      };
    },
  },
];

export function saBody(s: UiState, c: KeyContext, theme: Theme): string[] {
  const { d, snap } = c;
  const filter = s.lists.sas.filter;
  return saBodyLines({
    rows: d.saRows,
    top: d.saPlace.top,
    height: d.bodyHeight,
    selected: d.saPlace.selected,
    tagged: s.lists.sas.tags,
    ctx: {
      now: c.now,
      stale: snap.stale,
      oldAfterMs: Math.max(3 * snap.intervalMs, 5000),
      confirmedAt: snap.confirmedAt,
    },
    theme,
    width: c.columns,
    sort: s.sort,
    empty:
      snap.lastUpdateAt === undefined && snap.ikes.size === 0
        ? 'waiting for the first listing…'
        : filter
          ? `no SA matches "${sanitize(filter)}" (Esc clears)`
          : 'no IKE_SAs',
  });
}
