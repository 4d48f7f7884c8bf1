import { CommandError } from '../vici/errors.js';

/*
 * The one way an error becomes a line for the status bar, the feed or the header: its first
 * line, trimmed, never empty (a daemon's message or a stack must not break the screen).
 */

export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err ?? 'unknown error');
  return (msg.split('\n')[0] ?? msg).trim() || 'unknown error';
}

/** Why a command failed, for an action's outcome: the daemon's own words when it refused. */
export function actionReason(err: unknown): string {
  if (err instanceof CommandError && err.errmsg) return firstLine(err.errmsg);
  return firstLine(err);
}
