/**
 * Starts the integration tests' own lab (prefix swt, dir /run/swantop-test-lab), beside any
 * developer lab, and hands its LabInfo to the tests: `inject('lab')`. Any leftover test lab
 * is torn down first; if the lab cannot start, the run fails with the reason (no test runs
 * against a lab that is not there).
 *
 * Two runs with the same prefix would tear down each other's daemons, so a run holds a lock
 * file for its whole duration and a second run waits for it. SWANTOP_TEST_LAB_PREFIX and
 * SWANTOP_TEST_LAB_DIR give a run a lab of its own instead.
 */
import { open, readFile, rm } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { type LabInfo, startLab, stopLab } from '../../lab/lab.js';

declare module 'vitest' {
  interface ProvidedContext {
    lab: LabInfo;
  }
}

export const TEST_LAB = {
  dir: process.env.SWANTOP_TEST_LAB_DIR || '/run/swantop-test-lab',
  prefix: process.env.SWANTOP_TEST_LAB_PREFIX || 'swt',
} as const;

const LOCK_WAIT_MS = 20 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function takeLock(path: string): Promise<void> {
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
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new Error(`another test run (pid ${owner}) has held the test lab for 20 minutes`);
    }
    if (!told) {
      process.stderr.write(
        `test lab: waiting for the run in pid ${owner} to finish with ${path}\n`,
      );
      told = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const lock = `/run/swantop-test-lab-${TEST_LAB.prefix}.lock`;
  await takeLock(lock);
  let lab: LabInfo;
  try {
    lab = await startLab({
      ...TEST_LAB,
      log: (line) => process.stderr.write(`test lab: ${line}\n`),
    });
  } catch (e) {
    // vitest runs no teardown for a setup that threw; the daemon logs stay in the lab dir.
    await stopLab(TEST_LAB).catch(() => {});
    await rm(lock, { force: true });
    throw new Error(`the integration tests' strongSwan lab did not start: ${(e as Error).message}`);
  }
  project.provide('lab', lab);
  return async () => {
    try {
      if (process.env.SWANTOP_KEEP_TEST_LAB === '1') {
        process.stderr.write(`test lab: left running at ${lab.dir} (SWANTOP_KEEP_TEST_LAB=1)\n`);
        return;
      }
      await stopLab(TEST_LAB);
    } finally {
      await rm(lock, { force: true });
    }
  };
}
