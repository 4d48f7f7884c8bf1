import { LabUsageError } from './errors.js';
import { DEFAULT_RELEASE, isRelease, RELEASES, type Release } from './roots.js';
import { HOSTS, type LabHost } from './topology.js';

export interface UpArgs {
  clients: number;
  /** `--strongswan SPEC` as given (see parseStrongswan), or undefined for the default. */
  strongswan?: string;
}

const KNOWN = '--clients N, --strongswan 5.9|6.0|6.1|HOST=VERSION,...';

/** Parses `--clients N` and `--strongswan SPEC` (or `--x=value`); anything else is a usage error. */
export function parseUpArgs(argv: readonly string[]): UpArgs {
  let clients = 0;
  let strongswan: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? splitOnce(arg) : [arg];
    if (flag !== '--clients' && flag !== '--strongswan') {
      throw new LabUsageError(`unknown argument "${arg}" (known: ${KNOWN})`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) {
      throw new LabUsageError(
        flag === '--clients'
          ? '--clients needs a number, e.g. --clients 1000'
          : '--strongswan needs a version, e.g. --strongswan 6.1 or --strongswan moon=6.1',
      );
    }
    if (flag === '--strongswan') {
      parseStrongswan(value);
      strongswan = value;
      continue;
    }
    if (!/^\d+$/.test(value) || Number(value) > 60_000) {
      throw new LabUsageError(`--clients wants a whole number from 0 to 60000, not "${value}"`);
    }
    clients = Number(value);
  }
  return strongswan === undefined ? { clients } : { clients, strongswan };
}

function splitOnce(arg: string): [string, string] {
  const at = arg.indexOf('=');
  return [arg.slice(0, at), arg.slice(at + 1)];
}

/**
 * Which strongSwan each host runs, from a spec: `6.1` (every host), `moon=6.1` (moon on 6.1,
 * the rest on the default 5.9), or both, comma-separated (`6.0,moon=6.1`). Bad specs are
 * usage errors naming what is known.
 */
export function parseStrongswan(spec: string | undefined): Record<LabHost, Release> {
  let base: Release = DEFAULT_RELEASE;
  const per: Partial<Record<LabHost, Release>> = {};
  const versions = Object.keys(RELEASES).join(', ');
  for (const part of (spec ?? '').split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const host = eq < 0 ? undefined : part.slice(0, eq);
    const version = eq < 0 ? part : part.slice(eq + 1);
    if (!isRelease(version)) {
      throw new LabUsageError(`unknown strongSwan version "${version}" (known: ${versions})`);
    }
    if (host === undefined) base = version;
    else if ((HOSTS as readonly string[]).includes(host)) per[host as LabHost] = version;
    else throw new LabUsageError(`unknown lab host "${host}" (hosts: ${HOSTS.join(', ')})`);
  }
  return Object.fromEntries(HOSTS.map((h) => [h, per[h] ?? base])) as Record<LabHost, Release>;
}

/** `lab:down` takes `--purge` (also remove the lab dir) and nothing else. */
export function parseDownArgs(argv: readonly string[]): { purge: boolean } {
  let purge = false;
  for (const arg of argv) {
    if (arg === '--purge') purge = true;
    else throw new LabUsageError(`unknown argument "${arg}" (known: --purge)`);
  }
  return { purge };
}

/** Prints a lab error as one line (no stack) and exits: 2 for usage, 1 for anything else. */
export function exitWithError(e: unknown): never {
  const err = e as Error;
  // A release that cannot be fetched is the user's input meeting this machine, like usage.
  const usage = err?.name === 'LabUsageError' || err?.name === 'LabFetchError';
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
