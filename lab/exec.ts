import { spawn } from 'node:child_process';
import { LabError } from './errors.js';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** Text written to the child's stdin (then closed). */
  input?: string;
  /** Kill the child after this long; the call then fails. */
  timeoutMs?: number;
  /** Resolve with the exit code instead of failing when it is not 0. */
  allowFailure?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Runs a program without a shell (arguments are never re-parsed) and collects its output. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = e.code === 'ENOENT' ? 'not installed' : e.message;
      reject(new LabError(`${cmd}: ${why}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? 128,
      };
      if (timedOut) {
        reject(new LabError(`${describe(cmd, args)} did not finish within ${opts.timeoutMs} ms`));
      } else if (result.code !== 0 && !opts.allowFailure) {
        const why =
          firstLine(result.stderr) ||
          firstLine(result.stdout) ||
          `killed by ${signal ?? 'a signal'}`;
        reject(new LabError(`${describe(cmd, args)} failed (exit ${result.code}): ${why}`));
      } else {
        resolve(result);
      }
    });
    child.stdin.on('error', () => {
      // The child may exit without reading its input; its exit status tells what happened.
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a program inside a network namespace (and only there). */
export function nsExec(
  ns: string,
  cmd: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, ...cmd], opts);
}

export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? ''
  );
}

function describe(cmd: string, args: readonly string[]): string {
  const shown = [cmd, ...args].join(' ');
  return shown.length > 120 ? `${shown.slice(0, 117)}...` : shown;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
