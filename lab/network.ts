import { LabError } from './errors.js';
import { run, sleep } from './exec.js';
import { HOST_IPS, HOSTS, INNER_IPS, type LabInfo, NAMESPACE_ROLES } from './topology.js';

/** The LAN prefix length; every host's eth0 sits on one bridge in the lan namespace. */
const LAN_BITS = 24;

const ip = (args: string[]) => run('ip', args, { timeoutMs: 10_000 });

/**
 * Builds the lab's network: a bridge in `<prefix>-lan` and one veth per host namespace.
 * Nothing is created in the root namespace (each veth is born with its ends inside the
 * lab's namespaces), so no traffic can leave the lab.
 */
export async function createNetwork(lab: LabInfo): Promise<void> {
  for (const role of NAMESPACE_ROLES) {
    await ip(['netns', 'add', lab.ns[role]]);
    await ip(['-n', lab.ns[role], 'link', 'set', 'lo', 'up']);
  }
  const lan = lab.ns.lan;
  await ip(['-n', lan, 'link', 'add', 'br0', 'type', 'bridge']);
  await ip(['-n', lan, 'link', 'set', 'br0', 'up']);
  for (const host of HOSTS) {
    const ns = lab.ns[host];
    await ip(['-n', lan, 'link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await ip(['-n', lan, 'link', 'set', host, 'master', 'br0']);
    await ip(['-n', lan, 'link', 'set', host, 'up']);
    await ip(['-n', ns, 'addr', 'add', `${HOST_IPS[host]}/${LAN_BITS}`, 'dev', 'eth0']);
    await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    const inner = INNER_IPS[host];
    if (inner) {
      // libipsec refuses to route a CHILD_SA unless the local selector holds a local address.
      await ip(['-n', ns, 'addr', 'add', `${inner}/32`, 'dev', 'lo']);
    }
  }
}

/** The lab namespaces of this prefix that exist right now. */
export async function existingNamespaces(lab: Pick<LabInfo, 'ns'>): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  const present = new Set(stdout.split('\n').map((l) => l.split(' ')[0]));
  return NAMESPACE_ROLES.map((r) => lab.ns[r]).filter((n) => present.has(n));
}

/** Process ids living in a namespace (charon, and anything a test started there). */
export async function namespacePids(ns: string): Promise<number[]> {
  const { stdout } = await run('ip', ['netns', 'pids', ns], { allowFailure: true });
  return stdout
    .split('\n')
    .map((l) => Number.parseInt(l.trim(), 10))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * Stops every process in the given namespaces (TERM, then KILL after a grace period) and
 * deletes the namespaces. Safe to call when some or none exist.
 */
export async function deleteNamespaces(
  namespaces: readonly string[],
  graceMs = 3_000,
): Promise<void> {
  const pidsOf = async () => (await Promise.all(namespaces.map(namespacePids))).flat();
  const signalAll = (pids: number[], sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // Already gone: that is what we want.
      }
    }
  };
  signalAll(await pidsOf(), 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let left = await pidsOf();
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = await pidsOf();
  }
  if (left.length > 0) {
    signalAll(left, 'SIGKILL');
    // A stopped (SIGSTOP) process dies on KILL too; give the kernel a moment to reap it.
    const killDeadline = Date.now() + 2_000;
    while ((await pidsOf()).length > 0 && Date.now() < killDeadline) await sleep(50);
  }
  for (const ns of namespaces) {
    const res = await run('ip', ['netns', 'del', ns], { allowFailure: true });
    if (res.code !== 0 && !/No such file/.test(res.stderr)) {
      throw new LabError(`could not delete namespace ${ns}: ${res.stderr.trim()}`);
    }
  }
}
