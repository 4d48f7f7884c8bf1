import { mkdirSync } from 'node:fs';

/** Scratch files of a bench run: output counts, sockets of the scripted daemon. */
export const WORK_DIR = '/tmp/swantop-bench';

export function workPath(name: string): string {
  mkdirSync(WORK_DIR, { recursive: true });
  return `${WORK_DIR}/${name}`;
}
