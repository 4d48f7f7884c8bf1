/**
 * The project's strongSwan lab: real charon daemons (moon, sun, carol, dave, venus), each in
 * its own network namespace, joined by a bridge in `<prefix>-lan`, with vici sockets under
 * the lab dir. Used by `npm run lab:*`, the integration tests' global setup and benchmarks.
 */
import { mkdir, readdir, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseStrongswan } from './args.js';
import { addClients } from './clients.js';
import { writeConfigs } from './config.js';
import { INITIATES, initiate, loadConfig, startDaemon } from './daemon.js';
import { LabError, LabUsageError } from './errors.js';
import { readLab as readState, STATE_FILE, saveLab } from './lab-state.js';
import { createNetwork, deleteNamespaces, existingNamespaces } from './network.js';
import { ensurePackages } from './packages.js';
import { makePki } from './pki.js';
import { type DaemonRoot, ensureRoot, type Release } from './roots.js';
import { childSas, oracleListSas, type PlainSection } from './swanctl.js';
import {
  CONNS,
  DEFAULT_DIR,
  DEFAULT_PREFIX,
  describeLab,
  HOSTS,
  type LabHost,
  type LabInfo,
  NAMESPACE_ROLES,
} from './topology.js';
import { startTraffic, TRAFFIC } from './traffic.js';

export { parseStrongswan } from './args.js';
export {
  type AddClientsOptions,
  addClients,
  clientAddress,
  clientId,
  clientName,
  removeClients,
} from './clients.js';
export {
  daemonAnswers,
  daemonPid,
  killDaemon,
  type RestartOptions,
  restartDaemon,
} from './daemon.js';
export { LabError, LabFetchError, LabUsageError } from './errors.js';
export { nsExec, type RunResult, run } from './exec.js';
export { saveLab } from './lab-state.js';
export {
  CACHE_DIR,
  charonVersion,
  type DaemonRoot,
  DEFAULT_RELEASE,
  ensureRoot,
  RELEASES,
  type Release,
} from './roots.js';
export {
  childSas,
  type OracleIkeSa,
  oracleListSas,
  type PlainSection,
  type PlainValue,
  parsePretty,
  type SwanctlMessage,
  swanctl,
  swanctlRaw,
} from './swanctl.js';
export {
  ADDRESSES,
  CONNS,
  DEFAULT_DIR,
  DEFAULT_PREFIX,
  HOSTS,
  type LabAddresses,
  type LabHost,
  type LabInfo,
  type NamespaceRole,
} from './topology.js';
export { startTraffic, TRAFFIC } from './traffic.js';

export interface LabLocation {
  /** Where sockets, configs and logs go (default /run/swantop-lab). */
  dir: string;
  /** Namespace prefix (default swl). */
  prefix: string;
}

export interface StartOptions extends Partial<LabLocation> {
  /** Extra road-warrior IKE_SAs from venus to moon, each with an INSTALLED CHILD_SA. */
  clients?: number;
  /** Raise moon's half-open limits for scale runs (implied by clients > 0). */
  scale?: boolean;
  /** Progress lines (what is being done); silent when absent. */
  log?: (line: string) => void;
  /** Fail if the base lab is not up within this long (default 60 s; clients have their own). */
  timeoutMs?: number;
  /**
   * Which strongSwan the daemons run: `6.1` for all, `moon=6.1` for one host (the rest stay on
   * the host's 5.9.8), or both comma-separated (see parseStrongswan). Default: the host's own.
   */
  strongswan?: string;
  /** Start the small UDP stream through net-net (lab/traffic.ts) once the lab is up. */
  traffic?: boolean;
}

const PREFIX_RE = /^[a-z][a-z0-9]{0,7}$/;

/** The lab location from SWANTOP_LAB_DIR and SWANTOP_LAB_PREFIX, with the developer defaults. */
export function labEnv(env: NodeJS.ProcessEnv = process.env): LabLocation {
  return {
    dir: env.SWANTOP_LAB_DIR || DEFAULT_DIR,
    prefix: env.SWANTOP_LAB_PREFIX || DEFAULT_PREFIX,
  };
}

