/**
 * A fresh Debian 12 root file system for trying the package as a gateway would have it:
 * Debian's own packages (mmdebstrap, variant apt: the essential set and apt, no Node), made
 * once into /var/cache/swantop-debian12/ and unpacked anew for every use.
 *
 * Commands run inside it by chroot, in a mount namespace of their own (unshare -m) holding
 * /proc, /dev and the lab's sockets, so nothing stays mounted when they end.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT_CACHE = process.env.SWANTOP_DEBIAN_CACHE ?? '/var/cache/swantop-debian12';
const TARBALL = join(ROOT_CACHE, 'bookworm-apt.tar');

export class DebianRootError extends Error {
  override name = 'DebianRootError';
}

/** The cached root's tarball, made with mmdebstrap on first use (about 30 s and 50 MB of packages). */
export function debianRootTarball(log: (line: string) => void = () => {}): string {
  if (existsSync(TARBALL)) return TARBALL;
  mkdirSync(ROOT_CACHE, { recursive: true });
  const partial = `${TARBALL}.${process.pid}.partial`;
  log('mmdebstrap: a fresh Debian 12 root from Debian’s packages (cached after this)');
  const r = spawnSync(
    'mmdebstrap',
    ['--variant=apt', '--format=tar', '--quiet', 'bookworm', partial],
    {
      encoding: 'utf8',
      timeout: 10 * 60_000,
    },
  );
  if (r.error || r.status !== 0) {
    rmSync(partial, { force: true });
    const why = r.error?.message ?? r.stderr.trim().split('\n').slice(-3).join(' ');
    throw new DebianRootError(`mmdebstrap could not make a Debian 12 root: ${why}`);
  }
  renameSync(partial, TARBALL);
  return TARBALL;
}

export interface Bind {
  /** A directory on this machine. */
  from: string;
  /** Where it appears inside the root. */
  to: string;
}

/** A fresh copy of the root in `dir`. */
export function unpackDebianRoot(dir: string, log?: (line: string) => void): void {
  const tarball = debianRootTarball(log);
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xf', tarball, '-C', dir]);
}

/** Quotes one word for sh. */
export function shq(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command (argv) that runs `command` inside the root with /proc, /dev and `binds` mounted,
 * and a clean environment as a login on the gateway would have it. unshare ignores SIGTERM
 * while it waits for the command, so stop a long-running one by its process group; if
 * unshare dies anyway, --kill-child ends the command with it.
 */
export function inRootArgv(
  root: string,
  command: readonly string[],
  binds: readonly Bind[] = [],
  env: Record<string, string> = {},
): string[] {
  const mounts = [
    `mount -t proc proc ${shq(join(root, 'proc'))}`,
    `mount --rbind /dev ${shq(join(root, 'dev'))}`,
    ...binds.map(
      (b) =>
        `mkdir -p ${shq(join(root, b.to))} && mount --bind ${shq(b.from)} ${shq(join(root, b.to))}`,
    ),
  ];
  const environment = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    ...env,
  };
  const inner = [
    'chroot',
    root,
    'env',
    '-i',
    ...Object.entries(environment).map(([k, v]) => `${k}=${v}`),
    ...command,
  ]
    .map(shq)
    .join(' ');
  return [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--fork',
    '--kill-child',
    'sh',
    '-c',
    `${mounts.join(' && ')} && exec ${inner}`,
  ];
}

/** The same as one command line for sh (tmux runs a session's command through the shell). */
export function inRootCommand(
  root: string,
  command: readonly string[],
  binds: readonly Bind[] = [],
  env: Record<string, string> = {},
): string {
  return inRootArgv(root, command, binds, env).map(shq).join(' ');
}

/** Runs `command` inside the root and returns its output; throws with stderr on failure. */
export function inRoot(
  root: string,
  command: readonly string[],
  binds: readonly Bind[] = [],
  timeoutMs = 60_000,
): string {
  const [cmd, ...args] = inRootArgv(root, command, binds);
  const r = spawnSync(cmd!, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new DebianRootError(
      `${command.join(' ')} (in the Debian root) exited ${r.status}: ${r.stderr.trim()}`,
    );
  }
  return r.stdout;
}
