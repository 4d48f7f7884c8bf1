/*
 * Every non-SA command against the real lab, each checked by its effect on the daemon (read
 * back through another command, or through swanctl as an independent oracle). Credential and
 * authority changes happen on venus, which holds nothing but the scale PSK; everything else is
 * loaded under throwaway names and removed again.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swanctl } from '../../lab/lab.js';
import { CommandError, type Session, text } from '../../source/vici/index.js';
import {
  atLeast,
  caFile,
  certFile,
  connect,
  keyFile,
  labInfo,
  pemFileToDer,
  until,
} from './vici-lab.js';

const lab = labInfo();
let moon: Session;
let venus: Session;

beforeAll(async () => {
  moon = await connect(lab, 'moon');
  venus = await connect(lab, 'venus');
});

afterAll(async () => {
  await moon?.close();
  await venus?.close();
});

describe('daemon', () => {
  it('version names the daemon swanctl also reports', async () => {
    const v = await moon.version();
    expect(v.daemon).toBe('charon');
    expect(v.sysname).toBe('Linux');
    const oracle = await swanctl(lab.sockets.moon, ['--version', '--daemon', '--raw']);
    expect(oracle).toContain(
      `daemon=${v.daemon} version=${v.version} sysname=${v.sysname} release=${v.release} machine=${v.machine}`,
    );
  });

  it('stats counts the IKE_SAs list-sas lists and the plugins the lab loads', async () => {
    const [stats, sas] = [await moon.stats(), await moon.listSas().collect()];
    expect(stats.ikeSasTotal).toBe(sas.length);
    expect(stats.plugins).toEqual(expect.arrayContaining(['vici', 'counters', 'kernel-libipsec']));
    expect(stats.workersTotal).toBeGreaterThan(0);
    expect(stats.uptimeSince).toBeTruthy();
  });

  it('get-algorithms lists the algorithms the loaded plugins provide', async () => {
    const algs = await moon.getAlgorithms();
    expect(algs.encryption.AES_CBC).toMatch(/aes|openssl/);
    expect(Object.keys(algs.hasher).length).toBeGreaterThan(0);
    expect(Object.keys(algs.ke).length).toBeGreaterThan(0); // `dh` on 5.9
    // every section the daemon sent, by its own name, plugin names as text
    const raw = algs.raw.get('encryption') as Map<string, Buffer>;
    expect(algs.byType.encryption).toEqual(
      Object.fromEntries([...raw].map(([k, v]) => [k, text(v)])),
    );
    expect(Object.keys(algs.byType)).toEqual([...algs.raw.keys()]);
  });

  it('reload-settings re-reads strongswan.conf: venus reopens (and so restarts) its log', async () => {
    const log = lab.logs.venus;
    const marker = 'vici-reload-marker';
    // something recognisable in venus' log first: loading a secret logs its id
    await venus.loadShared({ id: marker, type: 'IKE', data: 'x', owners: ['marker.swantop.test'] });
    await venus.unloadShared({ id: marker });
    await until('the marker in venus’ log', async () =>
      (await readFile(log, 'utf8')).includes(marker),
    );
    await venus.reloadSettings();
    // filelog has append = no: reopening the logger truncates the file
    expect(await readFile(log, 'utf8')).not.toContain(marker);
  });
});

describe('connections and policies', () => {
  const name = 'vici-test-trap';
  const conn = {
    [name]: {
      version: 2,
      local_addrs: [lab.addresses.moonIp],
      remote_addrs: ['192.168.0.99'],
      proposals: ['aes128-sha256-x25519'],
      local: { auth: 'psk', id: 'moon.swantop.test' },
      remote: { auth: 'psk', id: 'trap.swantop.test' },
      children: {
        [name]: {
          local_ts: [lab.addresses.moonNet],
          remote_ts: ['10.99.0.0/24'],
          esp_proposals: ['aes128-sha256-x25519'],
          mode: 'tunnel',
        },
      },
    },
  };

  it('load-conn adds a connection that get-conns and list-conns show; unload-conn removes it', async () => {
    await moon.loadConn(conn);
    try {
      expect(await moon.getConns()).toContain(name);
      const listed = await moon.listConns({ ike: name }).collect();
      expect(listed).toHaveLength(1);
      expect(listed[0]!.remoteAddrs).toEqual(['192.168.0.99']);
      expect(listed[0]!.children.map((c) => [c.name, c.remoteTs])).toEqual([
        [name, ['10.99.0.0/24']],
      ]);
      const all = await moon.listConns().collect();
      expect(all.map((c) => c.name)).toEqual(expect.arrayContaining(['net-net', 'rw', name]));

      // install / uninstall a trap policy for the connection's CHILD_SA
      await moon.install({ child: name, ike: name });
      const traps = await until('the trap policy', async () => {
        const p = await moon.listPolicies({ trap: true }).collect();
        return p.some((x) => x.child === name) ? p : undefined;
      });
      const trap = traps.find((p) => p.child === name)!;
      expect(trap.mode).toBe('TUNNEL');
      expect(trap.remoteTs).toEqual(['10.99.0.0/24']);
      await moon.uninstall({ child: name, ike: name });
      const left = await moon.listPolicies({ trap: true }).collect();
      expect(left.some((p) => p.child === name)).toBe(false);
      await expect(moon.uninstall({ child: name, ike: name })).rejects.toBeInstanceOf(CommandError);
    } finally {
      await moon.unloadConn({ name });
    }
    expect(await moon.getConns()).not.toContain(name);
    expect(await moon.listConns({ ike: name }).collect()).toEqual([]);
    await expect(moon.unloadConn({ name })).rejects.toBeInstanceOf(CommandError);
  });
});

describe('pools', () => {
  it('get-pools shows carol’s and dave’s leases in rw_pool', async () => {
    const pools = await moon.getPools({ leases: true });
    const rw = pools.find((p) => p.name === 'rw_pool')!;
    // 6.0 and later report a pool's first usable address, 5.9 its network address.
    expect(rw.base).toBe(atLeast(lab, 'moon', '6.0.0') ? '10.3.0.1' : '10.3.0.0');
    expect(
      rw.leases
        .filter((l) => l.status === 'online')
        .map((l) => l.identity)
        .sort(),
    ).toEqual(['carol.swantop.test', 'dave.swantop.test']);
    expect(rw.online).toBe(2);
  });

  it('load-pool adds a pool get-pools shows; unload-pool removes it', async () => {
    await moon.loadPool({ 'vici-test-pool': { addrs: '10.88.0.0/28' } });
    try {
      const [pool] = await moon.getPools({ name: 'vici-test-pool' });
      expect(pool?.base).toBe(atLeast(lab, 'moon', '6.0.0') ? '10.88.0.1' : '10.88.0.0');
      expect(pool?.size).toBeGreaterThanOrEqual(14);
      expect(pool?.online).toBe(0);
    } finally {
      await moon.unloadPool({ name: 'vici-test-pool' });
    }
    expect((await moon.getPools()).map((p) => p.name)).not.toContain('vici-test-pool');
  });
});

describe('credentials (on venus)', () => {
  it('load-cert loads a certificate list-certs gives back byte for byte', async () => {
    const pem = await readFile(certFile(lab, 'carol'), 'utf8');
    const der = await pemFileToDer(certFile(lab, 'carol'));
    await venus.loadCert({ type: 'X509', flag: 'NONE', data: pem });
    const certs = await venus.listCerts({ type: 'X509' }).collect();
    const mine = certs.find((c) => c.data?.equals(der));
    expect(mine, 'carol’s certificate, DER intact').toBeDefined();
    expect(mine!.type).toBe('X509');
    // the same certificate as DER loads too, and is the same certificate
    await venus.loadCert({ type: 'X509', flag: 'NONE', data: der });
    expect(
      (await venus.listCerts({ type: 'X509' }).collect()).some((c) => c.data?.equals(der)),
    ).toBe(true);
  });

  it('load-key, get-keys and unload-key manage a private key', async () => {
    const key = await readFile(keyFile(lab, 'dave'), 'utf8');
    const { id } = await venus.loadKey({ type: 'ecdsa', data: key });
    expect(id).toMatch(/^[0-9a-f]{40}$/);
    expect(await venus.getKeys()).toContain(id);
    await venus.unloadKey({ id });
    expect(await venus.getKeys()).not.toContain(id);
  });

  it('load-token fails with CommandError: the lab has no token', async () => {
    const err = await venus.loadToken({ handle: '0102030405' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).errmsg).toMatch(/token/);
  });

  it('load-shared, get-shared and unload-shared manage a PSK', async () => {
    await venus.loadShared({
      id: 'vici-test-psk',
      type: 'IKE',
      data: 'not-a-real-secret',
      owners: ['someone.swantop.test'],
    });
    expect(await venus.getShared()).toContain('vici-test-psk');
    await venus.unloadShared({ id: 'vici-test-psk' });
    expect(await venus.getShared()).not.toContain('vici-test-psk');
  });

  it('clear-creds drops what was loaded over vici; swanctl puts venus’ PSK back', async () => {
    expect(await venus.getShared()).toContain('ike-scale');
    await venus.clearCreds();
    expect(await venus.getShared()).toEqual([]);
    expect(await venus.getKeys()).toEqual([]);
    expect(await venus.listCerts().collect()).toEqual([]);
    await swanctl(lab.sockets.venus, [
      '--load-creds',
      '--noprompt',
      '--file',
      lab.configs.venus.swanctlConf,
    ]);
    expect(await venus.getShared()).toContain('ike-scale');
  });

  it('flush-certs empties the cache: moon forgets the peer certificates it received', async () => {
    const peers = [
      await pemFileToDer(certFile(lab, 'carol')),
      await pemFileToDer(certFile(lab, 'dave')),
    ];
    const cached = async () =>
      (await moon.listCerts({ type: 'X509' }).collect()).filter((c) =>
        peers.some((p) => c.data?.equals(p)),
      );
    const own = await pemFileToDer(certFile(lab, 'moon'));
    // moon received carol's and dave's certificates in IKE_AUTH; an earlier flush may have
    // emptied the cache, so have a road warrior authenticate again first
    if ((await cached()).length === 0) {
      const carol = await connect(lab, 'carol');
      try {
        await carol.rekey({ ike: 'home', reauth: true });
        await until('a peer certificate in moon’s cache', async () => (await cached()).length > 0);
        await until('carol’s CHILD_SA back', async () =>
          (await carol.listSas({ ike: 'home' }).collect()).some(
            (sa) => sa.state === 'ESTABLISHED' && sa.children.some((c) => c.state === 'INSTALLED'),
          ),
        );
      } finally {
        await carol.close();
      }
    }
    await moon.flushCerts({ type: 'X509' });
    expect(await cached()).toEqual([]);
    const left = await moon.listCerts({ type: 'X509' }).collect();
    expect(left.some((c) => c.data?.equals(own) && c.hasPrivkey)).toBe(true);
  });
});

describe('authorities (on venus)', () => {
  it('load-authority adds a CA that get-authorities and list-authorities show; unload removes it', async () => {
    const cacert = await readFile(caFile(lab), 'utf8');
    await venus.loadAuthority({ 'vici-test-ca': { cacert } });
    try {
      expect(await venus.getAuthorities()).toContain('vici-test-ca');
      const listed = await venus.listAuthorities({ name: 'vici-test-ca' }).collect();
      expect(listed.map((a) => a.name)).toEqual(['vici-test-ca']);
      expect(listed[0]!.cacert).toContain('swantop lab CA');
    } finally {
      await venus.unloadAuthority({ name: 'vici-test-ca' });
    }
    expect(await venus.getAuthorities()).not.toContain('vici-test-ca');
    await expect(venus.unloadAuthority({ name: 'vici-test-ca' })).rejects.toBeInstanceOf(
      CommandError,
    );
  });
});
