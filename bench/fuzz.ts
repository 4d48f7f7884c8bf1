/**
 * Throws a million hostile inputs at the byte layer: FrameReader, then decodePacket, then
 * decodeMessage, exactly as a session would. Inputs are real captured messages mutated (bit
 * flips, truncation, splicing, corrupted length fields, inserted and deleted runs) and pure
 * random bytes. A crash is any error other than ProtocolError; a decoded message made only of
 * ASCII must also re-encode to the same bytes.
 *
 *   tsx bench/fuzz.ts [count] [seed]
 *
 * Every input is derived from (seed, index), so any failure printed here can be replayed.
 * A watchdog thread watches progress: an input that runs for HANG_MS is reported as a hang
 * and the run is stopped, since a stuck synchronous decoder cannot be interrupted otherwise.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ProtocolError } from '../source/vici/errors.js';
import { decodeMessage, encodeMessage } from '../source/vici/message.js';
import { decodePacket, FrameReader, PACKET } from '../source/vici/packet.js';
import { parseAnnotatedHex } from '../test/unit/fixtures/annotate.js';
import type { BenchResult } from './codec.js';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(here, '..', 'test', 'unit', 'fixtures');
const CAPTURES = join(here, 'captures');
const HANG_MS = 10_000;
/** A single input slower than this is reported (a GC pause can take tens of ms). */
const SLOW_INPUT_MS = 250;
/** 1,000,000 inputs within about two minutes. */
const TARGET_PER_SECOND = 1_000_000 / 120;

// ---------------------------------------------------------------------------------------------
// Seeds: real framed segments

export function loadSeeds(): Buffer[] {
  const seeds = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((f) => parseAnnotatedHex(readFileSync(join(FIXTURES, f), 'utf8')));
  try {
    const capture = readdirSync(CAPTURES).find((f) => /^list-sas-\d+\.bin$/.test(f));
    if (capture) {
      const bytes = readFileSync(join(CAPTURES, capture));
      // A few dozen real list-sa events beside the golden ones.
      let pos = 0;
      for (let i = 0; i < 40 && pos + 4 <= bytes.length; i++) {
        const size = bytes.readUInt32BE(pos);
        seeds.push(bytes.subarray(pos, pos + 4 + size));
        pos += 4 + size;
      }
    }
  } catch {
    // No captures directory: the golden vectors are seeds enough.
  }
  return seeds;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness per input

/** mulberry32: small, fast, and good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

const INTERESTING_U32 = [
  0, 1, 2, 3, 4, 5, 0x7f, 0xff, 0x100, 0xffff, 0x10000, 524_288, 524_289, 0x7fffffff, 0xffffffff,
];
const INTERESTING_U8 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0x7f, 0x80, 0xfe, 0xff];

/**
 * Offsets of every length field in a framed segment (segment header, packet name, element
 * names and values), found by walking it as far as it parses.
 */
function lengthFields(b: Buffer): { at: number; width: 1 | 2 | 4 }[] {
  const out: { at: number; width: 1 | 2 | 4 }[] = [];
  if (b.length >= 4) out.push({ at: 0, width: 4 });
  if (b.length < 5) return out;
  let pos = 5;
  if ([0, 3, 4, 7].includes(b[4]!)) {
    out.push({ at: 5, width: 1 });
    pos = 6 + (b[5] ?? 0);
  }
  while (pos < b.length) {
    const type = b[pos++]!;
    if (type === 1 || type === 3 || type === 4) {
      out.push({ at: pos, width: 1 });
      pos += 1 + (b[pos] ?? 0);
    }
    if (type === 3 || type === 5) {
      if (pos + 2 > b.length) break;
      out.push({ at: pos, width: 2 });
      pos += 2 + b.readUInt16BE(pos);
    }
    if (type < 1 || type > 6) break;
  }
  return out.filter((f) => f.at + f.width <= b.length);
}

function mutate(r: Rand, input: Buffer, seeds: Buffer[]): Buffer {
  const b = Buffer.from(input);
  switch (int(r, 7)) {
    case 0: {
      // bit flips
      const flips = 1 + int(r, 8);
      for (let i = 0; i < flips && b.length > 0; i++) b[int(r, b.length)]! ^= 1 << int(r, 8);
      return b;
    }
    case 1:
      return b.subarray(0, int(r, b.length + 1));
    case 2: {
      // splice: the front of this one, the back of another
      const other = pick(r, seeds);
      return Buffer.concat([
        b.subarray(0, int(r, b.length + 1)),
        other.subarray(int(r, other.length + 1)),
      ]);
    }
    case 3: {
      // corrupt a length field with a boundary value or a near miss
      const fields = lengthFields(b);
      if (fields.length === 0) return b;
      const f = pick(r, fields);
      if (f.width === 4) b.writeUInt32BE(pick(r, INTERESTING_U32), f.at);
      else if (f.width === 2) {
        const now = b.readUInt16BE(f.at);
        b.writeUInt16BE(
          pick(r, [0, 1, 0xffff, (now + 1) & 0xffff, (now - 1) & 0xffff, int(r, 0x10000)]),
          f.at,
        );
      } else
        b[f.at] = pick(r, [0, 1, 0xff, (b[f.at]! + 1) & 0xff, (b[f.at]! - 1) & 0xff, int(r, 256)]);
      return b;
    }
    case 4: {
      // an interesting byte somewhere (element and packet types live in 0..8)
      if (b.length > 0) b[int(r, b.length)] = pick(r, INTERESTING_U8);
      return b;
    }
    case 5: {
      // delete or duplicate a run
      const from = int(r, b.length + 1);
      const to = Math.min(b.length, from + 1 + int(r, 32));
      return r() < 0.5
        ? Buffer.concat([b.subarray(0, from), b.subarray(to)])
        : Buffer.concat([b.subarray(0, to), b.subarray(from, to), b.subarray(to)]);
    }
    default: {
      // insert random bytes
      const at = int(r, b.length + 1);
      const extra = Buffer.alloc(1 + int(r, 16));
      for (let i = 0; i < extra.length; i++) extra[i] = int(r, 256);
      return Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]);
    }
  }
}

