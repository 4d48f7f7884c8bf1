import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { LabError } from './errors.js';
import { run, sleep } from './exec.js';
import { namespacePids } from './network.js';
import { swanctl } from './swanctl.js';
import { CONNS, hostDir, type LabHost, type LabInfo } from './topology.js';

export const CHARON = '/usr/lib/ipsec/charon';

/** The CHILD_SAs each host dials at start (moon only responds). */
export const INITIATES: Record<LabHost, readonly string[]> = {
  moon: [],
  sun: [CONNS.netNet],
  carol: [CONNS.home],
  dave: [CONNS.home],
  venus: [],
};

/**
 * charon refuses to start while /run/charon.pid names a live process (its path is compiled
 * in), so each daemon gets a private mount namespace with its own tmpfs on /run. The lab dir
 * may itself be under /run: the script first steps into it, and after the tmpfs covers /run
 * binds that directory (still reachable as ".") back onto its own path, so the vici socket
 * and the log land in the real lab dir that the root namespace sees.
 *
 * With a Debian root ($4, another strongSwan release) the same is done inside the root, which
 * also gets /proc and /dev (libipsec's /dev/net/tun); then charon runs chrooted there. All of
 * these mounts live in the daemon's private mount namespace and vanish with it, so the cached
 * root is never changed (the lab dir's mount point is made in the root's /run tmpfs, or, for
 * a lab dir elsewhere, left behind as an empty directory).
 */
const START_SCRIPT = [
  'set -e',
  'cd "$1"',
  'R="$4"',
  'mount -t tmpfs -o mode=0755 tmpfs "$R/run"',
  'if [ -n "$R" ]; then mount -t proc proc "$R/proc"; mount --bind /dev "$R/dev"; fi',
  'mkdir -p "$R$1"',
  'mount --no-canonicalize --bind . "$R$1"',
  'cd /',
  'if [ -n "$R" ]; then exec chroot "$R" /usr/bin/env STRONGSWAN_CONF="$2" "$3"; fi',
  'STRONGSWAN_CONF="$2" exec "$3"',
].join('\n');

/** Starts one host's charon, detached, in its namespace; resolves once its vici socket answers. */
export async function startDaemon(lab: LabInfo, host: LabHost): Promise<number> {
  const out = openSync(path.join(hostDir(lab.dir, host), 'stdout.log'), 'w');
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      lab.ns[host],
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      START_SCRIPT,
      'lab-start',
      lab.dir,
      lab.configs[host].strongswanConf,
      CHARON,
      lab.strongswan?.[host]?.root ?? '',
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  });
  child.on('error', (e) => {
    exited = `could not be started (${e.message})`;
  });
  child.unref();
  await waitForSocket(lab, host, () => exited);
  const pid = await daemonPid(lab, host);
  if (pid === undefined)
    throw new LabError(`${host}'s charon is not running; see ${lab.logs[host]}`);
  return pid;
}

async function waitForSocket(
  lab: LabInfo,
  host: LabHost,
  exited: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const why = exited();
    if (why) {
      const tail = await lastLines(path.join(hostDir(lab.dir, host), 'stdout.log'), 1);
      throw new LabError(
        `${host}'s charon ${why}${tail ? `: ${tail}` : ''}; see ${lab.logs[host]}`,
      );
    }
    if (await socketAnswers(lab.sockets[host])) return;
    await sleep(50);
  }
  throw new LabError(
    `${host}'s vici socket ${lab.sockets[host]} did not appear within 15 s; see ${lab.logs[host]}`,
  );
}

function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function lastLines(file: string, n: number): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trim().split('\n').slice(-n).join(' | ');
  } catch {
    return '';
  }
}

/** Loads a host's swanctl.conf (connections, pools, secrets, certificates, keys). */
export async function loadConfig(lab: LabInfo, host: LabHost): Promise<void> {
  try {
    await swanctl(lab.sockets[host], [
      '--load-all',
      '--noprompt',
      '--file',
      lab.configs[host].swanctlConf,
    ]);
  } catch (e) {
    throw new LabError(
      `loading ${host}'s swanctl.conf failed: ${(e as Error).message}; see ${lab.logs[host]}`,
    );
  }
}

/** Dials a CHILD_SA from a host, waiting for it (swanctl's blocking initiate). */
export async function initiate(
  lab: LabInfo,
  host: LabHost,
  child: string,
  timeoutS = 20,
): Promise<void> {
  try {
    await swanctl(lab.sockets[host], [
      '--initiate',
      '--child',
      child,
      '--timeout',
      String(timeoutS),
    ]);
  } catch (e) {
    const why = (e as Error).message.split(': ').slice(-1)[0];
    throw new LabError(`${host} could not bring up ${child} (${why}); see ${lab.logs[host]}`);
  }
}

/** The pid of a host's charon, or undefined when none runs in its namespace. */
export async function daemonPid(lab: LabInfo, host: LabHost): Promise<number | undefined> {
  for (const pid of await namespacePids(lab.ns[host])) {
    try {
      const comm = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
      if (comm === 'charon') return pid;
    } catch {
      // Exited between the listing and the read.
    }
  }
  return undefined;
}

/**
 * Sends a signal to a host's charon (for fault tests: SIGKILL, SIGSTOP, SIGCONT...). After
 * SIGKILL it waits until the process is gone. Returns the pid signalled.
 */
export async function killDaemon(
  lab: LabInfo,
  host: LabHost,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<number> {
  const pid = await daemonPid(lab, host);
  if (pid === undefined) throw new LabError(`${host}'s charon is not running`);
  process.kill(pid, signal);
  if (signal === 'SIGKILL') await waitGone(pid);
  return pid;
}

async function waitGone(pid: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(20);
  }
  throw new LabError(`charon (pid ${pid}) did not exit after SIGKILL`);
}

export interface RestartOptions {
  /** Dial the host's own connections again once loaded (default: yes). */
  initiate?: boolean;
}

/**
 * Restarts a host's charon with the same strongswan.conf, reloads its swanctl.conf, and (for
 * sun, carol and dave) dials their connections again; after a restart of moon its peers drop
 * their stale IKE_SAs and dial moon again. A running or stopped charon is killed first (scale
 * clients are not brought back). Returns the new pid.
 */
export async function restartDaemon(
  lab: LabInfo,
  host: LabHost,
  opts: RestartOptions = {},
): Promise<number> {
  const old = await daemonPid(lab, host);
  if (old !== undefined) {
    process.kill(old, 'SIGKILL');
    await waitGone(old);
  }
  const pid = await startDaemon(lab, host);
  await loadConfig(lab, host);
  if (opts.initiate ?? true) {
    await Promise.all(INITIATES[host].map((child) => initiate(lab, host, child)));
    if (host === 'moon') {
      // The peers still hold IKE_SAs the new moon knows nothing of; drop them and dial again.
      const peers = (['sun', 'carol', 'dave'] as const).flatMap((peer) =>
        INITIATES[peer].map((child) => ({ peer, child })),
      );
      await Promise.all(
        peers.map(async ({ peer, child }) => {
          await swanctl(lab.sockets[peer], ['--terminate', '--ike', child, '--force']).catch(
            () => {},
          );
          await initiate(lab, peer, child);
        }),
      );
    }
  }
  return pid;
}

/** Quick check that a daemon answers over its socket (used by status and main). */
export async function daemonAnswers(lab: LabInfo, host: LabHost): Promise<boolean> {
  return (
    (
      await run('swanctl', ['--stats', '--uri', lab.uris[host]], {
        allowFailure: true,
        timeoutMs: 10_000,
      })
    ).code === 0
  );
}
