/**
 * Other strongSwan releases for the lab: a Debian root file system per release, built with
 * mmdebstrap from the Debian mirror the host's apt already uses, cached under
 * /var/cache/swantop-lab and re-used. The host's own charon (5.9.8 on Debian 12) needs none.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LabError, LabFetchError } from './errors.js';
import { firstLine, run } from './exec.js';

/** The strongSwan releases the lab can run, and the Debian suite that ships each. */
export const RELEASES = {
  '5.9': { suite: undefined, debian: 'the host (Debian 12 "bookworm")' },
  '6.0': { suite: 'trixie', debian: 'Debian 13 "trixie"' },
  '6.1': { suite: 'sid', debian: 'Debian unstable "sid"' },
} as const;

export type Release = keyof typeof RELEASES;
export const DEFAULT_RELEASE: Release = '5.9';

export function isRelease(v: string): v is Release {
  return Object.hasOwn(RELEASES, v);
}

/** What a root holds: the lab's daemon and tools, nothing else (pki and swanctl come from the host). */
export const ROOT_PACKAGES = [
  'strongswan-charon',
  'strongswan-swanctl',
  'libcharon-extra-plugins',
  'libstrongswan-standard-plugins',
  'libstrongswan-extra-plugins',
  'iproute2',
] as const;

export const CACHE_DIR = '/var/cache/swantop-lab';
const MARKER = '.swantop-lab-root.json';

/** A daemon's home: the host's file system (root undefined) or a cached Debian root. */
export interface DaemonRoot {
  release: Release;
  /** The root file system charon runs in, or undefined for the host's own. */
  root?: string;
  /** What the charon binary says it is (`charon --version`), e.g. "6.1.0". */
  version: string;
}

interface Marker {
  suite: string;
  packages: string[];
  version: string;
  mirror: string;
  built: string;
}

/** The cache dir (SWANTOP_LAB_CACHE overrides it, e.g. for a test with an empty cache). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWANTOP_LAB_CACHE || CACHE_DIR;
}

/**
 * The Debian mirror the host's apt uses (the first `.../debian` URI in its sources), so roots
 * come from the one registry this machine reaches. SWANTOP_LAB_MIRROR overrides it.
 */
export async function hostMirror(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.SWANTOP_LAB_MIRROR) return env.SWANTOP_LAB_MIRROR;
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    if (f.endsWith('.sources') || f.endsWith('.list')) files.push(path.join(dir, f));
  }
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const l = line.trim();
      if (l.startsWith('#')) continue;
      // deb822 (`URIs: http://...`) or one-line (`deb [opts] http://... suite comp`).
      const m = /^URIs:\s*(\S+)/i.exec(l) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(l);
      const uri = m?.[1]?.replace(/\/+$/, '');
      if (uri && /\/debian$/.test(uri)) return uri;
    }
  }
  throw new LabError('found no Debian mirror in /etc/apt/sources.list*; set SWANTOP_LAB_MIRROR');
}

const CHARON = '/usr/lib/ipsec/charon';

/** The version a charon binary reports, e.g. "6.1.0" (inside a root when one is given). */
export async function charonVersion(root?: string): Promise<string> {
  const cmd = root ? ['chroot', root, CHARON, '--version'] : [CHARON, '--version'];
  const res = await run(cmd[0] as string, cmd.slice(1), { timeoutMs: 20_000, allowFailure: true });
  const m = /strongSwan (\d+\.\d+\.\d+\S*)/.exec(res.stdout + res.stderr);
  if (!m) {
    throw new LabError(
      `${root ?? 'the host'}: ${CHARON} --version said no version (${firstLine(res.stderr || res.stdout) || `exit ${res.code}`})`,
    );
  }
  return m[1] as string;
}

