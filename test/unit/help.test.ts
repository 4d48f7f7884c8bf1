/*
 * source/help.ts is the one source of --help, the man page and the completion: the built CLI
 * must print exactly its text, and every flag it documents must be one the parser accepts.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../source/args.js';
import { FLAGS, helpText } from '../../source/help.js';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/cli.js');

describe('help', () => {
  it('swantop --help prints the text of source/help.ts', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--help']);
    // meow puts the package's description first, then the help text, both indented.
    expect(stdout).toContain(helpText().trimEnd());
    for (const { flag } of FLAGS) expect(stdout).toContain(flag);
  });

  it('every documented flag is one the parser knows', () => {
    const flags = { readOnly: false, color: true, once: true, json: false };
    for (const { flag, value } of FLAGS) {
      const argv = value ? [flag, flag === '--uri' ? 'unix:///x' : '2'] : [flag];
      expect(() => parseArgs(argv, flags, [], {}), flag).not.toThrow();
    }
  });
});
