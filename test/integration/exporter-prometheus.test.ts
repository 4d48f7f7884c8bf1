/*
 * `swantop --exporter` (the built CLI) on moon and carol, scraped every second by a real
 * Prometheus (Debian's package) that this file starts on loopback with its own storage, and
 * queried through Prometheus' HTTP API: the tunnels are there, net-net's traffic is a counter
 * that survives a CHILD_SA rekey, a terminate + initiate and a daemon kill + restart (resets()
 * = 0), a down tunnel reads 0 while still configured, and a killed daemon reads down within a
 * scrape. `promtool check metrics` lints a scrape of the lab.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initiate } from '../../lab/daemon.js';
import {
  childSas,
  daemonPid,
  nsExec,
  oracleListSas,
  restartDaemon,
  run,
  swanctl,
} from '../../lab/lab.js';
import { labInfo } from './vici-lab.js';

const lab = labInfo();
const CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');
const SCRAPE_S = 1;

const children: ChildProcess[] = [];
let promUrl = '';
let dir = '';
const exporters: Record<'moon' | 'carol', string> = { moon: '', carol: '' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Each exporter's stderr, for failure messages. */
const stderrOf: Record<'moon' | 'carol', string> = { moon: '', carol: '' };

/** Starts the built CLI as an exporter on a free port; resolves with host:port. */
function startExporter(uri: string, host: 'moon' | 'carol'): Promise<string> {
  const child = spawn(
    process.execPath,
    [CLI, '--exporter', '127.0.0.1:0', '--uri', uri, '--interval', '1'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`exporter did not start: ${err}`)), 15_000);
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      stderrOf[host] = (stderrOf[host] + b.toString()).slice(-4000);
      const m = /serving http:\/\/([\d.]+:\d+)\/metrics/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exporter exited (${code}): ${err}`)));
  });
}

async function untilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become ready`);
    await sleep(200);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(q: string): Promise<Sample[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data: { result: Sample[] }; error?: string };
  if (body.status !== 'success') throw new Error(`query ${q}: ${body.error}`);
  return body.data.result;
}

/** The single value of `q`, or undefined when it has no result. */
async function value(q: string): Promise<number | undefined> {
  const r = await query(q);
  if (r.length > 1) throw new Error(`${q} has ${r.length} series`);
  return r[0] ? Number(r[0].value[1]) : undefined;
}

async function until(
  what: string,
  q: string,
  ok: (v: number | undefined) => boolean,
  timeoutMs = 20_000,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: number | undefined;
  for (;;) {
    last = await value(q);
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${q} = ${last}`);
    await sleep(250);
  }
}

const BYTES_OUT = `strongswan_child_sa_bytes_total{gateway="moon",connection="net-net",child="net-net",direction="out"}`;
const BYTES = `strongswan_child_sa_bytes_total{gateway="moon",connection="net-net",child="net-net"}`;
const PAYLOAD = 1000;

/** UDP through net-net from moon's protected subnet to sun's, a bounded number of datagrams. */
async function traffic(count: number): Promise<void> {
  const send = `
    const s = require('node:dgram').createSocket('udp4');
    const payload = Buffer.alloc(${PAYLOAD}, 0x61);
    s.bind(0, '${lab.addresses.moonInner}', async () => {
      for (let i = 0; i < ${count}; i++) await new Promise((r) => s.send(payload, 9, '${lab.addresses.sunInner}', r));
      s.close();
    });`;
  await nsExec(lab.ns.moon, [process.execPath, '-e', send], { timeoutMs: 15_000 });
}

/** Sends traffic and waits until Prometheus sees moon's net-net counter grow by it. */
async function trafficSeen(count: number): Promise<number> {
  const before = (await value(BYTES_OUT)) ?? 0;
  await traffic(count);
  try {
    const after = await until(
      `net-net's bytes out to grow by ${count * PAYLOAD}`,
      BYTES_OUT,
      (v) => v !== undefined && v >= before + count * PAYLOAD,
    );
    return after!;
  } catch (err) {
    // Say whether the daemon itself counted the traffic, so a failure tells where it stopped.
    const oracle = (await oracleListSas(lab.sockets.moon, ['--ike', lab.conns.netNet]))
      .flatMap(({ sa }) => childSas(sa).map((c) => `${c.uniqueid}:${c.state}:${c['bytes-out']}`))
      .join(' ');
    // And what the exporter itself serves, and whether Prometheus could scrape it.
    const res = await fetch(`http://${exporters.moon}/metrics`).catch((e: Error) => e);
    const direct =
      res instanceof Error
        ? res.message
        : `HTTP ${res.status} ${(await res.text())
            .split('\n')
            .filter((l) =>
              /^strongswan_(up|down_info)|^strongswan_child_sa_bytes_total\{connection="net-net"/.test(
                l,
              ),
            )
            .join(' ')}`;
    const scraped = await value('up{gateway="moon"}');
    throw new Error(
      `${(err as Error).message}; swanctl on moon: net-net CHILD_SAs ${oracle || 'none'}; exporter: ${direct}; up=${scraped}; stderr: ${stderrOf.moon.slice(-500)}`,
    );
  }
}