/** The root for a release, built on first use; the host's own charon for 5.9. */
export async function ensureRoot(
  release: Release,
  log: (line: string) => void = () => {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<DaemonRoot> {
  const suite = RELEASES[release].suite;
  if (!suite) {
    const version = await charonVersion();
    checkVersion(release, version, 'the host');
    return { release, version };
  }
  const cache = cacheDir(env);
  const root = path.join(cache, `strongswan-${release}`);
  const marker = await readMarker(root);
  if (marker && sameList(marker.packages, ROOT_PACKAGES)) {
    return { release, root, version: marker.version };
  }
  const mirror = await hostMirror(env);
  await ensureMmdebstrap(log, release);
  await mkdir(cache, { recursive: true, mode: 0o755 });
  await removeAbandonedBuilds(cache);
  // Built beside its final place and renamed there only when complete, so a half-built root
  // (an interrupted or failed run) is never mistaken for a usable one.
  const building = path.join(cache, `.building-${release}-${process.pid}`);
  await rm(building, { recursive: true, force: true });
  log(
    `building a strongSwan ${release} root from ${RELEASES[release].debian} (${mirror}) in ${root}; once, ~30 s`,
  );
  const res = await run(
    'mmdebstrap',
    [
      '--variant=apt',
      '--mode=root',
      // An unstable snapshot's Release file may be past its Valid-Until date.
      '--aptopt=Acquire::Check-Valid-Until "false"',
      `--include=${ROOT_PACKAGES.join(',')}`,
      suite,
      building,
      mirror,
    ],
    { timeoutMs: 900_000, allowFailure: true },
  ).catch((e: Error) => ({ code: 127, stdout: '', stderr: e.message }));
  if (res.code !== 0) {
    await rm(building, { recursive: true, force: true });
    const why = lastMeaningfulLine(res.stderr || res.stdout) || `exit ${res.code}`;
    throw new LabFetchError(
      `could not fetch strongSwan ${release} (${RELEASES[release].debian}) from ${mirror}: ${why}`,
    );
  }
  let version: string;
  try {
    version = await charonVersion(building);
    checkVersion(release, version, RELEASES[release].debian);
  } catch (e) {
    await rm(building, { recursive: true, force: true });
    throw e;
  }
  const info: Marker = {
    suite,
    packages: [...ROOT_PACKAGES],
    version,
    mirror,
    built: new Date().toISOString(),
  };
  await writeFile(path.join(building, MARKER), `${JSON.stringify(info, null, 2)}\n`);
  if (existsSync(root)) {
    // An older root (other packages); set it aside first. A daemon still running in it keeps
    // its open files.
    const old = path.join(cache, `.old-${release}-${process.pid}`);
    await rename(root, old);
    await rm(old, { recursive: true, force: true });
  }
  try {
    await rename(building, root);
  } catch (e) {
    // Another run finished the same root first: use that one.
    await rm(building, { recursive: true, force: true });
    if (!(await readMarker(root))) throw e;
  }
  log(`strongSwan ${release} root ready: charon ${version}`);
  return { release, root, version };
}

/** mmdebstrap builds the roots; installed from the host's own apt sources when missing. */
async function ensureMmdebstrap(log: (line: string) => void, release: Release): Promise<void> {
  if (existsSync('/usr/bin/mmdebstrap')) return;
  log('installing mmdebstrap with apt-get (it builds the roots of other strongSwan releases)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const res = await run('apt-get', ['install', '-y', '--no-install-recommends', 'mmdebstrap'], {
    env,
    timeoutMs: 600_000,
    allowFailure: true,
  });
  if (res.code !== 0) {
    throw new LabFetchError(
      `could not fetch strongSwan ${release}: mmdebstrap is not installed and apt-get could not install it (${lastMeaningfulLine(res.stderr || res.stdout)})`,
    );
  }
}

function checkVersion(release: Release, version: string, where: string): void {
  if (!version.startsWith(`${release}.`)) {
    throw new LabError(`${where} has charon ${version}, not strongSwan ${release}`);
  }
}

async function readMarker(root: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(path.join(root, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Half-built roots of runs that died (their pid is gone) only take space. */
async function removeAbandonedBuilds(cache: string): Promise<void> {
  for (const name of await readdir(cache).catch(() => [] as string[])) {
    const m = /^\.(?:building|old)-[\d.]+-(\d+)$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = pid === process.pid;
    if (!alive) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (!alive) await rm(path.join(cache, name), { recursive: true, force: true });
  }
}

function lastMeaningfulLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^I: /.test(l));
  // apt's first `E:` names the cause (e.g. "Failed to fetch ... Connection refused").
  const err = lines.find((l) => l.startsWith('E: ')) ?? lines.find((l) => /^(W:|Err:)/.test(l));
  return (err ?? lines[lines.length - 1] ?? '').slice(0, 240);
}
