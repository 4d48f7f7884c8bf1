import type { ViciSection } from '../vici/message.js';
import type { Connection } from '../vici/views.js';
import { formatBytes, formatDuration, formatRate } from './format.js';
import type { DisplayRow } from './rows.js';
import { sanitize, sanitizeBytes } from './sanitize.js';

/*
 * The details pane's text: every field the daemon sent for the row (the raw tree, escaped),
 * after a few lines we derive (age of the listing, totals over rekeys, rates).
 */

/** Fields the daemon gives in seconds relative to the listing: they count up, or down. */
const COUNTS_UP = new Set(['established', 'install-time']);
const COUNTS_DOWN = new Set(['rekey-time', 'reauth-time', 'life-time']);

/**
 * Every field of a tree, escaped. With `elapsed` (seconds since the listing), the relative
 * times are shown as they are now, as the row shows them, the listed value beside them.
 */
export function rawLines(s: ViciSection, indent = '', elapsed?: number): string[] {
  const out: string[] = [];
  for (const [k, v] of s) {
    const key = sanitize(k);
    const listed = Buffer.isBuffer(v) ? Number(v.toString()) : Number.NaN;
    if (elapsed !== undefined && elapsed >= 1 && Number.isInteger(listed)) {
      const up = COUNTS_UP.has(k);
      if (up || COUNTS_DOWN.has(k)) {
        const now = Math.max(0, up ? listed + elapsed : listed - elapsed);
        out.push(`${indent}${key} = ${now} (listed ${listed}, ${elapsed}s ago)`);
        continue;
      }
    }
    if (Buffer.isBuffer(v)) out.push(`${indent}${key} = ${sanitizeBytes(v)}`);
    else if (Array.isArray(v)) out.push(`${indent}${key} = [${v.map(sanitizeBytes).join(', ')}]`);
    else {
      out.push(`${indent}${key} {`);
      out.push(...rawLines(v, `${indent}  `, elapsed));
      out.push(`${indent}}`);
    }
  }
  return out;
}

export function rowDetails(
  row: DisplayRow,
  now: number,
  stale: boolean,
  /** When a listing last confirmed the IKE_SA (MonitorSnapshot.confirmedAt). */
  confirmedAt?: number,
): { title: string; lines: string[] } {
  const ago = (at: number) => formatDuration(Math.max(0, (now - at) / 1000));
  const seen = (listedAt: number) => Math.max(listedAt, confirmedAt ?? listedAt);
  const elapsed = (listedAt: number) => Math.max(0, Math.floor((now - listedAt) / 1000));
  const staleNote = stale ? ['STALE: the link is down; these values are the last ones seen.'] : [];
  if (row.kind === 'ike') {
    const r = row.ike;
    return {
      title: `IKE_SA ${sanitize(r.sa.name)}[${sanitize(r.sa.uniqueid)}]`,
      lines: [
        ...staleNote,
        `as of the listing ${ago(seen(r.listedAt))} ago (changed ${ago(r.updatedAt)} ago); times counted on to now`,
        `rate in ${formatRate(r.rateIn)}, out ${formatRate(r.rateOut)}`,
        `children ${r.children.length}`,
        '',
        ...rawLines(r.sa.raw, '', elapsed(r.listedAt)),
      ],
    };
  }
  const c = row.child;
  return {
    title: `CHILD_SA ${sanitize(c.sa.name)}{${sanitize(c.sa.uniqueid)}} of IKE_SA ${sanitize(row.ike.sa.name)}[${sanitize(row.ike.sa.uniqueid)}]`,
    lines: [
      ...staleNote,
      `as of the listing ${ago(seen(c.listedAt))} ago; times counted on to now`,
      `total since first install (over rekeys): in ${formatBytes(c.bytesInTotal)} / ${c.packetsInTotal} packets, out ${formatBytes(c.bytesOutTotal)} / ${c.packetsOutTotal} packets`,
      `rate in ${formatRate(c.rateIn)}, out ${formatRate(c.rateOut)}`,
      '',
      ...rawLines(c.sa.raw, '', elapsed(c.listedAt)),
    ],
  };
}

export function connDetails(c: Connection): { title: string; lines: string[] } {
  return { title: `connection ${sanitize(c.name)}`, lines: rawLines(c.raw) };
}
