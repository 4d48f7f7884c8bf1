import { parseUri } from './vici/uri.js';

/** Bad command-line input: the CLI prints the message on one line and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Args {
  uri?: string;
  intervalMs: number;
  readOnly: boolean;
  noColor: boolean;
  once: boolean;
  json: boolean;
}

interface Flags {
  uri?: string;
  interval?: string;
  readOnly: boolean;
  color: boolean;
  once: boolean;
  json: boolean;
}

const KNOWN = new Set([
  'uri',
  'interval',
  'read-only',
  'readOnly',
  'no-read-only',
  'color',
  'no-color',
  'once',
  'json',
  'help',
  'version',
]);

/** Flags that take a value: given twice, which one was meant is a guess we do not make. */
const VALUE_FLAGS = new Set(['uri', 'interval']);

/**
 * A flag with a value given twice (`--uri /a --uri /b`) is refused: for a tool that can end
 * tunnels, acting on the wrong daemon is worse than asking. Repeated switches mean the same
 * thing twice and pass. Runs before meow, whose own complaint is a stack trace.
 */
export function checkRepeats(argv: readonly string[]): void {
  const seen = new Set<string>();
  for (const token of argv) {
    if (token === '--') break;
    if (!token.startsWith('--')) continue;
    const name = token.slice(2).split('=')[0] ?? '';
    if (!VALUE_FLAGS.has(name)) continue;
    if (seen.has(name))
      throw new UsageError(`--${name} given twice; give it once (see swantop --help)`);
    seen.add(name);
  }
}

/** Seconds as a person writes them: 2, 0.5, .5, 10.25 (not 0x10, 1e3 or Infinity). */
const SECONDS = /^(\d+(\.\d*)?|\.\d+)$/;

export const MIN_INTERVAL_S = 0.5;
export const MAX_INTERVAL_S = 3600;

/** Checks what meow parsed, since meow itself lets unknown flags and odd values through. */
export function parseArgs(
  argv: readonly string[],
  flags: Flags,
  input: readonly string[],
  env: NodeJS.ProcessEnv,
): Args {
  for (const token of argv) {
    if (token === '--') break;
    if (!token.startsWith('-') || /^-\d/.test(token)) continue;
    const name = token.replace(/^--?/, '').split('=')[0] ?? '';
    if (!KNOWN.has(name)) throw new UsageError(`unknown flag ${token} (see swantop --help)`);
  }
  if (input.length > 0) {
    throw new UsageError(`unexpected argument "${input[0]}" (see swantop --help)`);
  }

  let intervalMs = 2000;
  if (flags.interval !== undefined) {
    const seconds = Number(flags.interval);
    if (
      !SECONDS.test(flags.interval.trim()) ||
      !Number.isFinite(seconds) ||
      seconds < MIN_INTERVAL_S ||
      seconds > MAX_INTERVAL_S
    ) {
      throw new UsageError(
        `--interval must be a number of seconds from ${MIN_INTERVAL_S} to ${MAX_INTERVAL_S}, not "${flags.interval}"`,
      );
    }
    intervalMs = Math.round(seconds * 1000);
  }

  if (flags.uri !== undefined) {
    try {
      parseUri(flags.uri);
    } catch (err) {
      throw new UsageError(`--uri: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (flags.json && !flags.once) throw new UsageError('--json goes with --once');

  return {
    uri: flags.uri,
    intervalMs,
    readOnly: flags.readOnly,
    noColor: !flags.color || (env.NO_COLOR !== undefined && env.NO_COLOR !== ''),
    once: flags.once,
    json: flags.json,
  };
}