function checkLocation(loc: LabLocation): void {
  if (!PREFIX_RE.test(loc.prefix)) {
    throw new LabUsageError(
      `invalid lab prefix "${loc.prefix}": use 1-8 lowercase letters or digits, starting with a letter`,
    );
  }
  if (!path.isAbsolute(loc.dir))
    throw new LabUsageError(`the lab dir must be an absolute path, not "${loc.dir}"`);
}

export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new LabUsageError('the lab needs root to create network namespaces');
  }
}

/**
 * Starts a fresh lab (tearing down any earlier one at the same dir and prefix) and resolves
 * once net-net, carol and dave are up — and, with `clients`, that many scale clients too.
 * Fails with a LabError naming what did not come up and where its daemon's log is.
 */
export async function startLab(opts: StartOptions = {}): Promise<LabInfo> {
  const env = labEnv();
  const loc = { dir: opts.dir ?? env.dir, prefix: opts.prefix ?? env.prefix };
  checkLocation(loc);
  requireRoot();
  const clients = opts.clients ?? 0;
  if (!Number.isInteger(clients) || clients < 0)
    throw new LabUsageError(`clients must be a whole number, not ${clients}`);
  const log = opts.log ?? (() => {});
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const releases = parseStrongswan(opts.strongswan);
  // Every root is resolved (built on first use) before anything of a lab is touched: a
  // release that cannot be fetched leaves no half-started lab, and an earlier lab as it was.
  // Building is not part of the 60 s the lab itself gets.
  const strongswan = await resolveRoots(releases, log);

  let step = 'checking packages';
  let abandoned = false;
  // Once the deadline has passed, the steps still running stop at the next boundary instead
  // of building on after the caller was told the lab failed.
  const at = (name: string) => {
    if (abandoned) throw new LabError(`abandoned at ${name}`);
    step = name;
  };
  const base = async (): Promise<LabInfo> => {
    await ensurePackages(log);
    at('removing an earlier lab');
    await stopLab(loc);
    await mkdir(loc.dir, { recursive: true, mode: 0o755 });
    // The daemons' mount namespaces bind the lab dir by its real path (see daemon.ts).
    const dir = await realpath(loc.dir);
    const lab = describeLab(dir, loc.prefix, 0, opts.scale ?? clients > 0, strongswan);
    at('writing certificates and configs');
    log(`writing certificates and configs to ${dir}`);
    await writeConfigs(lab);
    await makePki(dir);
    at('creating network namespaces');
    log(`creating namespaces ${NAMESPACE_ROLES.map((r) => lab.ns[r]).join(' ')}`);
    await createNetwork(lab);
    for (const host of HOSTS) {
      at(`starting ${host}'s charon (log ${lab.logs[host]})`);
      await startDaemon(lab, host);
    }
    at('loading swanctl.conf into each daemon');
    log('daemons up; loading connections, pools and credentials');
    await Promise.all(HOSTS.map((h) => loadConfig(lab, h)));
    at('bringing up net-net, carol and dave');
    log('bringing up net-net (sun→moon), carol→moon and dave→moon');
    await Promise.all(
      HOSTS.flatMap((h) =>
        INITIATES[h].map((child) => initiate(lab, h, child, Math.ceil(timeoutMs / 2000))),
      ),
    );
    at('checking the SAs on moon');
    await verifyBaseSas(lab);
    if (opts.traffic) {
      at('starting the UDP stream through net-net');
      await startTraffic(lab);
      log(
        `net-net carries a small UDP stream ${lab.addresses.moonInner} → ${lab.addresses.sunInner}:${TRAFFIC.port} (${TRAFFIC.bytes} bytes every ${TRAFFIC.intervalMs / 1000} s, for up to ${TRAFFIC.maxMs / 3_600_000} h)`,
      );
    }
    await saveLab(lab);
    return lab;
  };

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abandoned = true;
      reject(
        new LabError(
          `the lab did not come up within ${Math.round(timeoutMs / 1000)} s (stuck ${step}); daemon logs: ${loc.dir}/<host>/charon.log`,
        ),
      );
    }, timeoutMs);
  });
  let lab: LabInfo;
  try {
    const building = base();
    building.catch(() => {});
    lab = await Promise.race([building, deadline]);
  } finally {
    clearTimeout(timer);
  }
  if (clients > 0) await addClients(lab, clients, { log });
  return lab;
}

