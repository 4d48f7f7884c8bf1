import v8 from 'node:v8';
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
    // A plain field (an accessor would make the view a dictionary object), holding a Map
    // that is not the listing's tree but decodes its own copy of the bytes when read.
    const descriptor = Object.getOwnPropertyDescriptor(row.sa, 'raw');
    expect(descriptor?.get).toBeUndefined();
    expect(descriptor?.value).toBeInstanceOf(Map);
    expect(Object.getPrototypeOf(descriptor?.value)).not.toBe(Map.prototype);
    expect(() => row.sa.raw.set('uniqueid', Buffer.from('8'))).toThrow(TypeError);
    expect(encodeMessage(row.sa.raw).length).toBeGreaterThan(0);
  });

  it('leave a row that is already compact as it is', () => {
    const row = tableWithOne();
    expect(compactRow(row)).toBe(row);
  });
});

describe('compacted views stay fast objects', () => {
  it('are not turned into dictionaries by their lazy raw (V8 does that to a redefined field)', () => {
    v8.setFlagsFromString('--allow-natives-syntax');
    const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (
      o: object,
    ) => boolean;
    const row = tableWithOne();
    expect(hasFastProperties(row.sa)).toBe(true);
    expect(hasFastProperties(row.children[0]!.sa)).toBe(true);
    // And still carry raw as a field of their own, as the views do.
    expect(Object.keys(row.sa)).toContain('raw');
  });
});
