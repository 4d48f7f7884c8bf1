import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { nonCiEnv } from './child-env.js';
import { replay } from './vt.js';

// runApp in a real child process: the terminal (here, a pipe we read) must be back in the main
// buffer with a visible cursor after every way out.

const child = fileURLToPath(new URL('./run-app-child.tsx', import.meta.url));
const ENTER = '\x1b[?1049h';
const LEAVE = '\x1b[?25h\x1b[?1049l';
/** Bracketed paste: on with the screen, off again before it is left. */
const PASTE_ON = '\x1b[?2004h';
const PASTE_OFF = '\x1b[?2004l';

function run(mode: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, mode], {
    encoding: 'utf8',
    timeout: 30_000,
    env: nonCiEnv(),
  });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

/** Entered the alternate buffer first, drew the screen, and left it after the last frame. */
function expectRestored(out: string) {
  expect(out.startsWith(ENTER)).toBe(true);
  expect(out).toContain('conn-1');
  const leave = out.lastIndexOf(LEAVE);
  expect(leave).toBeGreaterThan(out.lastIndexOf('conn-1'));
  // Nothing drawn after leaving but our own result line.
  expect(out.slice(leave + LEAVE.length).trim()).toMatch(/^(RESULT|REJECTED)/);
  // Marked pastes only while the screen is up: the shell after us gets plain ones.
  expect(out.indexOf(PASTE_ON)).toBeGreaterThan(-1);
  expect(out.indexOf(PASTE_ON)).toBeLessThan(out.indexOf('conn-1'));
  expect(out.lastIndexOf(PASTE_OFF)).toBeGreaterThan(out.lastIndexOf('conn-1'));
  expect(out.lastIndexOf(PASTE_OFF)).toBeLessThan(leave);
}

describe('runApp restores the terminal', () => {
  test('on q', () => {
    const r = run('quit');
    expectRestored(r.out);
    // The screen as a terminal shows it just before leaving: after many incremental frames, every
    // line is still where it belongs (no frame drifted down a line).
    const screen = replay(r.out.slice(0, r.out.lastIndexOf(LEAVE)), 100, 30);
    expect(screen[0]).toMatch(/^swantop charon 5\.9\.8/);
    expect(screen[3]).toMatch(/^ 1 SAs {2}2 Connections {2}3 Events/);
    expect(screen[4]).toMatch(/^ NAME/);
    expect(screen[5]).toMatch(/^ -conn-1 /);
    expect(screen[6]).toMatch(/^ └─net /);
    expect(screen[28]).toMatch(/^\?Help/);
    expect(screen[29]).toBe('');
    expect(screen.filter((l) => l.startsWith('swantop')).length).toBe(1);
    // Console output waited for the screen to close, and came out made safe.
    expect(r.out).not.toContain('a line from the store');
    expect(r.err).toContain('a line from the store \\x1b[2J while the screen is up');
    expect(r.out).toContain('RESULT {"reason":"quit"}');
    expect(r.code).toBe(0);
  });

  test('on SIGTERM', () => {
    const r = run('sigterm');
    expectRestored(r.out);
    expect(r.out).toContain('RESULT {"reason":"signal","signal":"SIGTERM"}');
  });

  test('on SIGHUP', () => {
    const r = run('sighup');
    expectRestored(r.out);
    expect(r.out).toContain('RESULT {"reason":"signal","signal":"SIGHUP"}');
  });

  test('on a crash: restored, the caller gets the error, exit status 1 even if it does nothing', () => {
    const r = run('crash');
    expectRestored(r.out);
    expect(r.out).toContain('REJECTED boom from a timer');
    expect(r.err).not.toContain('boom');
    expect(r.code).toBe(1);
  });
});
