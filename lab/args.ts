import { LabUsageError } from './errors.js';

export interface UpArgs {
  clients: number;
}

/** Parses `--clients N` (or `--clients=N`); anything else is a one-line usage error. */
export function parseUpArgs(argv: readonly string[]): UpArgs {
  let clients = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    let value: string | undefined;
    if (arg === '--clients') {
      value = argv[++i];
      if (value === undefined)
        throw new LabUsageError('--clients needs a number, e.g. --clients 1000');
    } else if (arg.startsWith('--clients=')) {
      value = arg.slice('--clients='.length);
    } else {
      throw new LabUsageError(`unknown argument "${arg}" (known: --clients N)`);
    }
    if (!/^\d+$/.test(value) || Number(value) > 60_000) {
      throw new LabUsageError(`--clients wants a whole number from 0 to 60000, not "${value}"`);
    }
    clients = Number(value);
  }
  return { clients };
}

export function parseNoArgs(argv: readonly string[]): void {
  if (argv.length > 0)
    throw new LabUsageError(`unknown argument "${argv[0]}" (this command takes none)`);
}

/** Prints a lab error as one line (no stack) and exits: 2 for usage, 1 for anything else. */
export function exitWithError(e: unknown): never {
  const err = e as Error;
  const usage = err?.name === 'LabUsageError';
  const known = usage || err?.name === 'LabError';
  process.stderr.write(
    `lab: ${known ? err.message : `unexpected error: ${err?.message ?? String(e)}`}\n`,
  );
  process.exit(usage ? 2 : 1);
}

/** A reader that went away (`| head`) is not an error worth a stack trace; stop writing quietly. */
export function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
}
