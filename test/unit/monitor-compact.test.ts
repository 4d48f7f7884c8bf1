import { describe, expect, it } from 'vitest';
import { compactRow } from '../../source/monitor/compact.js';
import { RowTable } from '../../source/monitor/row-table.js';
import { encodeMessage, text } from '../../source/vici/message.js';
import { listing } from './monitor-trees.js';

const T0 = 1_700_000_000_000;

function tableWithOne() {
  const t = new RowTable();
  t.applyFull(
    listing(
      [
        {
          uniqueid: '7',
          remoteHost: '192.168.0.100',
          children: [{ uniqueid: '3', spiIn: 'c0ffee01' }],
        },
      ],
      T0,
    ),
    T0,
  );
  return t.get('7')!;
}

describe('rows keep their trees encoded', () => {
  it('still read every field the daemon sent, for the IKE_SA and each CHILD_SA', () => {
    const row = tableWithOne();
    expect(text(row.sa.raw.get('uniqueid'))).toBe('7');
    expect(text(row.sa.raw.get('remote-host'))).toBe('192.168.0.100');
    expect(text(row.children[0]!.sa.raw.get('spi-in'))).toBe('c0ffee01');
    // The CHILD_SAs are the row's children; the IKE_SA's own tree does not repeat them.
    expect(row.sa.raw.has('child-sas')).toBe(false);
  });

  it('hold the tree as bytes, not as a Map of views into the listing', () => {
    const row = tableWithOne();
    const descriptor = Object.getOwnPropertyDescriptor(row.sa, 'raw');
    expect(descriptor?.get).toBeTypeOf('function');
    expect(descriptor?.value).toBeUndefined();
    // Reading it twice in a row gives the same tree (held weakly between reads).
    expect(row.sa.raw).toBe(row.sa.raw);
    expect(encodeMessage(row.sa.raw).length).toBeGreaterThan(0);
  });

  it('leave a row that is already compact as it is', () => {
    const row = tableWithOne();
    expect(compactRow(row)).toBe(row);
  });
});
