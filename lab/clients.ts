/**
 * Scale clients: many road-warrior IKE_SAs from venus to moon, each with an INSTALLED CHILD_SA,
 * brought up through the project's own VICI Session — one connection per client loaded with
 * load-conn, dialled with a non-blocking initiate (timeout -1), and counted from child-updown
 * events. Non-blocking matters: more than ~5 blocking initiates in flight can leave charon
 * with no free worker thread to process the IKE replies, hanging it for good.
 */
import { readFile } from 'node:fs/promises';
import { Session } from '../source/vici/index.js';
import { daemonPid } from './daemon.js';
import { LabError } from './errors.js';
import { run, sleep } from './exec.js';
import { saveLab } from './lab-state.js';
import type { LabInfo } from './topology.js';

export const MAX_CLIENTS = 60_000;

/** Client i (1-based) owns 10.5.x.y/32 with y in 1..254, x from 0 up. */
export function clientAddress(i: number): string {
  const x = Math.floor((i - 1) / 254);
  const y = ((i - 1) % 254) + 1;
  return `10.5.${x}.${y}`;
}

export const clientName = (i: number) => `c${i}`;
export const clientId = (i: number) => `c${i}.clients.swantop.test`;

export interface AddClientsOptions {
  /** Initiates in flight at once; default 12 when moon's limits were raised, else 3. */
  concurrency?: number;
  /** Give up on a client that is not up this long after its initiate (default 60 s). */
  clientTimeoutMs?: number;
  log?: (line: string) => void;
  /** How often a progress line is logged while the run lasts (default PROGRESS_MS). */
  progressMs?: number;
}

/**
 * Addresses go onto venus' lo in chunks, each only once charon has read the events of the
 * last: its netlink event socket has a fixed receive buffer (5.9.8 applies
 * receive_buffer_size to other sockets only), and an event it misses leaves it unaware of
 * the address, after which the CHILD_SA cannot be routed ("unable to install IPsec policies").
 * The kernel reports the socket's queued bytes and drops in /proc/PID/net/netlink; a chunk
 * that saw drops is removed and added again.
 */
const ADDR_CHUNK = 100;
const ADDR_PAUSE_MS = 5;

interface EventSocketState {
  queued: number;
  drops: number;
}

/** charon's route event sockets (NETLINK_ROUTE with multicast groups), as the kernel sees them. */
async function eventSockets(pid: number): Promise<EventSocketState> {
  const text = await readFile(`/proc/${pid}/net/netlink`, 'utf8');
  const state = { queued: 0, drops: 0 };
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 9 || f[1] !== '0' || Number.parseInt(f[3] as string, 16) === 0) continue;
    state.queued += Number(f[4]);
    state.drops += Number(f[8]);
  }
  return state;
}

async function drained(pid: number): Promise<EventSocketState> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const state = await eventSockets(pid);
    if (state.queued === 0 || Date.now() > deadline) return state;
    await sleep(ADDR_PAUSE_MS);
  }
}

async function addAddresses(
  lab: LabInfo,
  from: number,
  to: number,
  progress: (added: number) => void = () => {},
): Promise<void> {
  const pid = await daemonPid(lab, 'venus');
  if (pid === undefined) throw new LabError(`venus' charon is not running; see ${lab.logs.venus}`);
  const batch = (lines: string[]) =>
    run('ip', ['-n', lab.ns.venus, '-batch', '-'], {
      input: `${lines.join('\n')}\n`,
      timeoutMs: 30_000,
      allowFailure: true,
    });
  let drops = (await drained(pid)).drops;
  for (let start = from; start <= to; start += ADDR_CHUNK) {
    const addrs: string[] = [];
    for (let i = start; i <= Math.min(to, start + ADDR_CHUNK - 1); i++)
      addrs.push(`${clientAddress(i)}/32`);
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) await batch(addrs.map((a) => `address del ${a} dev lo`));
      const res = await batch(addrs.map((a) => `address add ${a} dev lo`));
      if (res.code !== 0 && attempt === 1 && !/File exists/.test(res.stderr)) {
        throw new LabError(
          `could not add client addresses on venus: ${res.stderr.trim().split('\n')[0]}`,
        );
      }
      const state = await drained(pid);
      const lost = state.drops - drops;
      drops = state.drops;
      if (lost === 0 && state.queued === 0) break;
      if (attempt === 5) {
        throw new LabError(
          `venus' charon keeps missing address events (${lost} lost); see ${lab.logs.venus}`,
        );
      }
    }
    progress(Math.min(to, start + ADDR_CHUNK - 1) - from + 1);
  }
}

