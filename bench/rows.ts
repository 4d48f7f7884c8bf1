/**
 * The row model in-process, at 10,000 and 50,000 IKE_SAs (one CHILD_SA each), no daemon:
 *  - a full listing, first byte → published snapshot: the list-sa segments as they come off
 *    the socket (real encoder output, in 64 KiB chunks) framed, decoded and applied as rows,
 *    then the snapshot a publish takes. The monitor's path (monitor/sa-decoder.ts straight to
 *    compact records, issue 9 item 1) against the path before it in the same run: decodeMessage,
 *    parseListSaEvent and compactRow's re-encoding. Target (issue 9): ≤ 0.5 at 10,000.
 *  - the heap a listing leaves behind, per IKE_SA, both paths (global gc before measuring).
 *  - event → published rows: one `ike-update` event applied, then what a publish reads (the
 *    row map, the totals, the delta). Reference, same run and table: the same event with the
 *    totals recounted over every row, as each publish did before the table kept them.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { RowTable } from '../source/monitor/row-table.js';
import { decodeListSa } from '../source/monitor/sa-decoder.js';
import { computeTotals } from '../source/monitor/store.js';
import { decodeMessage, encodeMessage } from '../source/vici/message.js';
import { decodePacket, encodePacket, FrameReader, PACKET } from '../source/vici/packet.js';
import { type IkeSa, parseListSaEvent } from '../source/vici/views.js';
import { ikeTree, ikeUpdate } from '../test/unit/monitor-trees.js';
import type { BenchContext } from './lib/context.js';
import { median, rng } from './lib/stats.js';
import { type BenchRow, row } from './result.js';

const T0 = 1_700_000_000_000;

/** The listing's list-sa event segments, framed as on the wire, cut into socket-sized chunks. */
function wireChunks(n: number): Buffer[] {
  const segments: Buffer[] = [];
  for (let i = 1; i <= n; i++) {
    const id = String(i);
    const tree = ikeTree({
      uniqueid: id,
      name: `c${i}`,
      remoteHost: `10.5.${(i >> 8) & 255}.${i & 255}`,
      children: [{ uniqueid: id, name: `c${i}`, bytesIn: i * 10, bytesOut: i * 5 }],
    });
    segments.push(encodePacket(PACKET.EVENT, 'list-sa', encodeMessage({ [`c${i}`]: tree })));
  }
  const all = Buffer.concat(segments);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += 65_536) chunks.push(all.subarray(at, at + 65_536));
  return chunks;
}

type Decode = (body: Buffer) => IkeSa[];
/** Today's path: the tree, the views; RowTable.put then compacts them (compact.ts). */
const viaViews: Decode = (body) => parseListSaEvent(decodeMessage(body));
/** The monitor's: listSasBodies' own copy of the body, straight into compact records. */
const viaDecoder: Decode = (body) => decodeListSa(Buffer.from(body));

/** One full listing from its bytes to the published snapshot; returns the table. */
function listOnce(chunks: readonly Buffer[], decode: Decode): RowTable {
  const table = new RowTable();
  const full = table.beginFull(T0);
  const frames = new FrameReader();
  for (const chunk of chunks) {
    for (const segment of frames.push(chunk)) {
      for (const ike of decode(decodePacket(segment).body)) full.add(ike, T0);
    }
  }
  full.finish();
  table.snapshot();
  return table;
}

let gcFn: (() => void) | undefined;
function gc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Bytes of heap (JS and Buffer memory) a finished listing's table holds, per IKE_SA. */
function retainedPerSa(chunks: readonly Buffer[], decode: Decode, n: number): number {
  gc();
  const before = heapBytes();
  let table: RowTable | undefined = listOnce(chunks, decode);
  gc();
  const after = heapBytes();
  if (table.size !== n) throw new Error(`listing kept ${table.size} rows, not ${n}`);
  table = undefined;
  return (after - before) / n;
}

