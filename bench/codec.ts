/**
 * Codec throughput on a big real `list-sas`: decodeMessage and encodeMessage in MB/s, each next
 * to JSON.parse / JSON.stringify of the same trees (as toPlain JSON) measured in the same run.
 * Each side's rate counts its own bytes (VICI bytes for the codec, JSON text for JSON), which
 * flatters JSON a little: its text is longer than the VICI bytes for the same tree.
 *
 *   tsx bench/codec.ts
 *
 * Input: the largest bench/captures/list-sas-<N>.bin (see bench/capture-list-sas.ts). Without
 * one of >= 2,000 IKE_SAs it replicates the golden list-sa event with distinct names and ids,
 * and says so.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeMessage,
  encodeMessage,
  type PlainSection,
  toPlain,
  type ViciSection,
} from '../source/vici/message.js';
import { decodePacket, encodePacket, FrameReader, PACKET } from '../source/vici/packet.js';
import { parseAnnotatedHex } from '../test/unit/fixtures/annotate.js';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The same measurement of the reference implementation, in the same unit. */
  reference: number;
  /** value / reference, or as the result's name says. */
  ratio: number;
  target: number;
  met: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
const CAPTURES = join(here, 'captures');
const GOLDEN_LIST_SA = join(here, '..', 'test', 'unit', 'fixtures', 'list-sa-event.hex');
const MIN_SAS = 2000;
const TARGET_RATIO = 0.5;

export interface Corpus {
  bodies: Buffer[];
  source: string;
}

/** Message bodies of every list-sa event in a capture file (framed segments back to back). */
function bodiesOf(framed: Buffer): Buffer[] {
  // The whole file is one chunk; its segments are each under the daemon's limit.
  return new FrameReader().push(framed).map((s) => decodePacket(s).body);
}

export function loadListSas(): Corpus {
  if (existsSync(CAPTURES)) {
    const best = readdirSync(CAPTURES)
      .map((f) => ({ f, n: Number(/^list-sas-(\d+)\.bin$/.exec(f)?.[1] ?? Number.NaN) }))
      .filter((c) => c.n >= MIN_SAS)
      .sort((a, b) => b.n - a.n)[0];
    if (best) {
      const bodies = bodiesOf(readFileSync(join(CAPTURES, best.f)));
      return { bodies, source: `captured: bench/captures/${best.f}, ${bodies.length} IKE_SAs` };
    }
  }
  return synthesise();
}

/** MIN_SAS copies of the real golden list-sa event, each with its own name, ids and SPIs. */
function synthesise(): Corpus {
  const [segment] = new FrameReader().push(parseAnnotatedHex(readFileSync(GOLDEN_LIST_SA, 'utf8')));
  const template = decodeMessage(decodePacket(segment!).body);
  const [[connName, ike]] = [...template] as [[string, ViciSection]];
  const bodies: Buffer[] = [];
  for (let i = 1; i <= MIN_SAS; i++) {
    const sa = new Map(ike);
    sa.set('uniqueid', Buffer.from(String(i)));
    sa.set('initiator-spi', Buffer.from(i.toString(16).padStart(16, '0')));
    const children = new Map<string, ViciSection>();
    for (const [name, child] of ike.get('child-sas') as ViciSection) {
      const c = new Map(child as ViciSection);
      c.set('uniqueid', Buffer.from(String(i)));
      c.set('spi-in', Buffer.from(i.toString(16).padStart(8, 'c')));
      children.set(name.replace(/-\d+$/, `-${i}`), c);
    }
    sa.set('child-sas', children);
    const framed = encodePacket(
      PACKET.EVENT,
      'list-sa',
      encodeMessage(new Map([[`${connName}-${i}`, sa]])),
    );
    bodies.push(framed.subarray(4 + 1 + 1 + 'list-sa'.length));
  }
  return {
    bodies,
    source: `SYNTHESISED: ${MIN_SAS} copies of the golden list-sa event (no capture of >= ${MIN_SAS} IKE_SAs in bench/captures)`,
  };
}

/**
 * Rounds of `a` and `b` alternate so both see the same machine state; returns each one's
 * median round time in ms.
 */
function race(a: () => void, b: () => void, rounds: number): [number, number] {
  for (let i = 0; i < 3; i++) {
    a();
    b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    a();
    ta.push(performance.now() - t);
    t = performance.now();
    b();
    tb.push(performance.now() - t);
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1]!;
  return [median(ta), median(tb)];
}

const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1e3);
const round1 = (x: number): number => Math.round(x * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;

export async function runCodecBench(rounds = 40, corpus = loadListSas()): Promise<BenchResult[]> {
  const { bodies } = corpus;
  const trees = bodies.map((b) => decodeMessage(b));
  const plains: PlainSection[] = trees.map(toPlain);
  const jsons = plains.map((p) => JSON.stringify(p));
  const viciBytes = bodies.reduce((n, b) => n + b.length, 0);
  const jsonBytes = jsons.reduce((n, j) => n + Buffer.byteLength(j), 0);
  let sink = 0; // keeps results alive so no engine can drop the work

  const [decodeMs, parseMs] = race(
    () => {
      for (const b of bodies) sink += decodeMessage(b).size;
    },
    () => {
      for (const j of jsons) sink += Object.keys(JSON.parse(j) as object).length;
    },
    rounds,
  );
  const [encodeMs, stringifyMs] = race(
    () => {
      for (const t of trees) sink += encodeMessage(t).length;
    },
    () => {
      for (const p of plains) sink += JSON.stringify(p).length;
    },
    rounds,
  );
  if (sink === 0) throw new Error('the bench did no work');

  const label = `${bodies.length} IKE_SAs, ${(viciBytes / 1e6).toFixed(2)} MB VICI / ${(jsonBytes / 1e6).toFixed(2)} MB JSON`;
  const result = (what: string, ms: number, refMs: number, refBytes: number): BenchResult => {
    const value = mbps(viciBytes, ms);
    const reference = mbps(refBytes, refMs);
    const ratio = value / reference;
    return {
      name: `${what} list-sas (${label})`,
      value: round1(value),
      unit: 'MB/s',
      reference: round1(reference),
      ratio: round2(ratio),
      target: TARGET_RATIO,
      met: ratio >= TARGET_RATIO,
    };
  };
  return [
    result('decodeMessage vs JSON.parse:', decodeMs, parseMs, jsonBytes),
    result('encodeMessage vs JSON.stringify:', encodeMs, stringifyMs, jsonBytes),
  ];
}

export function printResults(results: BenchResult[]): void {
  for (const r of results) {
    console.log(
      `${r.met ? 'ok  ' : 'MISS'} ${r.name}: ${r.value} ${r.unit} vs ${r.reference} ${r.unit} = ${r.ratio}x (target >= ${r.target}x)`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const corpus = loadListSas();
  console.log(`input: ${corpus.source}`);
  printResults(await runCodecBench(40, corpus));
}
