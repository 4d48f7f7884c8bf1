/**
 * The row model in-process, at 10,000 and 50,000 IKE_SAs (one CHILD_SA each), no daemon:
 *  - event → published rows: one `ike-update` event applied, then what a publish reads (the
 *    row map, the totals, the delta). Reference, same run and table: the same event with the
 *    totals recounted over every row, as each publish did before the table kept them.
 *  - a full listing: its list-sa bodies (real encoder output) decoded, parsed into views and
 *    applied as rows. Reference: decoding the same bodies alone, so the row model's own share
 *    of a listing shows. Context for issue 9 item 1 (decoding straight into compact records).
 * No target in the issues for either; both are context rows.
 */
import { RowTable } from '../source/monitor/row-table.js';
import { computeTotals } from '../source/monitor/store.js';
import { decodeMessage, encodeMessage } from '../source/vici/message.js';
import { parseListSaEvent } from '../source/vici/views.js';
import { ikeTree, ikeUpdate } from '../test/unit/monitor-trees.js';
import type { BenchContext } from './lib/context.js';
import { median, rng } from './lib/stats.js';
import { type BenchRow, row } from './result.js';

const T0 = 1_700_000_000_000;

function bodies(n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 1; i <= n; i++) {
    const id = String(i);
    const tree = ikeTree({
      uniqueid: id,
      name: `c${i}`,
      remoteHost: `10.5.${(i >> 8) & 255}.${i & 255}`,
      children: [{ uniqueid: id, name: `c${i}`, bytesIn: i * 10, bytesOut: i * 5 }],
    });
    out.push(Buffer.from(encodeMessage({ [`c${i}`]: tree })));
  }
  return out;
}

export async function runRowsBench(
  ctx: BenchContext,
  sizes = [10_000, 50_000],
): Promise<BenchRow[]> {
  const bench = 'rows';
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const wire = bodies(n);
    // A full listing: decode + views + rows, against decode alone.
    const decodeMs: number[] = [];
    const listMs: number[] = [];
    let table = new RowTable();
    for (let round = 0; round < (ctx.quick ? 2 : 4); round++) {
      let t = performance.now();
      for (const b of wire) decodeMessage(b);
      decodeMs.push(performance.now() - t);
      t = performance.now();
      table = new RowTable();
      const full = table.beginFull(T0);
      for (const b of wire) for (const ike of parseListSaEvent(decodeMessage(b))) full.add(ike, T0);
      full.finish();
      table.snapshot();
      listMs.push(performance.now() - t);
    }
    rows.push(
      row({
        bench,
        name: `full listing → rows @${n.toLocaleString('en-US')}`,
        value: median(listMs),
        unit: 'ms',
        reference: median(decodeMs),
        target: null,
        bounds: 'ratio',
        note: 'reference: decodeMessage of the same list-sa bodies alone',
      }),
    );
    // Events: a random IKE_SA moves; what a publish then costs with and without kept totals.
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
        computeTotals(table.snapshot());
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
        note: 'reference: the same event with the totals recounted over every row (the path before); both copy the row map for the snapshot',
      }),
    );
    ctx.log(
      `rows @${n}: listing ${median(listMs).toFixed(0)} ms (decode alone ${median(decodeMs).toFixed(0)} ms); event ${(median(kept) * 1000).toFixed(0)} µs vs ${(median(recount) * 1000).toFixed(0)} µs recounting`,
    );
  }
  return rows;
}
