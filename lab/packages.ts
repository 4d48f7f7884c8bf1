import { existsSync } from 'node:fs';
import { LabError } from './errors.js';
import { run } from './exec.js';

/** What the lab needs from Debian (strongSwan 5.9.8 on Debian 12). */
export const PACKAGES = [
  'strongswan-charon',
  'strongswan-swanctl',
  'libcharon-extra-plugins',
  'libstrongswan-standard-plugins',
  'libstrongswan-extra-plugins',
  'strongswan-pki',
  'iproute2',
  'tmux',
] as const;

/** Packages from PACKAGES that dpkg does not report as installed. */
export async function missingPackages(): Promise<string[]> {
  const res = await run(
    'dpkg-query',
    [
      '-W',
      '-f', // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format, not JS
      '${Package} ${Status}\n',
      ...PACKAGES,
    ],
    {
      allowFailure: true,
    },
  );
  const installed = new Set(
    res.stdout
      .split('\n')
      .filter((l) => l.endsWith(' install ok installed'))
      .map((l) => l.split(' ')[0]),
  );
  return PACKAGES.filter((p) => !installed.has(p));
}

/** Files the lab runs; when all are present the package database is not even consulted. */
const NEEDED_FILES = [
  '/usr/lib/ipsec/charon',
  '/usr/sbin/swanctl',
  '/usr/bin/pki',
  '/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so',
  '/usr/lib/ipsec/plugins/libstrongswan-vici.so',
  '/usr/lib/ipsec/plugins/libstrongswan-counters.so',
  '/usr/lib/ipsec/plugins/libstrongswan-curve25519.so',
];

/** Installs whatever is missing with apt-get (a no-op, and no network, when all are there). */
export async function ensurePackages(log: (line: string) => void): Promise<void> {
  if (NEEDED_FILES.every((f) => existsSync(f))) return;
  const missing = await missingPackages();
  if (missing.length === 0) return;
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['update'], { env, timeoutMs: 300_000 });
    await run('apt-get', ['install', '-y', '--no-install-recommends', ...PACKAGES], {
      env,
      timeoutMs: 600_000,
    });
  } catch (e) {
    throw new LabError(`could not install the strongSwan packages: ${(e as Error).message}`);
  }
}
