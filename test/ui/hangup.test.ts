/*
 * The terminal vanishes under the running monitor (an SSH session drops, a window closes).
 * Restoring the screen then fails with EIO, and leaving through process.exit() made Node's own
 * terminal reset fail its check and crash (exit 139, a core dump, a kernel log line) about two
 * times in three. The monitor must end as a hangup does: by SIGHUP, status 129.
 *
 * The built CLI runs in a tmux pane under a shell that ignores SIGHUP, so the shell outlives
 * the pane and records the CLI's exit status; killing the tmux server destroys the terminal.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'swantop-hangup-'));
const server = `swantop-hangup-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args]);

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // already gone: that is what the test does
  }
  rmSync(dir, { recursive: true, force: true });
});

async function exitStatusAfterHangup(run: number): Promise<number> {
  const status = path.join(dir, `status-${run}`);
  // No daemon at that path: the monitor is up and retrying, as it would be on a real gateway.
  const command = `trap '' HUP; ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} --uri unix://${dir}/none.vici; echo $? > ${status}`;
  tmux('new-session', '-d', '-s', `h${run}`, '-x', '100', '-y', '30', 'sh', '-c', command);
  await new Promise((r) => setTimeout(r, 2500));
  tmux('kill-server');
  const deadline = Date.now() + 10_000;
  while (!existsSync(status) || readFileSync(status, 'utf8').trim() === '') {
    if (Date.now() > deadline)
      throw new Error('the monitor did not end after its terminal vanished');
    await new Promise((r) => setTimeout(r, 100));
  }
  return Number(readFileSync(status, 'utf8').trim());
}

describe('the terminal vanishing under the monitor', () => {
  it('ends it by SIGHUP (129), never by a crash (139)', async () => {
    expect(existsSync(cli), 'npm test builds dist/ first').toBe(true);
    for (let run = 0; run < 3; run++) expect(await exitStatusAfterHangup(run)).toBe(129);
  }, 60_000);
});