/** Input number `index` of run `seed`: pure random, or one to three mutations of real data. */
export function makeInput(
  seed: number,
  index: number,
  seeds: Buffer[],
): { bytes: Buffer; chunks: number[] } {
  const r = rng((seed * 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b));
  let bytes: Buffer;
  if (r() < 0.1) {
    bytes = Buffer.alloc(int(r, 1500));
    for (let i = 0; i < bytes.length; i++) bytes[i] = int(r, 256);
  } else {
    bytes = pick(r, seeds);
    if (r() < 0.2) bytes = Buffer.concat([bytes, pick(r, seeds)]);
    const rounds = 1 + int(r, 3);
    for (let i = 0; i < rounds; i++) bytes = mutate(r, bytes, seeds);
  }
  // Often repair the segment header, so the damage reaches decodePacket and decodeMessage
  // instead of stopping at the framing.
  if (bytes.length >= 4 && r() < 0.5) bytes.writeUInt32BE(bytes.length - 4, 0);
  // Feed it in up to three chunks, as a socket would.
  const chunks = [int(r, bytes.length + 1), int(r, bytes.length + 1)].sort((a, b) => a - b);
  return { bytes, chunks };
}

// ---------------------------------------------------------------------------------------------
// One input through the byte layer

type Outcome = 'decoded' | string;
const WITH_BODY = new Set<number>([PACKET.CMD_REQUEST, PACKET.CMD_RESPONSE, PACKET.EVENT]);

