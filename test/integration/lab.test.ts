/**
 * The lab is real: every claim is checked with swanctl (the official VICI client) as the
 * oracle, and traffic is sent through the tunnel between the namespaces.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import {
  addClients,
  childSas,
  daemonPid,
  killDaemon,
  type LabInfo,
  nsExec,
  type OracleIkeSa,
  oracleListSas,
  type PlainSection,
  removeClients,
  restartDaemon,
  run,
  startLab,
  startTraffic,
  stopLab,
  swanctlRaw,
  TRAFFIC,
} from '../../lab/lab.js';

const lab: LabInfo = inject('lab');

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
  );
}

const isUp = (sa: PlainSection) =>
  sa.state === 'ESTABLISHED' &&
  childSas(sa).length > 0 &&
  childSas(sa).every((c) => c.state === 'INSTALLED');

function roadWarrior(sas: OracleIkeSa[], host: 'carol' | 'dave'): PlainSection | undefined {
  return sas.find((s) => s.name === lab.conns.rw && s.sa['remote-id'] === `${host}.swantop.test`)
    ?.sa;
}

/** Is `ip` inside the IPv4 network `cidr`? */
function inNet(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/') as [string, string];
  const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(net) / size);
}

/** Listens for one UDP datagram inside a namespace; resolves with its text and source. */
function receiveOne(
  ns: string,
  address: string,
  port: number,
): { ready: Promise<void>; got: Promise<string> } {
  const script = `
    const s = require('node:dgram').createSocket('udp4');
    s.on('message', (m, r) => { console.log(r.address + ' ' + m.toString()); process.exit(0); });
    s.bind(${port}, '${address}', () => console.log('ready'));
    setTimeout(() => process.exit(3), 15000);`;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script]);
  let out = '';
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => {
    readyResolve = r;
  });
  const got = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready\n')) readyResolve();
    });
    child.on('exit', (code) => {
      if (code === 0) resolve(out.replace('ready\n', '').trim());
      else reject(new Error(`no datagram arrived at ${address}:${port} in ${ns} (exit ${code})`));
      readyResolve();
    });
  });
  return { ready, got };
}

