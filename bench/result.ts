/**
 * One line of the bench's results. `BenchResult` is the type bench/codec.ts defined first (re-
 * exported here so every bench imports it from one place); `BenchRow` adds what the table needs
 * to be read without guessing: which of value or ratio the target bounds, and in which
 * direction, and a note that names the design limit when a target is missed.
 */
import type { BenchResult } from './codec.js';

export type { BenchResult } from './codec.js';

export interface BenchRow extends Omit<BenchResult, 'target' | 'met'> {
  /** null for rows that are context (a baseline), not a target. */
  target: number | null;
  met: boolean | null;
  /** What `target` bounds; codec and fuzz rows bound the ratio unless they say otherwise. */
  bounds?: 'value' | 'ratio';
  /** `<=` (lower is better) or `>=`. */
  cmp?: '<=' | '>=';
  /** What the reference is, and when missed, what stops it. */
  note?: string;
  /** Which benchmark produced it (daemon-cost, render...). */
  bench?: string;
}

const round = (x: number, digits = 3): number => {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export interface RowSpec {
  bench: string;
  name: string;
  value: number;
  unit: string;
  reference: number;
  target: number | null;
  bounds: 'value' | 'ratio';
  cmp?: '<=' | '>=';
  note?: string;
  /** Overrides value/reference (e.g. a net figure). */
  ratio?: number;
  /** Extra condition for `met` (e.g. "still refreshing every 2 s"). */
  alsoRequired?: boolean;
  /** The design limit known to stop this target (module, what it does); shown when missed. */
  limit?: string;
}

export function row(s: RowSpec): BenchRow {
  const cmp = s.cmp ?? '<=';
  const ratio = s.ratio ?? (s.reference === 0 ? Number.POSITIVE_INFINITY : s.value / s.reference);
  const measured = s.bounds === 'value' ? s.value : ratio;
  let met: boolean | null = null;
  if (s.target !== null) {
    met = Number.isFinite(measured) && (cmp === '<=' ? measured <= s.target : measured >= s.target);
    if (s.alsoRequired === false) met = false;
  }
  let note = s.note;
  if (met === false && s.target !== null) {
    const by =
      s.target === 0
        ? `${fmtPlain(measured)} where ${fmtPlain(s.target)} is allowed`
        : cmp === '<='
          ? `${fmtPlain(measured / s.target)}× the target`
          : `${fmtPlain(measured / s.target)}× the target (needs ≥ 1×)`;
    note = [`MISSED by ${by}`, s.limit ? `limit: ${s.limit}` : undefined, note]
      .filter(Boolean)
      .join('; ');
  }
  return {
    bench: s.bench,
    name: s.name,
    value: round(s.value),
    unit: s.unit,
    reference: round(s.reference),
    ratio: round(ratio),
    target: s.target,
    met,
    bounds: s.bounds,
    cmp,
    note,
  };
}

/**
 * Codec and fuzz rows come as BenchResult: their target bounds the ratio; the direction is
 * the one under which their own `met` holds (`≤` when either would).
 */
export function fromResult(bench: string, r: BenchResult): BenchRow {
  const cmp = r.ratio !== r.target && r.ratio > r.target === r.met ? '>=' : '<=';
  return { ...r, bench, bounds: 'ratio', cmp };
}

export function describeTarget(r: BenchRow): string {
  if (r.target === null) return '—';
  const cmp = (r.cmp ?? '<=') === '<=' ? '≤' : '≥';
  return r.bounds === 'value'
    ? `${cmp} ${fmt(r.target)} ${r.unit}`
    : `ratio ${cmp} ${fmt(r.target)}`;
}

const fmtPlain = (x: number): string => (Number.isFinite(x) ? String(round(x, 2)) : String(x));

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return x.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function verdict(r: BenchRow): string {
  return r.met === null ? 'info' : r.met ? 'ok' : 'MISS';
}
