import { inspect } from 'node:util';
import type { Monitor } from '../monitor/types.js';
import { renderScreen, type Screen } from './host/render.js';
import { PASTE_OFF, PASTE_ON } from './input.js';
import { sanitize } from './sanitize.js';
import { App } from './screen.js';

/* The UI's public surface: the <App> component and runApp, which owns the terminal. */

export { App, type AppProps, MIN_COLUMNS, MIN_ROWS } from './screen.js';

export interface RunOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  /** No colours (bold, dim and inverse stay). Default: NO_COLOR set and not empty. */
  noColor?: boolean;
}

/** https://no-color.org: present and not empty. */
export function noColorFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '';
}

const HELD_LINES = 100;
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

/**
 * While the screen is up, console output is kept (the last HELD_LINES lines) instead of written
 * over the frame; release() puts the console back and prints what was kept, made safe, to stderr.
 */
export function holdConsole(): { lines: string[]; release(stderr: NodeJS.WritableStream): void } {
  const saved = CONSOLE_METHODS.map((m) => [m, console[m]] as const);
  const lines: string[] = [];
  let dropped = 0;
  for (const m of CONSOLE_METHODS) {
    console[m] = (...args: unknown[]) => {
      const text = args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
      for (const line of text.split('\n')) {
        lines.push(line);
        if (lines.length > HELD_LINES) {
          lines.shift();
          dropped++;
        }
      }
    };
  }
  let released = false;
  return {
    lines,
    release(stderr) {
      if (released) return;
      released = true;
      for (const [m, fn] of saved) console[m] = fn;
      if (dropped > 0) stderr.write(`swantop: ${dropped} earlier console lines not shown\n`);
      for (const line of lines) stderr.write(`${sanitize(line)}\n`);
    },
  };
}

/** The full-screen UI reads keys in raw mode, which needs a terminal on stdin. */
export class NotATerminalError extends Error {
  constructor() {
    super('the live view needs a terminal on stdin (for scripts, use --once)');
    this.name = 'NotATerminalError';
  }
}

export type RunResult = { reason: 'quit' } | { reason: 'signal'; signal: NodeJS.Signals };

// Bracketed paste on while the screen is up (input.ts reads a paste as text, never as keys),
// and off again on every way out, so the shell after us does not get marked pastes.
const ENTER_ALT = `\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l${PASTE_ON}`;
const LEAVE_ALT = `${PASTE_OFF}\x1b[?25h\x1b[?1049l`;
/** After a crash the terminal is restored at once; the process exits this soon if nobody else ends it. */
const CRASH_EXIT_MS = 1000;

/**
 * Full screen in the alternate buffer until the user quits or a SIGTERM/SIGHUP/SIGINT arrives;
 * the terminal is restored on every path out (quit, signal, uncaught exception, unhandled
 * rejection, process exit). Resolves with why it ended; on a crash it rejects after restoring
 * (and exits with status 1 a second later unless the caller ends the process first). The caller
 * owns the monitor: start it before, stop it after, and report a rejection in one line.
 */
export function runApp(monitor: Monitor, options: RunOptions = {}): Promise<RunResult> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  const stderr = options.stderr ?? process.stderr;

  if (!stdin.isTTY) return Promise.reject(new NotATerminalError());

  let restored = false;
  let instance: Screen | undefined;
  const held = holdConsole();
  const listeners: [string, (...args: never[]) => void][] = [];
  const on = (event: string, fn: (...args: never[]) => void) => {
    listeners.push([event, fn]);
    process.on(event, fn as () => void);
  };
  const restore = () => {
    if (restored) return;
    restored = true;
    // Ink's signal-exit kills the process on a signal when no other listener is left; ours stay
    // until this turn ends so the caller gets the result and decides how to exit.
    setImmediate(() => {
      for (const [event, fn] of listeners) process.off(event, fn as () => void);
    });
    try {
      instance?.unmount();
    } catch {
      // the terminal matters more than a clean unmount
    }
    stdout.write(LEAVE_ALT);
    held.release(stderr);
  };

  return new Promise<RunResult>((resolve, reject) => {
    const onSignal = (signal: NodeJS.Signals) => {
      restore();
      resolve({ reason: 'signal', signal });
    };
    const onCrash = (err: unknown) => {
      restore();
      // Saying what happened is the caller's (one line, as the CLI does); if it never does,
      // the process still ends.
      process.exitCode = 1;
      setTimeout(() => process.exit(1), CRASH_EXIT_MS).unref();
      reject(err);
    };
    on('SIGTERM', onSignal);
    on('SIGHUP', onSignal);
    on('SIGINT', onSignal);
    on('uncaughtException', onCrash);
    on('unhandledRejection', onCrash);
    on('exit', restore);
    stdout.write(ENTER_ALT);
    try {
      // The console is held by holdConsole(): a line printed over a full-screen frame would
      // push it out of place. A resize makes the host clear the screen and draw it whole.
      instance = renderScreen(
        <App monitor={monitor} noColor={options.noColor ?? noColorFromEnv()} />,
        { stdout, stdin, stderr, exitOnCtrlC: false },
      );
      instance.waitUntilExit().then(
        () => {
          restore();
          resolve({ reason: 'quit' });
        },
        (err: unknown) => onCrash(err),
      );
    } catch (err) {
      onCrash(err);
    }
  });
}
