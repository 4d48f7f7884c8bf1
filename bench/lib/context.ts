import type { BenchLab } from './lab.js';

export interface BenchContext {
  /** Shorter windows and fewer samples, for developing the harness (not for the README). */
  quick: boolean;
  log: (line: string) => void;
  lab: BenchLab;
}

/** The measurement window: full length, or a tenth (at least `minS`) with --quick. */
export function windowS(ctx: BenchContext, fullS: number, minS = 10): number {
  return ctx.quick ? Math.max(minS, Math.round(fullS / 10)) : fullS;
}
