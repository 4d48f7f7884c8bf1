import type { Connection, IkeRow } from '../monitor/types.js';
import { type ColumnDef, layoutColumns, type PlacedColumn } from './columns.js';
import { sanitize } from './sanitize.js';
import type { Theme } from './theme.js';
import { fitWidth } from './width.js';

/* The Connections view (list-conns): one row per connection, one per child beneath it. */

export type ConnRow =
  | { kind: 'conn'; key: string; conn: Connection }
  | {
      kind: 'child';
      key: string;
      conn: Connection;
      child: Connection['children'][number];
      last: boolean;
    };

export function connRows(conns: readonly Connection[], filter: string): ConnRow[] {
  const needle = filter.trim().toLowerCase();
  const out: ConnRow[] = [];
  for (const conn of conns) {
    const hay = [
      conn.name,
      ...conn.localAddrs,
      ...conn.remoteAddrs,
      ...conn.local.map((a) => a.id ?? ''),
      ...conn.remote.map((a) => a.id ?? ''),
      ...conn.children.flatMap((c) => [c.name, ...c.localTs, ...c.remoteTs]),
    ]
      .join('\n')
      .toLowerCase();
    if (needle !== '' && !hay.includes(needle)) continue;
    out.push({ kind: 'conn', key: conn.name, conn });
    conn.children.forEach((child, i) => {
      out.push({
        kind: 'child',
        key: `${conn.name}/${child.name}`,
        conn,
        child,
        last: i === conn.children.length - 1,
      });
    });
  }
  return out;
}

/** SAs up per connection name and per `conn/child` name, from the current listing. */
export function upCounts(ikes: ReadonlyMap<string, IkeRow>): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of ikes.values()) {
    if (r.sa.state === 'ESTABLISHED') m.set(r.sa.name, (m.get(r.sa.name) ?? 0) + 1);
    for (const c of r.children) {
      if (c.sa.state !== 'INSTALLED') continue;
      const k = `${r.sa.name}/${c.sa.name}`;
      m.set(k, (m.get(k) ?? 0) + 1);
    }
  }
  return m;
}

export const CONN_COLUMNS: readonly ColumnDef[] = [
  { id: 'name', title: 'NAME', width: 14, max: 28, align: 'left', priority: 0 },
  { id: 'state', title: 'UP', width: 5, align: 'right', priority: 1 },
  // IKEv1/2 is the longest version the daemon names.
  { id: 'ver', title: 'VER', width: 7, align: 'left', priority: 4 },
  { id: 'local', title: 'LOCAL', width: 16, max: 30, align: 'left', priority: 3 },
  { id: 'remote', title: 'REMOTE', width: 16, max: 30, align: 'left', priority: 2 },
  { id: 'rid', title: 'AUTH L/R', width: 14, max: 24, align: 'left', priority: 5 },
  { id: 'ts', title: 'SELECTORS', width: 20, max: 80, align: 'left', priority: 6 },
];

/** Auth classes as the daemon names them, shortened so both ends fit a column. */
const SHORT_CLASS: Record<string, string> = {
  'public key': 'pubkey',
  'pre-shared key': 'psk',
  EAP: 'eap',
  XAuth: 'xauth',
  any: 'any',
};

function authText(rounds: Connection['local']): string {
  return rounds.map((a) => sanitize(SHORT_CLASS[a.class ?? ''] ?? a.class ?? '?')).join('+');
}

function cells(row: ConnRow, up: ReadonlyMap<string, number>): Record<string, string> {
  if (row.kind === 'conn') {
    const c = row.conn;
    const n = up.get(c.name) ?? 0;
    return {
      name: sanitize(c.name),
      state: n > 0 ? `●${n}` : '-',
      ver: sanitize(c.version ?? ''),
      local: c.localAddrs.map(sanitize).join(',') || '%any',
      remote: c.remoteAddrs.map(sanitize).join(',') || '%any',
      rid: `${authText(c.local)}/${authText(c.remote)}`,
      ts: '',
    };
  }
  const n = up.get(`${row.conn.name}/${row.child.name}`) ?? 0;
  return {
    name: `${row.last ? '└' : '├'}─${sanitize(row.child.name)}`,
    state: n > 0 ? `●${n}` : '-',
    ver: sanitize(row.child.mode ?? ''),
    local: '',
    remote: '',
    rid: sanitize(row.child.startAction ?? ''),
    ts: `${row.child.localTs.map(sanitize).join(',') || 'dynamic'} === ${row.child.remoteTs.map(sanitize).join(',') || 'dynamic'}`,
  };
}

export interface ConnsBody {
  rows: readonly ConnRow[];
  up: ReadonlyMap<string, number>;
  top: number;
  height: number;
  selected: number;
  tagged: ReadonlySet<string>;
  theme: Theme;
  width: number;
  empty: string;
}

export function connColumns(width: number): PlacedColumn[] {
  return layoutColumns(CONN_COLUMNS, width - 1);
}

export function connsBodyLines(b: ConnsBody): string[] {
  const t = b.theme;
  const cols = connColumns(b.width);
  const head = ` ${cols.map((c) => fitWidth(c.def.title, c.width, c.def.align)).join(' ')}`;
  const lines = [t.paint(fitWidth(head, b.width), { bold: true, fg: 'cyan', inverse: true })];
  if (b.rows.length === 0) {
    lines.push(t.paint(fitWidth(`  ${b.empty}`, b.width), { dim: true }));
    return lines;
  }
  const end = Math.min(b.rows.length, b.top + b.height - 1);
  for (let i = b.top; i < end; i++) {
    const row = b.rows[i]!;
    const c = cells(row, b.up);
    const selected = i === b.selected;
    let out = b.tagged.has(row.key)
      ? t.paint('*', { fg: 'yellow', bold: true, inverse: selected })
      : t.paint(' ', { inverse: selected });
    cols.forEach((col, j) => {
      const text = (j === 0 ? '' : ' ') + fitWidth(c[col.def.id] ?? '', col.width, col.def.align);
      const fg = col.def.id === 'state' ? (c.state === '-' ? 'gray' : 'green') : undefined;
      out += t.paint(text, { fg, inverse: selected, bold: row.kind === 'conn' && j === 0 });
    });
    const used = 1 + cols.reduce((n, col, j) => n + col.width + (j === 0 ? 0 : 1), 0);
    if (used < b.width) out += t.paint(' '.repeat(b.width - used), { inverse: selected });
    lines.push(out);
  }
  return lines;
}

export function initiateTarget(row: ConnRow): { conn: string; child?: string } {
  return row.kind === 'conn'
    ? { conn: row.conn.name }
    : { conn: row.conn.name, child: row.child.name };
}
