import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkRepeats, parseArgs, UsageError } from '../../source/args.js';

const flags = { readOnly: false, color: true, once: false, json: false };
const cli = path.resolve('dist/cli.js');

describe('command-line flags', () => {
  test('a flag with a value given twice is refused, naming it; repeated switches pass', () => {
    expect(() => checkRepeats(['--uri', '/a', '--uri', '/b', '--once'])).toThrow(
      new UsageError('--uri given twice; give it once (see swantop --help)'),
    );
    expect(() => checkRepeats(['--interval=1', '--interval', '2'])).toThrow(
      /--interval given twice/,
    );
    expect(() => checkRepeats(['--once', '--once', '--uri', '/a'])).not.toThrow();
  });

  test('--interval takes decimal seconds: 0x10, 1e1 and Infinity are refused', () => {
    for (const bad of ['0x10', '1e1', 'Infinity', ' ', '0.4', '3601'])
      expect(() => parseArgs([], { ...flags, interval: bad }, [], {}), bad).toThrow(UsageError);
    expect(parseArgs([], { ...flags, interval: '.5' }, [], {}).intervalMs).toBe(500);
    expect(parseArgs([], { ...flags, interval: '16' }, [], {}).intervalMs).toBe(16_000);
  });

  test('the CLI says so in one line and exits 2', () => {
    expect(existsSync(cli), 'npm test builds dist/ first').toBe(true);
    const r = spawnSync(process.execPath, [cli, '--uri', '/a', '--uri', '/b', '--once'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('swantop: --uri given twice; give it once (see swantop --help)\n');
  });

  test('a path that is no socket is said to be none, in one line', () => {
    for (const [uri, what] of [
      ['/etc/passwd', 'a regular file'],
      ['/etc', 'a directory'],
    ] as const) {
      const r = spawnSync(process.execPath, [cli, '--uri', uri, '--once'], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`swantop: ${uri} is ${what}, not a socket: check the vici uri\n`);
    }
  });
});
