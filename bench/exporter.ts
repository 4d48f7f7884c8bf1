/**
 * What Prometheus scrapes every 5 s cost charon: charon's CPU seconds (all threads) while
 * (a) a reference does what today's VICI exporters do on every scrape — a new session, a full
 * `list-sas`, a series per SA labelled with its ids — and (b) `swantop --exporter` (the built
 * CLI, defaults: 30 s interval, 2 % budget) is scraped over HTTP. The exporter's window starts
 * once its pace is steady (after its first listing, and after the second when a fresh store
 * measures a costly listing twice) and runs at least 60 s and until its next full listing has
 * ended, so it holds whole periods of the listings its scheduler spaces out; both figures are
 * given per 60 s. The reference scrapes one after another: a scrape that takes longer than
 * 5 s delays the next (Prometheus would time out and start another beside it, costing more). Also: scrape latency (p50/p99) and bytes per scrape, beside the reference's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from '../source/vici/index.js';
import { type BenchContext, windowS } from './lib/context.js';
import { BASE_SAS } from './lib/lab.js';
import { cpuSeconds } from './lib/proc.js';
import { percentile, sleep } from './lib/stats.js';
import { type BenchRow, row } from './result.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const SCRAPE_EVERY_MS = 5_000;

/** One scrape the way today's exporters serve it: every SA listed, one series per CHILD_SA. */
async function referenceScrape(uri: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const s = await Session.connect({ uri, timeoutMs: 60_000 });
  const lines: string[] = [];
  try {
    const stream = s.listSas({}, { timeoutMs: 120_000 });
    for await (const ike of stream) {
      const base = `name="${ike.name}",uid="${ike.uniqueid}",remote_id="${ike.remoteId ?? ''}"`;
      lines.push(`ipsec_ike_state{${base}} 1`);
      for (const c of ike.children) {
        const l = `${base},child="${c.name}",child_id="${c.uniqueid}",local_ts="${c.localTs.join(',')}",remote_ts="${c.remoteTs.join(',')}"`;
        lines.push(`ipsec_child_bytes_in{${l}} ${c.bytesIn ?? 0}`);
        lines.push(`ipsec_child_bytes_out{${l}} ${c.bytesOut ?? 0}`);
        lines.push(`ipsec_child_packets_in{${l}} ${c.packetsIn ?? 0}`);
        lines.push(`ipsec_child_packets_out{${l}} ${c.packetsOut ?? 0}`);
      }
    }
    await stream.result;
  } finally {
    await s.close();
  }
  const body = `${lines.join('\n')}\n`;
  return { ms: performance.now() - started, bytes: Buffer.byteLength(body) };
}

function startExporter(uri: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, '--exporter', '127.0.0.1:0', '--uri', uri], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /serving (http:\/\/[\d.]+:\d+)\/metrics/.exec(err);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`the exporter exited (${code}): ${err.trim()}`)));
  });
}

async function scrape(url: string): Promise<{ ms: number; body: string }> {
  const started = performance.now();
  const res = await fetch(`${url}/metrics`);
  const body = await res.text();
  if (!res.ok) throw new Error(`scrape: HTTP ${res.status}`);
  return { ms: performance.now() - started, body };
}

const sample = (body: string, name: string): number | undefined => {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(body);
  return m ? Number(m[1]) : undefined;
};

