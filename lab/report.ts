import { HOSTS, type LabInfo } from './topology.js';

/** Tells the user where everything is once the lab is up. */
export function printLab(lab: LabInfo, elapsedMs: number): void {
  const lines = [
    `lab: up in ${(elapsedMs / 1000).toFixed(1)} s (net-net sun↔moon, carol and dave → moon${lab.clients > 0 ? `, ${lab.clients} clients venus → moon` : ''})`,
    ...HOSTS.map(
      (h) =>
        `  ${h.padEnd(6)} ${lab.sockets[h].padEnd(32)} ns ${lab.ns[h].padEnd(12)} charon ${(lab.strongswan?.[h]?.version ?? '?').padEnd(6)} log ${lab.logs[h]}`,
    ),
    `  watch moon: swanctl --list-sas --uri ${lab.uris.moon}`,
    `  stop:       ${stopHint(lab)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function stopHint(lab: Pick<LabInfo, 'dir' | 'prefix'>): string {
  const env = [
    lab.dir !== '/run/swantop-lab' ? `SWANTOP_LAB_DIR=${lab.dir}` : '',
    lab.prefix !== 'swl' ? `SWANTOP_LAB_PREFIX=${lab.prefix}` : '',
  ].filter(Boolean);
  return `${env.length > 0 ? `${env.join(' ')} ` : ''}npm run lab:down`;
}
