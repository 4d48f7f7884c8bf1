/**
 * One bench run at a time on a machine: every run shares the bench lab (prefix swb,
 * /run/swantop-bench-lab) and the bench's tmux server, and a second run would restart the first
 * one's daemons, grow its lab, or kill its terminals in the middle of a measurement (seen: an
 * output run lost its tmux server to another worktree's run ending). A run holds this lock from
 * start to cleanup; a second one waits, and says for whom.
 */
import { releaseLock, takeLock } from '../../lab/lock.js';

export const BENCH_LOCK = '/run/swantop-bench-lab.lock';

export async function takeBenchLock(log: (line: string) => void, path = BENCH_LOCK): Promise<void> {
  await takeLock(path, { who: 'bench run', waitMs: 90 * 60_000, pollMs: 2000, log });
}

/** Drops the lock if this process holds it. */
export async function releaseBenchLock(path = BENCH_LOCK): Promise<void> {
  await releaseLock(path);
}
