/**
 * A lock file for runs that share one lab (the test lab, the bench lab): a second run with the
 * same lab would restart the first one's daemons or kill its terminals mid-measurement, so it
 * waits, and says for whom. The file holds the owner's pid; a lock whose owner is gone is taken.
 */
import { open, readFile, rm } from 'node:fs/promises';

export interface LockOptions {
  /** What kind of run holds it, for the messages ("test run", "bench run"). */
  who: string;
  /** Give up after this long (ms). */
  waitMs: number;
  /** Look again this often (ms). */
  pollMs: number;
  /** Told once, when the lock is held by someone else. */
  log: (line: string) => void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function ownerOf(path: string): Promise<number> {
  return Number((await readFile(path, 'utf8').catch(() => '')).trim());
}

export async function takeLock(path: string, opts: LockOptions): Promise<void> {
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
    const owner = await ownerOf(path);
    if (!Number.isInteger(owner) || owner <= 0 || !alive(owner)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() - started > opts.waitMs) {
      const minutes = Math.round(opts.waitMs / 60_000);
      throw new Error(`another ${opts.who} (pid ${owner}) has held ${path} for ${minutes} minutes`);
    }
    if (!told) {
      opts.log(`waiting for the ${opts.who} in pid ${owner} to finish with ${path}`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}

/** Drops the lock if this process holds it. */
export async function releaseLock(path: string): Promise<void> {
  if ((await ownerOf(path)) === process.pid) await rm(path, { force: true });
}
