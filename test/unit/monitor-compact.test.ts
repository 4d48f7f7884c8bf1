import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { compactRow } from '../../source/monitor/compact.js';
import { RowTable } from '../../source/monitor/row-table.js';
import { decodeListSa } from '../../source/monitor/sa-decoder.js';
import { encodeMessage, text } from '../../source/vici/message.js';
import { ikeTree, listing } from './monitor-trees.js';

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

describe('compacted views stay fast objects', () => {
  it('are not turned into dictionaries by their lazy raw (V8 does that to a field redefined as an accessor)', () => {
    v8.setFlagsFromString('--allow-natives-syntax');
    const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (
      o: object,
    ) => boolean;
    const row = tableWithOne();
    expect(hasFastProperties(row.sa)).toBe(true);
    expect(hasFastProperties(row.children[0]!.sa)).toBe(true);
    // And still carry raw as a field of their own, as the views do.
    expect(Object.keys(row.sa)).toContain('raw');
    // The listing's records, made compact by the decoder, too.
    const body = Buffer.from(
      encodeMessage({ rw: ikeTree({ uniqueid: '5', children: [{ uniqueid: '6' }] }) }),
    );
    const [ike] = decodeListSa(body);
    expect(hasFastProperties(ike!)).toBe(true);
    expect(hasFastProperties(ike!.children[0]!)).toBe(true);
  });
});
