import { spawn } from 'node:child_process';
import { LabError } from './errors.js';
import type { LabInfo } from './topology.js';

/**
 * A small, bounded UDP stream through net-net, so a new user sees the rate columns move:
 * one datagram from moon's 10.1.0.1 to sun's 10.2.0.1 (the discard port) every half second,
 * for at most a day. Nobody listens on sun, so its answers (ICMP port unreachable) come back
 * through the tunnel too: both directions count. It lives in moon's namespace, so lab:down
 * stops it with everything else there.
 */
export const TRAFFIC = { bytes: 1_000, intervalMs: 500, port: 9, maxMs: 24 * 3_600_000 } as const;

const SENDER = `
const dgram = require('node:dgram');
const [to, from, port, bytes, every, max] = process.argv.slice(1);
const s = dgram.createSocket('udp4');
const payload = Buffer.alloc(Number(bytes), 0x5a);
s.on('error', () => {}); // an unreachable answer is expected; keep sending
s.bind(0, from, () => {
  const t = setInterval(() => s.send(payload, Number(port), to), Number(every));
  setTimeout(() => { clearInterval(t); s.close(); }, Number(max));
});
`;

/** Starts the stream (detached); resolves with its pid once it runs. */
export async function startTraffic(lab: LabInfo): Promise<number> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      lab.ns.moon,
      process.execPath,
      '-e',
      SENDER,
      lab.addresses.sunInner,
      lab.addresses.moonInner,
      String(TRAFFIC.port),
      String(TRAFFIC.bytes),
      String(TRAFFIC.intervalMs),
      String(TRAFFIC.maxMs),
    ],
    { detached: true, stdio: 'ignore' },
  );
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid as number));
    child.once('error', (e) =>
      reject(new LabError(`could not start the UDP stream: ${e.message}`)),
    );
  });
  child.unref();
  return pid;
}
