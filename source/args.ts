import {
  type ListenAddress,
  ListenAddressError,
  parseListenAddress,
} from './exporter/listen-address.js';
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
  /** `--exporter [HOST:]PORT`: serve Prometheus metrics instead of a screen. */
  exporter?: ListenAddress;
  exporterSaInfo: boolean;
}

interface Flags {
  uri?: string;
  interval?: string;
  readOnly: boolean;
  color: boolean;
  once: boolean;
  json: boolean;
  exporter?: string;
  exporterSaInfo?: boolean;
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
  'exporter',
  'exporter-sa-info',
  'exporterSaInfo',
  'help',
  'version',
]);

/** Flags that take a value: given twice, which one was meant is a guess we do not make. */
const VALUE_FLAGS = new Set(['uri', 'interval', 'exporter']);

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

  // The exporter refreshes counters for scrapes, not for a screen: a longer default.
  let intervalMs = flags.exporter !== undefined ? 30_000 : 2000;
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
  let exporter: ListenAddress | undefined;
  if (flags.exporter !== undefined) {
    if (flags.once) throw new UsageError('--exporter and --once do not go together');
    try {
      exporter = parseListenAddress(flags.exporter);
    } catch (err) {
      if (err instanceof ListenAddressError) throw new UsageError(`--exporter: ${err.message}`);
      throw err;
    }
  } else if (flags.exporterSaInfo) {
    throw new UsageError('--exporter-sa-info goes with --exporter');
  }

  return {
    uri: flags.uri,
    intervalMs,
    readOnly: flags.readOnly,
    noColor: !flags.color || (env.NO_COLOR !== undefined && env.NO_COLOR !== ''),
    once: flags.once,
    json: flags.json,
    exporter,
    exporterSaInfo: flags.exporterSaInfo ?? false,
  };
}
