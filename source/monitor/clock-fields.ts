/*
 * The fields of a listed SA that are the daemon's clock, not its state: seconds since it was
 * established or last used, seconds until it rekeys or expires. Listed again a moment later,
 * an idle SA differs from its last listing only in these, each moved by the time that passed.
 * Row-table.ts (comparing records) and sa-decoder.ts (comparing bodies' bytes) both judge
 * "the same SA, only later" by this one rule.
 */

/** Record fields (views.ts) of seconds that grow with time, and of seconds that shrink with it. */
export const GROWING_FIELDS: ReadonlySet<string> = new Set([
  'established',
  'installTime',
  'useIn',
  'useOut',
]);
export const SHRINKING_FIELDS: ReadonlySet<string> = new Set([
  'rekeyTime',
  'reauthTime',
  'lifeTime',
]);

/** The same fields as list-sa names them on the wire. */
export const GROWING_WIRE_KEYS = ['established', 'install-time', 'use-in', 'use-out'] as const;
export const SHRINKING_WIRE_KEYS = ['rekey-time', 'reauth-time', 'life-time'] as const;

/**
 * Whether a clock that read `before` reads `after` `elapsedS` seconds later. The daemon's
 * seconds are whole and our clock is the arrival time: one second of slack.
 */
export function clockAgrees(
  before: number,
  after: number,
  elapsedS: number,
  grows: boolean,
): boolean {
  const expected = grows ? before + elapsedS : before - elapsedS;
  return Math.abs(after - expected) <= 1.01;
}
