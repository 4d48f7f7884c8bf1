import type { Writable } from 'node:stream';
import type { Args } from './args.js';
import { type OnceSnapshot, snapshotOnce } from './monitor/monitor.js';
import { formatBytes, formatDuration, hostPort } from './ui/format.js';
import { sanitize } from './ui/sanitize.js';
import { displayWidth } from './ui/width.js';
import { toPlain, ViciError } from './vici/index.js';

/**
 * `--once`: one listing, printed as a table or JSON, for scripts. Returns the exit code;
 * errors the daemon or the socket cause are one line on stderr.
 */
export async function printOnce(args: Args, out: Writable, err: Writable): Promise<number> {
  let snap: OnceSnapshot;
  try {
    snap = await snapshotOnce({ uri: args.uri, timeoutMs: 30_000 });
  } catch (e) {
    if (e instanceof ViciError) {
      err.write(`swantop: ${sanitize(e.message)}\n`);
      return 1;
    }
    throw e;
  }
  out.write(args.json ? formatJson(snap) : formatTable(snap));
  return 0;
}

/**
 * Every field the daemon sent, plus the totals; JSON.stringify escapes control characters.
 * One listing has no second sample to measure a rate from: `rateIn`/`rateOut` are null
 * (unknown), never 0 (README, --once). The byte counters are there to compute rates from.
 */
export function formatJson(snap: OnceSnapshot): string {
  const ikeSas = snap.ikes.map((row) => ({
    name: row.sa.name,
    ...toPlain(row.sa.raw),
    'child-sas': Object.fromEntries(row.children.map((c) => [c.sa.key, toPlain(c.sa.raw)])),
  }));
  const totals = { ...snap.totals, rateIn: null, rateOut: null };
  return `${JSON.stringify({ daemon: snap.daemon, totals, ikeSas }, null, 2)}\n`;
}

/** Unique ids in numeric order (the daemon lists in its own hash order). */
const byId = (a: { uniqueid: string }, b: { uniqueid: string }) =>
  Number(a.uniqueid) - Number(b.uniqueid) || (a.uniqueid < b.uniqueid ? -1 : 1);

/**
 * One line per IKE_SA and per CHILD_SA, each value under its own heading; ids marked as
 * charon marks them ([1] an IKE_SA, {2} a CHILD_SA), in numeric order.
 */
export function formatTable(snap: OnceSnapshot): string {
  const header = [
    'NAME',
    'ID',
    'STATE',
    'VER',
    'LOCAL',
    'REMOTE',
    'REMOTE-ID',
    'ESTABLISHED',
    'SPI-IN/OUT',
    'SELECTORS',
    'IN',
    'OUT',
  ];
  const rows: string[][] = [header];
  const ikes = [...snap.ikes].sort((a, b) => byId(a.sa, b.sa));
  for (const { sa, children } of ikes) {
    const kids = [...children].sort((a, b) => byId(a.sa, b.sa));
    const bytes = (f: (c: (typeof kids)[number]) => number) => kids.reduce((n, c) => n + f(c), 0);
    rows.push([
      sa.name,
      `[${sa.uniqueid}]`,
      sa.state,
      sa.version === undefined ? '' : `v${sa.version}`,
      hostPort(sa.localHost, sa.localPort),
      hostPort(sa.remoteHost, sa.remotePort),
      sa.remoteId ?? '',
      formatDuration(sa.established),
      '',
      sa.remoteVips.join(','),
      formatBytes(bytes((c) => c.bytesInTotal)),
      formatBytes(bytes((c) => c.bytesOutTotal)),
    ]);
    for (const child of kids) {
      const c = child.sa;
      rows.push([
        `└ ${c.name}`,
        `{${c.uniqueid}}`,
        c.state,
        '',
        '',
        '',
        '',
        formatDuration(c.installTime),
        `${c.spiIn ?? '-'}/${c.spiOut ?? '-'}`,
        `${c.localTs.join(',')} === ${c.remoteTs.join(',')}`,
        formatBytes(child.bytesInTotal),
        formatBytes(child.bytesOutTotal),
      ]);
    }
  }
  const safe = rows.map((r) => r.map((cell) => sanitize(cell)));
  const widths = header.map((_, i) => Math.max(...safe.map((r) => displayWidth(r[i] ?? ''))));
  const lines = safe.map((r) =>
    r
      .map((cell, i) => cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(cell))))
      .join('  ')
      .trimEnd(),
  );
  if (snap.ikes.length === 0) lines.push('(no IKE_SAs)');
  return `${lines.join('\n')}\n`;
}
