import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { LabError } from './errors.js';
import { HOSTS, hostDir, type LabHost, type LabInfo } from './topology.js';

const TEMPLATES = fileURLToPath(new URL('./templates/', import.meta.url));

/** Half-open limits for moon when scale clients come (charon's defaults are 5 and 3). */
export const SCALE_BLOCK_THRESHOLD = 10_000;
export const SCALE_COOKIE_THRESHOLD_IP = 10_000;

/** Fills `{{NAME}}` placeholders; a placeholder without a value is a bug in the lab, not in input. */
export function render(template: string, values: Record<string, string>, name: string): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    const v = values[key];
    if (v === undefined)
      throw new LabError(`template ${name} uses {{${key}}}, which the lab does not define`);
    return v;
  });
}

export function templateValues(
  lab: LabInfo,
  host: LabHost,
  psks: { netNet: string; scale: string },
) {
  const a = lab.addresses;
  const scale = host === 'moon' && lab.scale;
  return {
    HOST: host,
    SOCKET: lab.sockets[host],
    LOG: lab.logs[host],
    BLOCK_THRESHOLD: String(scale ? SCALE_BLOCK_THRESHOLD : 5),
    COOKIE_THRESHOLD_IP: String(scale ? SCALE_COOKIE_THRESHOLD_IP : 3),
    MOON_IP: a.moonIp,
    SUN_IP: a.sunIp,
    VENUS_IP: a.venusIp,
    MOON_NET: a.moonNet,
    SUN_NET: a.sunNet,
    MOON_POOL: a.moonPool,
    SUN_POOL: a.sunPool,
    CLIENT_NET: a.clientNet,
    LAB_NETS: '10.0.0.0/8',
    NET_NET_PSK: psks.netNet,
    SCALE_PSK: psks.scale,
  };
}

/** Writes every host's strongswan.conf and swanctl.conf into the lab dir, with fresh PSKs. */
export async function writeConfigs(lab: LabInfo): Promise<void> {
  const psks = { netNet: randomBytes(24).toString('hex'), scale: randomBytes(24).toString('hex') };
  const strongswan = await readFile(`${TEMPLATES}strongswan.conf`, 'utf8');
  for (const host of HOSTS) {
    await mkdir(hostDir(lab.dir, host), { recursive: true });
    const values = templateValues(lab, host, psks);
    const swanctl = await readFile(`${TEMPLATES}${host}.swanctl.conf`, 'utf8');
    await writeFile(
      lab.configs[host].strongswanConf,
      render(strongswan, values, 'strongswan.conf'),
    );
    await writeFile(
      lab.configs[host].swanctlConf,
      render(swanctl, values, `${host}.swanctl.conf`),
      {
        mode: 0o600,
      },
    );
  }
}