function clientConn(lab: LabInfo, i: number) {
  const name = clientName(i);
  return {
    [name]: {
      version: 2,
      local_addrs: [lab.addresses.venusIp],
      remote_addrs: [lab.addresses.moonIp],
      proposals: ['aes128-sha256-x25519'],
      local: { auth: 'psk', id: clientId(i) },
      remote: { auth: 'psk', id: 'scale.moon.swantop.test' },
      children: {
        [name]: {
          local_ts: [`${clientAddress(i)}/32`],
          remote_ts: [lab.addresses.moonNet],
          esp_proposals: ['aes128-sha256-x25519'],
        },
      },
    },
  };
}

/** The highest client index venus already has a connection for (0 when none). */
async function lastClientIndex(session: Session): Promise<number> {
  let last = 0;
  for (const conn of await session.getConns()) {
    const m = /^c(\d+)$/.exec(conn);
    if (m) last = Math.max(last, Number(m[1]));
  }
  return last;
}

/**
 * Brings up `n` more scale clients and resolves once every one has an INSTALLED CHILD_SA on
 * venus' side (moon installs its side before it answers). Updates `lab.clients` and the lab's
 * state file. Fails naming how many did not come up and where the logs are.
 */
export async function addClients(
  lab: LabInfo,
  n: number,
  opts: AddClientsOptions = {},
): Promise<LabInfo> {
  if (!Number.isInteger(n) || n < 0)
    throw new LabError(`the number of clients must be a whole number, not ${n}`);
  if (n === 0) return lab;
  const log = opts.log ?? (() => {});
  const concurrency = Math.max(1, opts.concurrency ?? (lab.scale ? 12 : 3));
  const clientTimeoutMs = opts.clientTimeoutMs ?? 60_000;
  const started = Date.now();

  const session = await Session.connect({ uri: lab.uris.venus, timeoutMs: 30_000 });
  try {
    const first = (await lastClientIndex(session)) + 1;
    const last = first + n - 1;
    if (last > MAX_CLIENTS)
      throw new LabError(`the lab has room for ${MAX_CLIENTS} clients, not ${last}`);
    log(`adding ${n} clients (${clientName(first)}..${clientName(last)}) on venus`);
    // Progress on a clock of its own, every 5 s whatever the step is waiting on (a busy charon
    // can hold a load-conn or an address chunk for long), so a long run never reads as a hang.
    let status = `0 of ${n} client addresses on venus`;
    const reporter = setInterval(
      () => log(`${status} (${elapsed(started)})`),
      opts.progressMs ?? PROGRESS_MS,
    );
    try {
      await addAddresses(lab, first, last, (added) => {
        status = `${added} of ${n} client addresses on venus`;
      });
      return await bringUp();
    } finally {
      clearInterval(reporter);
    }

    async function bringUp(): Promise<LabInfo> {
      const events = session.listen(['child-updown']);
      await events.ready;
      const pending = new Map<string, number>(); // name → deadline
      let up = 0;
      let failure: Error | undefined;
      let wake: (() => void) | undefined;
      const nudge = () => {
        wake?.();
        wake = undefined;
      };

      const watch = (async () => {
        for await (const ev of events) {
          if (ev?.message.get('up')?.toString() !== 'yes') continue;
          for (const key of ev.message.keys()) {
            if (pending.delete(key)) {
              up++;
              nudge();
            }
          }
        }
      })().catch((e: Error) => {
        failure = e;
        nudge();
      });

      let next = first;
      const report = () => {
        status = `${up} of ${n} clients up, ${pending.size} in flight`;
      };
      report();
      while (up < n) {
        if (failure) throw failure;
        const now = Date.now();
        for (const [name, deadline] of pending) {
          if (deadline < now) {
            throw new LabError(
              `${pending.size} scale clients (first ${name}) not up after ${clientTimeoutMs / 1000} s (${up} of ${n} up); see ${lab.logs.venus} and ${lab.logs.moon}`,
            );
          }
          break; // insertion order: the first pending is the oldest
        }
        while (pending.size < concurrency && next <= last) {
          const i = next++;
          const name = clientName(i);
          await session.loadConn(clientConn(lab, i));
          pending.set(name, Date.now() + clientTimeoutMs);
          await session.initiate({ child: name, timeout: -1 }).result;
        }
        report();
        if (up < n) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 500);
          });
        }
      }
      await events.close();
      await watch;
      lab.clients += n;
      await saveLab(lab);
      log(
        `${n} clients up in ${((Date.now() - started) / 1000).toFixed(1)} s (${lab.clients} in all)`,
      );
      return lab;
    }
  } finally {
    await session.close();
  }
}