/** Returns 'decoded' or the ProtocolError's reason; throws on anything else. */
export function runInput(bytes: Buffer, cuts: number[]): Outcome {
  const reader = new FrameReader();
  try {
    const points = [0, ...cuts, bytes.length];
    for (let i = 1; i < points.length; i++) {
      for (const segment of reader.push(bytes.subarray(points[i - 1], points[i]))) {
        const packet = decodePacket(segment, reader.offset - segment.length);
        if (!WITH_BODY.has(packet.type)) continue;
        const tree = decodeMessage(packet.body);
        if (packet.body.every((c) => c < 0x80) && !encodeMessage(tree).equals(packet.body)) {
          throw new Error('an ASCII message decoded, but did not re-encode to the same bytes');
        }
      }
    }
    return 'decoded';
  } catch (err) {
    if (err instanceof ProtocolError) return err.reason.replace(/\d+/g, 'N').replace(/".*"/, '"…"');
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// The run, with a watchdog

/**
 * Plain JavaScript, so it needs no TypeScript loader: it watches the shared progress counters
 * and, if one input runs for HANG_MS, reports which one and stops the process.
 */
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const progress = new Int32Array(workerData.shared);
let last = -1, since = Date.now();
setInterval(() => {
  const now = Atomics.load(progress, 0);
  if (Atomics.load(progress, 1) === 1) process.exit(0);
  if (now !== last) { last = now; since = Date.now(); return; }
  if (Date.now() - since > workerData.hangMs) {
    // Straight to fd 2: process.stderr in a worker goes through the (stuck) main thread.
    require('node:fs').writeSync(2, 'fuzz: HANG on input ' + now + ' of seed ' + workerData.seed +
      ' (no progress for ' + workerData.hangMs + ' ms); replay it with makeInput(seed, index)\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 250);
`;

export interface FuzzReport {
  inputs: number;
  crashes: { index: number; error: string; hex: string }[];
  slowest: { index: number; ms: number };
  seconds: number;
  outcomes: Map<Outcome, number>;
}

export async function fuzz(n: number, seed = 1): Promise<FuzzReport> {
  const seeds = loadSeeds();
  const shared = new SharedArrayBuffer(8);
  const progress = new Int32Array(shared);
  const watchdog = new Worker(WATCHDOG, {
    eval: true,
    workerData: { shared, seed, hangMs: HANG_MS },
  });
  watchdog.unref();
  const outcomes = new Map<Outcome, number>();
  const crashes: FuzzReport['crashes'] = [];
  let slowest = { index: -1, ms: 0 };
  const started = performance.now();
  try {
    for (let i = 0; i < n; i++) {
      Atomics.store(progress, 0, i);
      const { bytes, chunks } = makeInput(seed, i, seeds);
      const t = performance.now();
      let outcome: Outcome;
      try {
        outcome = runInput(bytes, chunks);
      } catch (err) {
        outcome = 'CRASH';
        if (crashes.length < 20) {
          crashes.push({
            index: i,
            error: String(err),
            hex: bytes.subarray(0, 256).toString('hex'),
          });
        }
      }
      const ms = performance.now() - t;
      if (ms > slowest.ms) slowest = { index: i, ms };
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      // Yield now and then so the watchdog's messages and timers are never starved of the loop.
      if ((i & 0xffff) === 0xffff) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    Atomics.store(progress, 1, 1);
  }
  await watchdog.terminate();
  return {
    inputs: n,
    crashes,
    slowest,
    seconds: (performance.now() - started) / 1000,
    outcomes,
  };
}

export async function runFuzz(n = 1_000_000, seed = 1): Promise<BenchResult[]> {
  const report = await fuzz(n, seed);
  printReport(report, seed);
  const crashed = report.outcomes.get('CRASH') ?? 0;
  const perSecond = report.inputs / report.seconds;
  return [
    {
      name: `fuzz: crashes (errors other than ProtocolError) in ${report.inputs} inputs, seed ${seed}`,
      value: crashed,
      unit: 'inputs',
      reference: report.inputs,
      ratio: crashed / report.inputs,
      target: 0,
      met: crashed === 0,
    },
    {
      name: `fuzz: slowest single input (hang guard ${HANG_MS} ms)`,
      value: Math.round(report.slowest.ms * 100) / 100,
      unit: 'ms',
      reference: SLOW_INPUT_MS,
      ratio: Math.round((report.slowest.ms / SLOW_INPUT_MS) * 1000) / 1000,
      target: 1,
      met: report.slowest.ms <= SLOW_INPUT_MS,
    },
    {
      name: 'fuzz: inputs per second (FrameReader + decodePacket + decodeMessage)',
      value: Math.round(perSecond),
      unit: 'inputs/s',
      reference: Math.round(TARGET_PER_SECOND),
      ratio: Math.round((perSecond / TARGET_PER_SECOND) * 100) / 100,
      target: 1,
      met: perSecond >= TARGET_PER_SECOND,
    },
  ];
}

function printReport(r: FuzzReport, seed: number): void {
  const crashed = r.outcomes.get('CRASH') ?? 0;
  console.log(
    `fuzz: ${r.inputs} inputs (seed ${seed}) in ${r.seconds.toFixed(1)} s; ${crashed} crashes; ` +
      `slowest input #${r.slowest.index} took ${r.slowest.ms.toFixed(2)} ms`,
  );
  const top = [...r.outcomes].sort((a, b) => b[1] - a[1]).slice(0, 12);
  for (const [what, count] of top) console.log(`  ${String(count).padStart(8)}  ${what}`);
  for (const c of r.crashes) console.log(`  CRASH input #${c.index}: ${c.error}\n    ${c.hex}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const n = Number(process.argv[2] ?? 1_000_000);
  const seed = Number(process.argv[3] ?? 1);
  const results = await runFuzz(n, seed);
  for (const r of results) {
    console.log(
      `${r.met ? 'ok  ' : 'MISS'} ${r.name}: ${r.value} ${r.unit} (reference ${r.reference})`,
    );
  }
  if (results.some((r) => !r.met)) process.exitCode = 1;
}
