/**
 * One bench run at a time on a machine: every run shares the bench lab (prefix swb,
 * /run/swantop-bench-lab) and the bench's tmux server, and a second run would restart the first
 * one's daemons, grow its lab, or kill its terminals in the middle of a measurement (seen: an
 * output run lost its tmux server to another worktree's run ending). A run holds this lock from
 * start to cleanup; a second one waits, and says for whom. A lock whose owner is gone is taken.
 */
import { open, readFile, rm } from 'node:fs/promises';

export const BENCH_LOCK = '/run/swantop-bench-lab.lock';
const WAIT_MS = 90 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function takeBenchLock(log: (line: string) => void, path = BENCH_LOCK): Promise<void> {
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(owner) || owner <= 0 || !alive(owner)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() - started > WAIT_MS)
      throw new Error(`another bench run (pid ${owner}) has held ${path} for 90 minutes`);
    if (!told) {
      log(`waiting for the bench run in pid ${owner} to finish (${path})`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Drops the lock if this process holds it. */
export async function releaseBenchLock(path = BENCH_LOCK): Promise<void> {
  const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  if (owner === process.pid) await rm(path, { force: true });
}