async function netNetUp(): Promise<void> {
  await until(
    "moon's net-net CHILD_SA up",
    `strongswan_child_sas_up{gateway="moon",connection="net-net",child="net-net"}`,
    (v) => v === 1,
    30_000,
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'swantop-prom-'));
  exporters.moon = await startExporter(lab.uris.moon, 'moon');
  exporters.carol = await startExporter(lab.uris.carol, 'carol');
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global:',
      `  scrape_interval: ${SCRAPE_S}s`,
      `  scrape_timeout: ${SCRAPE_S}s`,
      'scrape_configs:',
      '  - job_name: swantop',
      '    static_configs:',
      `      - targets: ['${exporters.moon}']`,
      '        labels: { gateway: moon }',
      `      - targets: ['${exporters.carol}']`,
      '        labels: { gateway: carol }',
      '',
    ].join('\n'),
  );
  const prom = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(prom);
  await untilReady(`${promUrl}/-/ready`, 30_000);
});

afterAll(async () => {
  // Every process this file started, by its pid.
  for (const c of children.reverse()) {
    if (c.exitCode === null && c.pid !== undefined) {
      const gone = new Promise((r) => c.once('exit', r));
      process.kill(c.pid, 'SIGTERM');
      await Promise.race([gone, sleep(5_000)]);
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  // Leave the lab whole for the files after this one.
  if ((await daemonPid(lab, 'moon')) === undefined) await restartDaemon(lab, 'moon');
  await initiate(lab, 'carol', lab.conns.home).catch(() => {});
});

describe('swantop --exporter scraped by a real Prometheus', () => {
  it('is up, lists the tunnels, and passes promtool check metrics', async () => {
    await until('both exporters scraped', 'count(up{job="swantop"} == 1)', (v) => v === 2, 30_000);
    await until('moon up', 'strongswan_up{gateway="moon"}', (v) => v === 1);
    await netNetUp();
    expect(
      await value('strongswan_connection_configured{gateway="moon",connection="net-net"}'),
    ).toBe(1);
    expect(await value('strongswan_connection_ike_sas_up{gateway="moon",connection="rw"}')).toBe(2);
    expect(await value('strongswan_pool_addresses{gateway="moon",pool="rw_pool"}')).toBe(254);
    expect(await value('strongswan_ike_sas{gateway="moon"}')).toBeGreaterThanOrEqual(3);
    expect(await value('strongswan_build_info{gateway="moon",daemon="charon"}')).toBe(1);
    expect(
      await value(
        'strongswan_ike_messages_total{gateway="moon",exchange="ike-auth",direction="in",kind="req"}',
      ),
    ).toBeGreaterThanOrEqual(3);

    // No label carries an id, SPI, selector or identity by default.
    const series = await query('{job="swantop"}');
    const labels = new Set(series.flatMap((s) => Object.keys(s.metric)));
    for (const l of labels) {
      expect([
        '__name__',
        'job',
        'instance',
        'gateway',
        'connection',
        'child',
        'direction',
        'state',
        'pool',
        'priority',
        'type',
        'event',
        'exchange',
        'kind',
        'reason',
        'version',
        'daemon',
        'sysname',
        'release',
        'machine',
      ]).toContain(l);
    }

    const body = await (await fetch(`http://${exporters.moon}/metrics`)).text();
    const lint = await run('promtool', ['check', 'metrics'], {
      input: body,
      allowFailure: true,
      timeoutMs: 15_000,
    });
    expect(`${lint.stdout}${lint.stderr}`.trim()).toBe('');
    expect(lint.code).toBe(0);
    const health = await fetch(`http://${exporters.moon}/healthz`);
    expect(health.status).toBe(200);
  });

  it("counts net-net's traffic as a counter across a CHILD_SA rekey and a terminate + initiate", async () => {
    await netNetUp();
    const first = await trafficSeen(40);

    const rekeys =
      (await value(
        `strongswan_child_sa_events_total{gateway="moon",connection="net-net",child="net-net",event="rekey"}`,
      )) ?? 0;
    await swanctl(lab.sockets.moon, ['--rekey', '--child', lab.conns.netNet]);
    await until(
      'the rekey counted',
      `strongswan_child_sa_events_total{gateway="moon",connection="net-net",child="net-net",event="rekey"}`,
      (v) => (v ?? 0) > rekeys,
    );
    const afterRekey = await trafficSeen(40);
    expect(afterRekey).toBeGreaterThan(first);

    const downs = `strongswan_child_sa_events_total{gateway="moon",connection="net-net",child="net-net",event="down"}`;
    const downsBefore = (await value(downs)) ?? 0;
    await swanctl(lab.sockets.moon, ['--terminate', '--ike', lab.conns.netNet, '--timeout', '10']);
    await until(
      'net-net down',
      `strongswan_child_sas_up{gateway="moon",connection="net-net",child="net-net"}`,
      (v) => v === 0,
    );
    // Terminating the IKE_SA takes its CHILD_SA down by an event (which carries the final counts).
    await until('the CHILD_SA down counted', downs, (v) => (v ?? 0) > downsBefore);
    // Configured and down: the series read 0, they do not vanish.
    expect(
      await value(
        'strongswan_child_configured{gateway="moon",connection="net-net",child="net-net"}',
      ),
    ).toBe(1);
    await initiate(lab, 'sun', lab.conns.netNet);
    await netNetUp();
    const afterUp = await trafficSeen(40);
    expect(afterUp).toBeGreaterThan(afterRekey);

    // Over the whole window, in both directions, Prometheus saw no reset.
    await sleep(2 * SCRAPE_S * 1000);
    const resets = await query(`resets(${BYTES}[10m])`);
    expect(resets).toHaveLength(2);
    for (const r of resets) expect(Number(r.value[1]), r.metric.direction).toBe(0);
    const pkts = await query(
      `resets(strongswan_child_sa_packets_total{gateway="moon",connection="net-net"}[10m])`,
    );
    for (const r of pkts) expect(Number(r.value[1])).toBe(0);
  });

  it("reads 0 for carol's connection when she is terminated, while it stays configured", async () => {
    const up = 'strongswan_connection_ike_sas_up{gateway="carol",connection="home"}';
    await until("carol's home up", up, (v) => v === 1, 30_000);
    await swanctl(lab.sockets.carol, ['--terminate', '--ike', lab.conns.home, '--timeout', '10']);
    await until("carol's home down", up, (v) => v === 0);
    expect(await value('strongswan_connection_configured{gateway="carol",connection="home"}')).toBe(
      1,
    );
    expect(
      await value('strongswan_child_sas_up{gateway="carol",connection="home",child="home"}'),
    ).toBe(0);
    expect(
      await value('strongswan_ike_sa_events_total{gateway="carol",connection="home",event="down"}'),
    ).toBeGreaterThanOrEqual(1);
    await initiate(lab, 'carol', lab.conns.home);
    await until("carol's home up again", up, (v) => v === 1);
  });

  it('reports a killed daemon down within one scrape, and recovers with its counters still monotonic', async () => {
    await netNetUp();
    await trafficSeen(20);
    const pid = await daemonPid(lab, 'moon');
    if (pid === undefined) throw new Error("moon's charon is not running");
    const killedAt = Date.now() / 1000;
    process.kill(pid, 'SIGKILL');
    // The first sample at 0 is at most one scrape after the kill (plus a little for the load).
    const downAt = await until(
      'moon down',
      'timestamp(strongswan_up{gateway="moon"} == 0)',
      (v) => v !== undefined,
      10_000,
    );
    expect(downAt! - killedAt).toBeLessThan(SCRAPE_S + 1);
    const reasons = await query('strongswan_down_info{gateway="moon"}');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]!.metric.reason!.length).toBeGreaterThan(0);
    // No figure from the dead daemon is served as current.
    await sleep(2 * SCRAPE_S * 1000);
    expect(await value('strongswan_ike_sas{gateway="moon"}')).toBeUndefined();
    expect(
      await value('strongswan_child_sas_up{gateway="moon",connection="net-net",child="net-net"}'),
    ).toBeUndefined();

    await restartDaemon(lab, 'moon');
    await until('moon up again', 'strongswan_up{gateway="moon"}', (v) => v === 1, 30_000);
    expect(await value('swantop_exporter_reconnects_total{gateway="moon"}')).toBeGreaterThanOrEqual(
      1,
    );
    await netNetUp();
    await trafficSeen(20);
    await sleep(2 * SCRAPE_S * 1000);
    const resets = await query(`resets(${BYTES}[10m])`);
    expect(resets).toHaveLength(2);
    for (const r of resets) expect(Number(r.value[1]), r.metric.direction).toBe(0);
  });
});