describe('the lab', () => {
  it('has net-net between moon and sun ESTABLISHED with an INSTALLED CHILD_SA on both sides', async () => {
    for (const host of ['moon', 'sun'] as const) {
      const sas = await oracleListSas(lab.sockets[host], ['--ike', lab.conns.netNet]);
      expect(sas).toHaveLength(1);
      const sa = (sas[0] as OracleIkeSa).sa;
      expect(sa.state).toBe('ESTABLISHED');
      const [child] = childSas(sa);
      expect(child?.state).toBe('INSTALLED');
      const [local, remote] =
        host === 'moon' ? ['10.1.0.0/16', '10.2.0.0/16'] : ['10.2.0.0/16', '10.1.0.0/16'];
      expect(child?.['local-ts']).toEqual([local]);
      expect(child?.['remote-ts']).toEqual([remote]);
    }
  });

  it('carries a UDP datagram from 10.1.0.1 to 10.2.0.1 through the tunnel', async () => {
    const before = childSas(
      (await oracleListSas(lab.sockets.moon, ['--ike', lab.conns.netNet]))[0]?.sa ?? {},
    )[0];
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const payload = `swantop-${randomBytes(6).toString('hex')}`;
    const { ready, got } = receiveOne(lab.ns.sun, lab.addresses.sunInner, port);
    await ready;
    const send = `
      const s = require('node:dgram').createSocket('udp4');
      s.bind(0, '${lab.addresses.moonInner}', () =>
        s.send(process.argv[1], ${port}, '${lab.addresses.sunInner}', (e) => { if (e) { console.error(e.message); process.exit(1); } s.close(); }));`;
    await nsExec(lab.ns.moon, [process.execPath, '-e', send, payload], { timeoutMs: 10_000 });
    expect(await got).toBe(`${lab.addresses.moonInner} ${payload}`);
    // It went through ESP: moon's CHILD_SA counted it going out.
    const after = childSas(
      (await oracleListSas(lab.sockets.moon, ['--ike', lab.conns.netNet]))[0]?.sa ?? {},
    )[0];
    expect(Number(after?.['packets-out'])).toBeGreaterThan(Number(before?.['packets-out'] ?? 0));
  });

  it('lab:up’s UDP stream moves net-net’s byte counters both ways, and stops with its process', async () => {
    const counts = async () => {
      const [netNet] = await oracleListSas(lab.sockets.moon, ['--ike', lab.conns.netNet]);
      const child = childSas(netNet!.sa).find((c) => c.state === 'INSTALLED');
      return { out: Number(child?.['bytes-out']), in: Number(child?.['bytes-in']) };
    };
    const before = await counts();
    const pid = await startTraffic(lab);
    try {
      await waitFor('the stream through net-net', async () => {
        const now = await counts();
        return now.out >= before.out + 3 * TRAFFIC.bytes && now.in > before.in ? now : undefined;
      });
    } finally {
      process.kill(pid, 'SIGTERM');
    }
    await waitFor('the stream to stop', async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
  });

  it('gives carol and dave virtual IPs from moon’s pool over certificate-authenticated IKE_SAs', async () => {
    const sas = await oracleListSas(lab.sockets.moon);
    const vips: string[] = [];
    for (const host of ['carol', 'dave'] as const) {
      const sa = roadWarrior(sas, host);
      expect(sa, `${host}'s IKE_SA on moon`).toBeDefined();
      expect(isUp(sa as PlainSection)).toBe(true);
      const remoteVips = (sa as PlainSection)['remote-vips'] as string[];
      expect(remoteVips).toHaveLength(1);
      const vip = remoteVips[0] as string;
      expect(inNet(vip, lab.addresses.moonPool)).toBe(true);
      vips.push(vip);
      // The road warrior holds the same address.
      const own = await oracleListSas(lab.sockets[host]);
      expect(own).toHaveLength(1);
      expect(own[0]?.sa['local-vips']).toEqual([vip]);
      expect(isUp(own[0]?.sa as PlainSection)).toBe(true);
    }
    expect(new Set(vips).size).toBe(2);

    const pools = await swanctlRaw(lab.sockets.moon, ['--list-pools', '--leases']);
    const rwPool = pools.find((m) => m.label === 'get-pools reply')?.body.rw_pool as PlainSection;
    expect(rwPool.base).toBe('10.3.0.0');
    expect(rwPool.online).toBe('2');
    const leases = Object.values(rwPool.leases as PlainSection) as PlainSection[];
    expect(leases.map((l) => l.identity).sort()).toEqual([
      'carol.swantop.test',
      'dave.swantop.test',
    ]);

    // moon authenticates the road warriors by public key against the lab CA...
    const conns = await swanctlRaw(lab.sockets.moon, ['--list-conns']);
    const rw = conns.find((m) => m.label === 'list-conn event' && m.body.rw)?.body
      .rw as PlainSection;
    expect((rw['remote-1'] as PlainSection).class).toBe('public key');
    expect((rw['remote-1'] as PlainSection).cacerts).toEqual([
      'C=CH, O=swantop lab, CN=swantop lab CA',
    ]);
    // ...and holds the certificates they sent, issued by that CA.
    for (const host of ['carol', 'dave']) {
      const listed = await run('swanctl', [
        '--list-certs',
        '--subject',
        `C=CH, O=swantop lab, CN=${host}.swantop.test`,
        '--uri',
        lab.uris.moon,
      ]);
      expect(listed.stdout).toContain(`CN=${host}.swantop.test`);
      expect(listed.stdout).toContain('issuer:   "C=CH, O=swantop lab, CN=swantop lab CA"');
    }
  });

  it('lets moon redirect dave to sun, where dave authenticates and gets an address from sun’s pool', async () => {
    const redirected = await swanctlRaw(lab.sockets.moon, [
      '--redirect',
      '--peer-id',
      'dave.swantop.test',
      '--gateway',
      lab.addresses.sunIp,
    ]);
    expect(redirected.find((m) => m.label === 'redirect reply')?.body.success).toBe('yes');
    const onSun = await waitFor('dave on sun', async () => {
      const sa = roadWarrior(await oracleListSas(lab.sockets.sun), 'dave');
      return sa && isUp(sa) ? sa : undefined;
    });
    expect(inNet((onSun['remote-vips'] as string[])[0] as string, lab.addresses.sunPool)).toBe(
      true,
    );
    const dave = await oracleListSas(lab.sockets.dave);
    expect(dave).toHaveLength(1);
    expect(dave[0]?.sa['remote-host']).toBe(lab.addresses.sunIp);
    expect(dave[0]?.sa['remote-id']).toBe('sun.swantop.test');
    await waitFor('dave gone from moon', async () =>
      roadWarrior(await oracleListSas(lab.sockets.moon), 'dave') ? undefined : true,
    );

    // Put dave back on moon for the other tests.
    await run('swanctl', ['--terminate', '--ike', 'home', '--uri', lab.uris.dave]);
    await run('swanctl', [
      '--initiate',
      '--child',
      'home',
      '--timeout',
      '20',
      '--uri',
      lab.uris.dave,
    ]);
    const back = roadWarrior(await oracleListSas(lab.sockets.moon), 'dave');
    expect(back && isUp(back)).toBe(true);
    await waitFor('dave gone from sun', async () =>
      roadWarrior(await oracleListSas(lab.sockets.sun), 'dave') ? undefined : true,
    );
  });

  it('brings up 200 scale clients from venus, each with an INSTALLED CHILD_SA, and takes them down again', async () => {
    const before = lab.clients;
    // Progress every 250 ms here (5 s by default): no stretch of the run may go unreported.
    const lines: { at: number; line: string }[] = [];
    const t0 = Date.now();
    await addClients(lab, 200, {
      progressMs: 250,
      log: (line) => lines.push({ at: Date.now(), line }),
    });
    const t1 = Date.now();
    try {
      expect(lab.clients).toBe(before + 200);
      const times = [t0, ...lines.map((l) => l.at), t1];
      const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
      expect(Math.max(...gaps), lines.map((l) => l.line).join(' | ')).toBeLessThan(1_500);
      expect(
        lines.some((l) => /client addresses on venus|clients up, \d+ in flight/.test(l.line)),
      ).toBe(true);
      const onMoon = await oracleListSas(lab.sockets.moon, ['--ike', lab.conns.scale]);
      expect(onMoon).toHaveLength(200);
      expect(onMoon.every((s) => isUp(s.sa))).toBe(true);
      const remoteTs = new Set(onMoon.map((s) => String(childSas(s.sa)[0]?.['remote-ts'])));
      expect(remoteTs.size).toBe(200);
      for (const ts of remoteTs)
        expect(inNet((ts as string).split('/')[0] as string, lab.addresses.clientNet)).toBe(true);
      const onVenus = await oracleListSas(lab.sockets.venus);
      expect(onVenus.filter((s) => isUp(s.sa))).toHaveLength(200);
      // carol stays clean: the clients live on venus only.
      expect(await oracleListSas(lab.sockets.carol)).toHaveLength(1);
    } finally {
      await removeClients(lab);
    }
    expect(lab.clients).toBe(0);
    await waitFor('moon to drop the clients', async () =>
      (await oracleListSas(lab.sockets.moon, ['--ike', lab.conns.scale])).length === 0
        ? true
        : undefined,
    );
  });

  it('restarts a killed daemon with its config, and its SA comes back', async () => {
    const old = await daemonPid(lab, 'carol');
    expect(old).toBeTypeOf('number');
    expect(await killDaemon(lab, 'carol', 'SIGKILL')).toBe(old);
    expect(await daemonPid(lab, 'carol')).toBeUndefined();
    const pid = await restartDaemon(lab, 'carol');
    expect(pid).not.toBe(old);
    expect(await daemonPid(lab, 'carol')).toBe(pid);
    const own = await oracleListSas(lab.sockets.carol);
    expect(own).toHaveLength(1);
    expect(isUp(own[0]?.sa as PlainSection)).toBe(true);
    // moon replaced its stale SA with the new one (INITIAL_CONTACT): exactly one for carol.
    await waitFor('one carol SA on moon', async () => {
      const carols = (await oracleListSas(lab.sockets.moon)).filter(
        (s) => s.sa['remote-id'] === 'carol.swantop.test' && isUp(s.sa),
      );
      return carols.length === 1 ? true : undefined;
    });
  });

  it('restarts a stopped (SIGSTOP) moon, and every peer dials it again', async () => {
    const old = await daemonPid(lab, 'moon');
    await killDaemon(lab, 'moon', 'SIGSTOP');
    let pid: number;
    try {
      // /proc/PID/stat: "pid (comm) state ..."; T = stopped by a signal.
      await waitFor('moon to stop', async () => {
        const stat = await run('cat', [`/proc/${old}/stat`]);
        return stat.stdout.split(') ')[1]?.startsWith('T') ? true : undefined;
      });
    } finally {
      // Restart even if the check failed: later tests need a running moon.
      pid = await restartDaemon(lab, 'moon');
    }
    expect(pid).not.toBe(old);
    const sas = await oracleListSas(lab.sockets.moon);
    expect(
      sas
        .filter((s) => isUp(s.sa))
        .map((s) => s.sa['remote-id'])
        .sort(),
    ).toEqual(['carol.swantop.test', 'dave.swantop.test', 'sun.swantop.test']);
  });

  it('runs a second lab beside this one, mixed (moon on 6.1, the rest on 5.9.8), and stopping it twice is harmless', async () => {
    // Derived from this run's lab, so runs with labs of their own do not share the second one.
    const other = { dir: `${lab.dir}-2`, prefix: `${lab.prefix.slice(0, 7)}2` };
    try {
      const second = await startLab({ ...other, strongswan: 'moon=6.1' });
      expect(second.ns.moon).toBe(`${other.prefix}-moon`);
      // What each daemon says it is, over its own socket (not what the lab recorded).
      const daemon = async (h: 'moon' | 'sun' | 'carol') =>
        (await swanctlRaw(second.sockets[h], ['--version', '--daemon']))[0]?.body.version;
      expect([await daemon('moon'), await daemon('sun'), await daemon('carol')]).toEqual([
        second.strongswan.moon.version,
        second.strongswan.sun.version,
        second.strongswan.carol.version,
      ]);
      expect(second.strongswan.moon.version).toMatch(/^6\.1\./);
      expect(second.strongswan.sun.version).toMatch(/^5\.9\./);
      for (const l of [lab, second]) {
        const sas = await oracleListSas(l.sockets.moon);
        expect(sas.filter((s) => isUp(s.sa))).toHaveLength(3);
      }
    } finally {
      const first = await stopLab(other);
      expect(first.removed).toHaveLength(6);
      expect((await stopLab(other)).removed).toEqual([]);
      await rm(other.dir, { recursive: true, force: true });
    }
    const { stdout } = await run('ip', ['netns', 'list']);
    const names = stdout.split('\n').map((l) => l.split(' ')[0]);
    expect(names.filter((n) => n?.startsWith(`${other.prefix}-`))).toEqual([]);
    expect(names).toContain(lab.ns.moon);
    expect((await oracleListSas(lab.sockets.moon)).length).toBe(3);
  });
});

describe('the lab commands', () => {
  const tsx = 'node_modules/.bin/tsx';
  // Bad input is refused before anything is touched, so these never disturb a running lab.
  const cases: [string, string[], string[], RegExp][] = [
    ['an unknown flag', [], ['lab/up.ts', '--bogus'], /^lab: unknown argument "--bogus"/],
    [
      'a count that is not a number',
      [],
      ['lab/up.ts', '--clients', 'many'],
      /^lab: --clients wants a whole number/,
    ],
    ['a missing count', [], ['lab/up.ts', '--clients'], /^lab: --clients needs a number/],
    ['an argument to lab:down', [], ['lab/down.ts', 'now'], /^lab: unknown argument "now"/],
    [
      'a user who is not root',
      ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
      ['lab/up.ts'],
      /^lab: the lab needs root to create network namespaces$/,
    ],
    [
      'an unknown strongSwan version',
      [],
      ['lab/up.ts', '--strongswan', '6.9'],
      /^lab: unknown strongSwan version "6.9" \(known: 5.9, 6.0, 6.1\)$/,
    ],
    [
      'a version for a host the lab has not',
      [],
      ['lab/up.ts', '--strongswan', 'mars=6.1'],
      /^lab: unknown lab host "mars"/,
    ],
  ];
  for (const [what, wrapper, args, message] of cases) {
    it(`refuses ${what} with one line and exit code 2`, async () => {
      const [cmd, ...rest] = [...wrapper, tsx, ...args] as [string, ...string[]];
      const res = await run(cmd, rest, { allowFailure: true, timeoutMs: 60_000 });
      expect(res.code).toBe(2);
      const lines = res.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(res.stdout).toBe('');
    });
  }

  it('npm run lab as a user who is not root: one line before anything is built, exit 2', async () => {
    const res = await run(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', 'npm', 'run', '--silent', 'lab'],
      { allowFailure: true, timeoutMs: 60_000 },
    );
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toEqual([
      'lab: the lab needs root to create network namespaces',
    ]);
    expect(res.stdout).toBe('');
  });

  it('lab:down keeps the lab dir and says so; lab:down -- --purge removes it', async () => {
    const dir = `${lab.dir}-purge`;
    const env = {
      ...process.env,
      SWANTOP_LAB_DIR: dir,
      SWANTOP_LAB_PREFIX: `${lab.prefix.slice(0, 7)}p`,
    };
    await run('mkdir', ['-p', `${dir}/pki`, `${dir}/moon`]);
    await run('touch', [`${dir}/pki/ca.key`, `${dir}/moon/charon.log`]);
    const kept = await run(tsx, ['lab/down.ts'], { env, timeoutMs: 60_000 });
    expect(kept.stdout).toContain(
      `lab: kept ${dir} (logs, configs, the lab CA's key); remove it with: npm run lab:down -- --purge`,
    );
    expect((await run('ls', [dir])).stdout.split('\n')).toContain('pki');
    const purged = await run(tsx, ['lab/down.ts', '--purge'], { env, timeoutMs: 60_000 });
    expect(purged.stdout).toContain(`lab: removed ${dir}`);
    expect((await run('test', ['-e', dir], { allowFailure: true })).code).toBe(1);
    // Not a lab's dir: refused with one line, nothing removed.
    await run('mkdir', ['-p', `${dir}/precious`]);
    try {
      const refused = await run(tsx, ['lab/down.ts', '--purge'], {
        env,
        allowFailure: true,
        timeoutMs: 60_000,
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toBe(
        `lab: ${dir} does not look like a lab dir (no pki/ or moon/); not removing it`,
      );
      expect((await run('ls', [dir])).stdout.trim()).toBe('precious');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a release it cannot fetch with one line naming it and exit 2, and starts nothing', async () => {
    const cache = `/tmp/swantop-lab-test-cache-${process.pid}`;
    const prefix = `${lab.prefix.slice(0, 7)}f`;
    try {
      const res = await run(tsx, ['lab/up.ts', '--strongswan', '6.0'], {
        allowFailure: true,
        timeoutMs: 120_000,
        env: {
          ...process.env,
          SWANTOP_LAB_CACHE: cache,
          // Loopback port 9 (discard): refused at once, so nothing leaves the machine.
          SWANTOP_LAB_MIRROR: 'http://127.0.0.1:9/debian',
          SWANTOP_LAB_PREFIX: prefix,
          SWANTOP_LAB_DIR: `${lab.dir}-fetch`,
        },
      });
      expect(res.code).toBe(2);
      const lines = res.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^lab: could not fetch strongSwan 6.0 \(Debian 13 "trixie"\) from http:\/\/127.0.0.1:9\/debian: .*(refused|Failed to fetch)/,
      );
      const { stdout } = await run('ip', ['netns', 'list']);
      expect(stdout.split('\n').filter((l) => l.startsWith(`${prefix}-`))).toEqual([]);
      // No half-built root is left where a later run would take it for a usable one.
      expect((await run('ls', ['-A', cache])).stdout.trim()).toBe('');
    } finally {
      await rm(cache, { recursive: true, force: true });
      await rm(`${lab.dir}-fetch`, { recursive: true, force: true });
    }
  });
});