/** How often a --clients run reports its progress. */
export const PROGRESS_MS = 5_000;

const elapsed = (since: number) => `${Math.round((Date.now() - since) / 1000)} s`;

/**
 * Takes every scale client down again (a real IKE DELETE, so moon drops its side too),
 * unloads their connections and removes their addresses from venus, so a shared lab is left
 * as it was. Resolves once venus reports each IKE_SA down.
 */
export async function removeClients(
  lab: LabInfo,
  opts: { timeoutMs?: number } = {},
): Promise<LabInfo> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const session = await Session.connect({ uri: lab.uris.venus, timeoutMs: 30_000 });
  try {
    const names = (await session.getConns()).filter((c) => /^c\d+$/.test(c));
    const established = new Set<string>();
    for await (const sa of session.listSas({ noblock: true })) {
      if (/^c\d+$/.test(sa.name)) established.add(sa.name);
    }
    const events = session.listen(['ike-updown']);
    await events.ready;
    const gone = (async () => {
      for await (const ev of events) {
        if (!ev || ev.message.get('up')?.toString() === 'yes') continue;
        for (const key of ev.message.keys()) established.delete(key);
        if (established.size === 0) return;
      }
    })();
    for (const name of [...established]) {
      try {
        await session.terminate({ ike: name, timeout: -1 }).result;
      } catch {
        // Already going down (e.g. moon deleted it first): the event still arrives.
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new LabError(
              `${established.size} scale clients still up after ${timeoutMs / 1000} s; see ${lab.logs.venus}`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      if (established.size > 0) await Promise.race([gone, late]);
    } finally {
      clearTimeout(timer);
      await events.close();
    }
    for (const name of names) await session.unloadConn({ name });
    await removeAddresses(
      lab,
      names.map((n) => Number(n.slice(1))),
    );
    lab.clients = 0;
    await saveLab(lab);
    return lab;
  } finally {
    await session.close();
  }
}

async function removeAddresses(lab: LabInfo, indexes: number[]): Promise<void> {
  const pid = await daemonPid(lab, 'venus');
  for (let start = 0; start < indexes.length; start += ADDR_CHUNK) {
    const lines = indexes
      .slice(start, start + ADDR_CHUNK)
      .map((i) => `address del ${clientAddress(i)}/32 dev lo`);
    await run('ip', ['-n', lab.ns.venus, '-batch', '-'], {
      input: `${lines.join('\n')}\n`,
      timeoutMs: 30_000,
      allowFailure: true,
    });
    if (pid !== undefined) await drained(pid);
  }
}