export async function runRowsBench(
  ctx: BenchContext,
  sizes = [10_000, 50_000],
): Promise<BenchRow[]> {
  const bench = 'rows';
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const chunks = wireChunks(n);
    const label = n.toLocaleString('en-US');
    // Alternate the two paths round by round, so both see the same machine noise.
    const oldMs: number[] = [];
    const newMs: number[] = [];
    const decodeMs: number[] = [];
    let table = new RowTable();
    for (let round = 0; round < (ctx.quick ? 3 : 7); round++) {
      let t = performance.now();
      listOnce(chunks, viaViews);
      oldMs.push(performance.now() - t);
      t = performance.now();
      table = listOnce(chunks, viaDecoder);
      newMs.push(performance.now() - t);
      t = performance.now();
      const frames = new FrameReader();
      for (const chunk of chunks)
        for (const seg of frames.push(chunk)) decodeMessage(decodePacket(seg).body);
      decodeMs.push(performance.now() - t);
    }
    if (table.size !== n) throw new Error(`listing kept ${table.size} rows, not ${n}`);
    rows.push(
      row({
        bench,
        name: `full listing of ${label} IKE_SAs, first byte → published snapshot`,
        value: median(newMs),
        unit: 'ms',
        reference: median(oldMs),
        target: n === 10_000 ? 0.5 : null,
        bounds: 'ratio',
        note: `framing + sa-decoder + rows + snapshot; reference, same run: framing + decodeMessage + parseListSaEvent + rows with compactRow + snapshot (decodeMessage alone ${median(decodeMs).toFixed(0)} ms)`,
        limit:
          'what is left is the row table itself (row-table.ts: a ChildRow and an IkeRow per SA, the lineage maps) and the records the decoder makes',
      }),
    );
    const heapNew = retainedPerSa(chunks, viaDecoder, n);
    const heapOld = retainedPerSa(chunks, viaViews, n);
    rows.push(
      row({
        bench,
        name: `heap kept per IKE_SA after a listing @${label}`,
        value: heapNew,
        unit: 'B',
        reference: heapOld,
        target: null,
        bounds: 'ratio',
        note: 'JS heap plus Buffer memory the row table holds, after a global gc; reference: the path before (views compacted by re-encoding)',
      }),
    );
    ctx.log(
      `rows @${n}: listing ${median(newMs).toFixed(0)} ms vs ${median(oldMs).toFixed(0)} ms before (decode alone ${median(decodeMs).toFixed(0)} ms); heap ${heapNew.toFixed(0)} B vs ${heapOld.toFixed(0)} B per IKE_SA`,
    );
    // Events: a random IKE_SA moves; what a publish then costs now and the way before.
    const next = rng(n);
    const events = Array.from({ length: ctx.quick ? 200 : 1000 }, (_, i) => {
      const id = String(1 + Math.floor(next() * n));
      return ikeUpdate({ uniqueid: id, name: `c${id}` }, `10.6.0.${i & 255}`, 4500 + (i % 1000));
    });
    const kept: number[] = [];
    const recount: number[] = [];
    let at = T0 + 1;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      // Alternate, so both paths see the same machine noise.
      if (i % 2 === 0) {
        const t = performance.now();
        table.applyEvent(ev, at++);
        table.snapshot();
        table.totals();
        table.takeDelta();
        kept.push(performance.now() - t);
      } else {
        const t = performance.now();
        table.applyEvent(ev, at++);
        // As each publish did before: a copy of the row map, and the totals over it.
        computeTotals(new Map(table.snapshot()));
        recount.push(performance.now() - t);
      }
    }
    rows.push(
      row({
        bench,
        name: `event → published rows @${n.toLocaleString('en-US')}`,
        value: median(kept) * 1000,
        unit: 'µs',
        reference: median(recount) * 1000,
        target: null,
        bounds: 'ratio',
        note: 'reference: the same event published the way before (the row map copied, the totals recounted over every row); now the snapshot is a view of the table and the totals are kept',
      }),
    );
    ctx.log(
      `rows @${n}: event ${(median(kept) * 1000).toFixed(0)} µs vs ${(median(recount) * 1000).toFixed(0)} µs recounting`,
    );
  }
  return rows;
}
