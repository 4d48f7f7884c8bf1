import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LabInfo } from './topology.js';

/** Where a running lab records its LabInfo, so other processes (swantop, benchmarks) find it. */
export const STATE_FILE = 'lab.json';

export async function saveLab(lab: LabInfo): Promise<void> {
  await writeFile(path.join(lab.dir, STATE_FILE), `${JSON.stringify(lab, null, 2)}\n`);
}

/** The lab recorded in a dir, or undefined when none was started there (or it was stopped). */
export async function readLab(dir: string): Promise<LabInfo | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, STATE_FILE), 'utf8')) as LabInfo;
  } catch {
    return undefined;
  }
}
