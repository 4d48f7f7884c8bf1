import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './exec.js';
import { hostDir, type LabHost } from './topology.js';

/** Hosts that authenticate with certificates (moon and sun as gateways, carol and dave as road warriors). */
export const CERT_HOSTS = ['moon', 'sun', 'carol', 'dave'] as const satisfies readonly LabHost[];

export const CA_DN = 'C=CH, O=swantop lab, CN=swantop lab CA';
export const hostDn = (host: LabHost) => `C=CH, O=swantop lab, CN=${host}.swantop.test`;

const pki = (args: string[], input?: string) =>
  run('pki', args, { timeoutMs: 20_000, ...(input === undefined ? {} : { input }) });

/**
 * Makes a fresh lab CA and one certificate per certificate host with `pki`, and puts each
 * host's key, certificate and the CA certificate where swanctl --load-creds looks for them
 * (relative to that host's swanctl.conf). ECDSA P-256 keeps this to a fraction of a second.
 */
export async function makePki(dir: string): Promise<void> {
  const caDir = path.join(dir, 'pki');
  await mkdir(caDir, { recursive: true });
  const caKey = (await pki(['--gen', '--type', 'ecdsa', '--size', '256', '--outform', 'pem']))
    .stdout;
  await writeFile(path.join(caDir, 'ca.key'), caKey, { mode: 0o600 });
  const caCert = (
    await pki([
      '--self',
      '--ca',
      '--lifetime',
      '3650',
      '--in',
      path.join(caDir, 'ca.key'),
      '--type',
      'ecdsa',
      '--dn',
      CA_DN,
      '--outform',
      'pem',
    ])
  ).stdout;
  await writeFile(path.join(caDir, 'ca.pem'), caCert);

  await Promise.all(
    CERT_HOSTS.map(async (host) => {
      const base = hostDir(dir, host);
      for (const sub of ['x509', 'x509ca', 'ecdsa'])
        await mkdir(path.join(base, sub), { recursive: true });
      const keyPath = path.join(base, 'ecdsa', `${host}.key`);
      const key = (await pki(['--gen', '--type', 'ecdsa', '--size', '256', '--outform', 'pem']))
        .stdout;
      await writeFile(keyPath, key, { mode: 0o600 });
      const pub = (await pki(['--pub', '--in', keyPath, '--type', 'ecdsa', '--outform', 'pem']))
        .stdout;
      const cert = (
        await pki(
          [
            '--issue',
            '--type',
            'pub',
            '--lifetime',
            '730',
            '--cacert',
            path.join(caDir, 'ca.pem'),
            '--cakey',
            path.join(caDir, 'ca.key'),
            '--dn',
            hostDn(host),
            '--san',
            `${host}.swantop.test`,
            '--flag',
            'serverAuth',
            '--flag',
            'clientAuth',
            '--outform',
            'pem',
          ],
          pub,
        )
      ).stdout;
      await writeFile(path.join(base, 'x509', `${host}.pem`), cert);
      await writeFile(path.join(base, 'x509ca', 'ca.pem'), caCert);
    }),
  );
}