/** One root per release the hosts ask for (each built at most once), as each host's DaemonRoot. */
async function resolveRoots(
  releases: Record<LabHost, Release>,
  log: (line: string) => void,
): Promise<Record<LabHost, DaemonRoot>> {
  const byRelease = new Map<Release, DaemonRoot>();
  for (const release of new Set(Object.values(releases))) {
    byRelease.set(release, await ensureRoot(release, log));
  }
  return Object.fromEntries(
    HOSTS.map((h) => [h, byRelease.get(releases[h]) as DaemonRoot]),
  ) as Record<LabHost, DaemonRoot>;
}

/** What moon must hold once the base lab is up; throws naming the first thing missing. */
async function verifyBaseSas(lab: LabInfo): Promise<void> {
  const sas = await oracleListSas(lab.sockets.moon);
  const up = (sa: PlainSection) =>
    sa.state === 'ESTABLISHED' && childSas(sa).some((c) => c.state === 'INSTALLED');
  const netNet = sas.find((s) => s.name === CONNS.netNet);
  if (!netNet || !up(netNet.sa)) {
    throw new LabError(
      `net-net between moon and sun is not up (${netNet ? String(netNet.sa.state) : 'no IKE_SA'}); see ${lab.logs.moon} and ${lab.logs.sun}`,
    );
  }
  for (const host of ['carol', 'dave'] as const) {
    const rw = sas.find((s) => s.name === CONNS.rw && s.sa['remote-id'] === `${host}.swantop.test`);
    if (!rw || !up(rw.sa)) {
      throw new LabError(
        `${host}'s IKE_SA to moon is not up; see ${lab.logs[host]} and ${lab.logs.moon}`,
      );
    }
    const vips = rw.sa['remote-vips'];
    if (!Array.isArray(vips) || vips.length === 0) {
      throw new LabError(`${host} got no virtual IP from moon's pool; see ${lab.logs.moon}`);
    }
  }
}

/**
 * Stops every process in the lab's namespaces and deletes them; removes the sockets and the
 * state file (logs and configs stay for a post-mortem until the next start). Safe to repeat.
 */
export async function stopLab(loc: Partial<LabLocation> = {}): Promise<{ removed: string[] }> {
  const env = labEnv();
  const full = { dir: loc.dir ?? env.dir, prefix: loc.prefix ?? env.prefix };
  checkLocation(full);
  requireRoot();
  const lab = describeLab(full.dir, full.prefix, 0, false);
  const removed = await existingNamespaces(lab);
  await deleteNamespaces(removed);
  await Promise.all([
    ...HOSTS.map((h) => rm(lab.sockets[h], { force: true })),
    rm(path.join(full.dir, STATE_FILE), { force: true }),
  ]);
  return { removed };
}

/**
 * Removes a stopped lab's dir (logs, configs, certificates and the lab CA's private key).
 * Only a dir that looks like a lab's (a `pki` or `moon` inside, or empty) is removed, so a
 * mistyped SWANTOP_LAB_DIR cannot take anything else with it. Returns whether one was there.
 */
export async function purgeLab(loc: Partial<LabLocation> = {}): Promise<boolean> {
  const env = labEnv();
  const full = { dir: loc.dir ?? env.dir, prefix: loc.prefix ?? env.prefix };
  checkLocation(full);
  requireRoot();
  let entries: string[];
  try {
    entries = await readdir(full.dir);
  } catch {
    return false;
  }
  const known = new Set(['pki', 'moon', 'sun', 'carol', 'dave', 'venus', STATE_FILE]);
  if (entries.length > 0 && !entries.some((e) => known.has(e))) {
    throw new LabError(
      `${full.dir} does not look like a lab dir (no pki/ or moon/); not removing it`,
    );
  }
  if ((await existingNamespaces(describeLab(full.dir, full.prefix, 0, false))).length > 0) {
    throw new LabError(`the lab at ${full.dir} is still running; stop it first`);
  }
  await rm(full.dir, { recursive: true, force: true });
  return true;
}

/** The lab recorded at a location, or undefined when none was started there. */
export async function readLab(loc: Partial<LabLocation> = {}): Promise<LabInfo | undefined> {
  return readState(loc.dir ?? labEnv().dir);
}
