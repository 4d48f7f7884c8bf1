/**
 * Starts the integration tests' own lab (prefix swt, dir /run/swantop-test-lab), beside any
 * developer lab, and hands its LabInfo to the tests: `inject('lab')`. Any leftover test lab
 * is torn down first; if the lab cannot start, the run fails with the reason (no test runs
 * against a lab that is not there).
 *
 * Two runs with the same prefix would tear down each other's daemons, so a run holds a lock
 * file for its whole duration and a second run waits for it. SWANTOP_TEST_LAB_PREFIX and
 * SWANTOP_TEST_LAB_DIR give a run a lab of its own instead.
 *
 * SWANTOP_TEST_STRONGSWAN picks the daemons' strongSwan (a lab spec: `6.1`, `moon=6.1`; the
 * default is the host's 5.9.8). The version projects in vitest.config.ts set all three in
 * their `env`, which is read here from the project (this module serves every project).
 */

import type { TestProject } from 'vitest/node';
import { type LabInfo, startLab, stopLab } from '../../lab/lab.js';
import { releaseLock, takeLock } from '../../lab/lock.js';

declare module 'vitest' {
  interface ProvidedContext {
    lab: LabInfo;
  }
}

/** Where a project's test lab lives, and which strongSwan it runs (see the note above). */
export function testLab(env: Record<string, string | undefined> = process.env) {
  return {
    dir: env.SWANTOP_TEST_LAB_DIR || '/run/swantop-test-lab',
    prefix: env.SWANTOP_TEST_LAB_PREFIX || 'swt',
    strongswan: env.SWANTOP_TEST_STRONGSWAN || undefined,
  };
}

export const TEST_LAB = testLab();

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const where = testLab({ ...process.env, ...project.config.env });
  const { strongswan, ...loc } = where;
  const lock = `/run/swantop-test-lab-${loc.prefix}.lock`;
  const tag = strongswan ? `test lab ${strongswan}` : 'test lab';
  await takeLock(lock, {
    who: 'test run',
    waitMs: 20 * 60_000,
    pollMs: 1000,
    log: (line) => process.stderr.write(`test lab: ${line}\n`),
  });
  let lab: LabInfo;
  try {
    lab = await startLab({
      ...loc,
      ...(strongswan ? { strongswan } : {}),
      log: (line) => process.stderr.write(`${tag}: ${line}\n`),
    });
  } catch (e) {
    // vitest runs no teardown for a setup that threw; the daemon logs stay in the lab dir.
    await stopLab(loc).catch(() => {});
    await releaseLock(lock);
    throw new Error(
      `the integration tests' strongSwan lab${strongswan ? ` (${strongswan})` : ''} did not start: ${(e as Error).message}`,
    );
  }
  project.provide('lab', lab);
  return async () => {
    try {
      if (process.env.SWANTOP_KEEP_TEST_LAB === '1') {
        process.stderr.write(`${tag}: left running at ${lab.dir} (SWANTOP_KEEP_TEST_LAB=1)\n`);
        return;
      }
      await stopLab(loc);
    } finally {
      await releaseLock(lock);
    }
  };
}