export async function runExporterBench(ctx: BenchContext, clients: number): Promise<BenchRow[]> {
  const lab = await ctx.lab.ensure(clients);
  const n = clients + BASE_SAS;
  const pid = await ctx.lab.moonPid();
  const W = windowS(ctx, 60);
  const bench = 'exporter';
  ctx.log(
    `exporter @${n}: idle, then reference (session + full list-sas per scrape every 5 s), ${W} s each`,
  );
  await sleep(2000);

  let c0 = cpuSeconds(pid);
  let t0 = Date.now();
  await sleep(W * 1000);
  const idle = ((cpuSeconds(pid) - c0) * 60) / ((Date.now() - t0) / 1000);
  ctx.log(`  idle: ${idle.toFixed(2)} s charon CPU per 60 s with nothing attached`);

  c0 = cpuSeconds(pid);
  t0 = Date.now();
  const refMs: number[] = [];
  let refBytes = 0;
  while (Date.now() - t0 < W * 1000) {
    const started = Date.now();
    const r = await referenceScrape(lab.uris.moon);
    refMs.push(r.ms);
    refBytes = r.bytes;
    const next = started + SCRAPE_EVERY_MS;
    if (Date.now() < next) await sleep(next - Date.now());
  }
  const refWindowS = (Date.now() - t0) / 1000;
  const refCpu = ((cpuSeconds(pid) - c0) * 60) / refWindowS;
  ctx.log(
    `  reference: ${refCpu.toFixed(2)} s charon CPU per 60 s, ${refMs.length} scrapes, p99 ${percentile(refMs, 99).toFixed(0)} ms, ${refBytes} bytes`,
  );

  const { child, url } = await startExporter(lab.uris.moon);
  let cpu: number;
  let windowUsed: number;
  const ms: number[] = [];
  let bytes = 0;
  let listings = 0;
  let renderS: number[] = [];
  try {
    // Its first listing (counted out of the window, as a restart's would be).
    const settleStart = Date.now();
    for (;;) {
      const { body } = await scrape(url);
      const up = /strongswan_connection_ike_sas_up\{connection="scale"\} (\d+)/.exec(body);
      // Rows show while a listing streams in: wait for the listing's end too, so the plan
      // read next is the one made from its measured cost.
      const listed = sample(body, 'swantop_exporter_last_listing_timestamp_seconds');
      if (up && Number(up[1]) >= clients && listed !== undefined) break;
      if (Date.now() - settleStart > 600_000) throw new Error('the exporter never showed every SA');
      await sleep(500);
    }
    const firstBody = (await scrape(url)).body;
    let first = sample(firstBody, 'swantop_exporter_last_listing_timestamp_seconds');
    ctx.log(`  exporter: first listing after ${((Date.now() - settleStart) / 1000).toFixed(1)} s`);
    // A fresh store measures a costly listing twice before it spaces listings out: wait out
    // that second listing when it is due soon, so the window shows the steady pace.
    const next = sample(firstBody, 'swantop_exporter_next_listing_timestamp_seconds');
    if (next !== undefined && next - Date.now() / 1000 < 90) {
      for (;;) {
        await sleep(1000);
        const at = sample(
          (await scrape(url)).body,
          'swantop_exporter_last_listing_timestamp_seconds',
        );
        if (at !== first) {
          first = at;
          break;
        }
        if (Date.now() - settleStart > 600_000) throw new Error('no second listing');
      }
      ctx.log(
        `  exporter: second listing done after ${((Date.now() - settleStart) / 1000).toFixed(1)} s`,
      );
    }
    c0 = cpuSeconds(pid);
    t0 = Date.now();
    let lastListing = first;
    renderS = [];
    for (;;) {
      const started = Date.now();
      const r = await scrape(url);
      ms.push(r.ms);
      bytes = Buffer.byteLength(r.body);
      const d = sample(r.body, 'swantop_exporter_scrape_duration_seconds');
      if (d !== undefined) renderS.push(d);
      const at = sample(r.body, 'swantop_exporter_last_listing_timestamp_seconds');
      if (at !== undefined && at !== lastListing) {
        listings++;
        lastListing = at;
      }
      const elapsed = Date.now() - t0;
      // At least W, and until one full listing fell inside (the scheduler may space them out).
      if (elapsed >= W * 1000 && (listings > 0 || ctx.quick || elapsed > 900_000)) break;
      const next = started + SCRAPE_EVERY_MS;
      if (Date.now() < next) await sleep(next - Date.now());
    }
    windowUsed = (Date.now() - t0) / 1000;
    cpu = ((cpuSeconds(pid) - c0) * 60) / windowUsed;
  } finally {
    if (child.exitCode === null && child.pid !== undefined) {
      const gone = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([gone, sleep(5000)]);
    }
  }
  ctx.log(
    `  exporter: ${cpu.toFixed(2)} s charon CPU per 60 s over ${windowUsed.toFixed(0)} s (${listings} full listing(s)), ${ms.length} scrapes, p99 ${percentile(ms, 99).toFixed(1)} ms, ${bytes} bytes`,
  );
  const large = clients >= 5000;
  return [
    row({
      bench,
      name: `exporter @${n} SAs: charon CPU per 60 s, scraped every 5 s, vs a full list-sas per scrape`,
      value: cpu,
      unit: 's CPU',
      reference: refCpu,
      target: large ? 1 / 25 : 1 / 2,
      bounds: 'ratio',
      note: `exporter window ${windowUsed.toFixed(0)} s holding ${listings} of its full listings; reference window ${refWindowS.toFixed(0)} s, ${refMs.length} listings`,
    }),
    row({
      bench,
      name: `exporter @${n} SAs: idle baseline, charon CPU per 60 s with nothing attached`,
      value: idle,
      unit: 's CPU',
      reference: refCpu,
      target: null,
      bounds: 'ratio',
      note: 'context: included in both figures above, not subtracted',
    }),
    row({
      bench,
      name: `exporter @${n} SAs: scrape latency p99 (HTTP, ${ms.length} scrapes; p50 ${percentile(ms, 50).toFixed(1)} ms)`,
      value: percentile(ms, 99),
      unit: 'ms',
      reference: percentile(refMs, 99),
      target: large ? 50 : null,
      bounds: 'value',
      note: `reference: a new session and a full list-sas per scrape; prom-client's part (build + render, measured inside): p50 ${(percentile(renderS, 50) * 1000).toFixed(2)} ms, max ${(Math.max(0, ...renderS) * 1000).toFixed(2)} ms`,
    }),
    row({
      bench,
      name: `exporter @${n} SAs: bytes per scrape (series per connection, vs per SA)`,
      value: bytes,
      unit: 'bytes',
      reference: refBytes,
      target: null,
      bounds: 'value',
      note: 'context: the exposition grows with the configuration, not with the SAs',
    }),
  ];
}
