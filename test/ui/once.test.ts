import { describe, expect, test } from 'vitest';
import { formatTable } from '../../source/once.js';
import { sampleRows, T0, totals } from './fixtures.js';

describe('--once as a table', () => {
  test('every value under its own heading, ids marked, in numeric order', () => {
    // The daemon's order: 10 before 2 before 9.
    const rows = [...sampleRows(10)].filter((r) => ['10', '2', '9'].includes(r.key));
    const ikes = new Map(rows.map((r) => [r.key, r]));
    const text = formatTable({ host: 'moon', ikes: rows, totals: totals(ikes), listedAt: T0 });
    const lines = text.trimEnd().split('\n');
    const head = lines[0]!;
    const col = (name: string) => head.indexOf(` ${name} `) + 1 || head.indexOf(name);
    // A cell starts where its heading does.
    const at = (line: string, name: string) =>
      line
        .slice(col(name))
        .split(/\s{2,}/)[0]
        ?.trim();
    expect(lines.map((l) => at(l, 'ID'))).toEqual([
      'ID',
      '[2]',
      '{20}',
      '[9]',
      '{90}',
      '[10]',
      '{100}',
    ]);
    const child = lines[2]!;
    expect(at(child, 'SPI-IN/OUT')).toBe('c0000020/d0000020');
    expect(at(child, 'SELECTORS')).toBe('10.1.0.0/16 === 10.120.0.0/16');
    expect(at(child, 'ESTABLISHED')).toBe('10m');
    expect(at(child, 'IN')).toMatch(/^\d/);
    expect(at(lines[1]!, 'REMOTE-ID')).toBe('peer2.example.test');
    expect(at(lines[1]!, 'ESTABLISHED')).toBe('2h00m');
  });
});

describe('Connections columns', () => {
  test('VER holds "IKEv1/2", the longest version the daemon names', async () => {
    const { CONN_COLUMNS } = await import('../../source/ui/conns.js');
    expect(CONN_COLUMNS.find((c) => c.id === 'ver')!.width).toBeGreaterThanOrEqual(
      'IKEv1/2'.length,
    );
  });
});
