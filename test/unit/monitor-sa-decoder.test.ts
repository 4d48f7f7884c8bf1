/*
 * The listing's decoder (monitor/sa-decoder.ts) against the path it replaces: for any body,
 * decodeListSa gives what parseListSaEvent(decodeMessage(body)) gives, field for field, with
 * the `raw` compactRow would have kept; and for bytes that are not a message, the same
 * ProtocolError. Real bodies (a lab capture, the golden charon vector), generated trees, and
 * truncated or corrupted bytes.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compactChildSa,
  compactIkeSa,
  compactRow,
  isCompact,
} from '../../source/monitor/compact.js';
import { RowTable } from '../../source/monitor/row-table.js';
import { decodeListSa } from '../../source/monitor/sa-decoder.js';
import {
  decodeMessage,
  decodePacket,
  type Encodable,
  encodeMessage,
  FrameReader,
  PACKET,
  ProtocolError,
  parseListSaEvent,
  type ViciSection,
} from '../../source/vici/index.js';
import type { ChildSa, IkeSa } from '../../source/vici/views.js';
import { parseAnnotatedHex } from './fixtures/annotate.js';
import { ikeTree } from './monitor-trees.js';

const here = dirname(fileURLToPath(import.meta.url));

function labBodies(): Buffer[] {
  const bytes = readFileSync(join(here, '../../bench/fixtures/list-sas-lab-13.bin'));
  return new FrameReader().push(bytes).map((segment) => {
    const p = decodePacket(segment);
    expect(p.type).toBe(PACKET.EVENT);
    return Buffer.from(p.body);
  });
}

function goldenBody(): Buffer {
  const framed = parseAnnotatedHex(readFileSync(join(here, 'fixtures/list-sa-event.hex'), 'utf8'));
  const [segment] = new FrameReader().push(framed);
  return Buffer.from(decodePacket(segment!).body);
}

/** A view's fields without `raw` and `children` (compared on their own). */
function fields(v: IkeSa | ChildSa): Record<string, unknown> {
  const { raw: _raw, ...rest } = v as IkeSa;
  const out: Record<string, unknown> = { ...rest };
  delete out.children;
  return out;
}

function sameRaw(got: ViciSection, want: ViciSection): void {
  expect(got).toEqual(want);
  // Wire order too: the same bytes when encoded again.
  expect(encodeMessage(got).equals(encodeMessage(want))).toBe(true);
}

/** decodeListSa(body) against today's path; returns how many IKE_SAs it compared. */
function expectSame(body: Buffer): number {
  let want: IkeSa[] | undefined;
  let wantError: unknown;
  try {
    want = parseListSaEvent(decodeMessage(body));
  } catch (e) {
    wantError = e;
  }
  if (want === undefined) {
    expect(wantError).toBeInstanceOf(ProtocolError);
    let gotError: unknown;
    try {
      decodeListSa(Buffer.from(body));
    } catch (e) {
      gotError = e;
    }
    expect(gotError).toBeInstanceOf(ProtocolError);
    expect((gotError as Error).message).toBe((wantError as Error).message);
    return 0;
  }
  const got = decodeListSa(Buffer.from(body));
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    expect(isCompact(g)).toBe(true);
    expect(Object.keys(g).sort()).toEqual(Object.keys(w).sort());
    expect(fields(g)).toStrictEqual(fields(w));
    sameRaw(g.raw, compactIkeSa(w).raw);
    expect(g.children).toHaveLength(w.children.length);
    g.children.forEach((gc, j) => {
      const wc = w.children[j]!;
      expect(isCompact(gc)).toBe(true);
      expect(Object.keys(gc).sort()).toEqual(Object.keys(wc).sort());
      expect(fields(gc)).toStrictEqual(fields(wc));
      sameRaw(gc.raw, compactChildSa(wc).raw);
    });
  });
  return got.length;
}

// --- generated trees --------------------------------------------------------------------------

const IKE_KEYS = [
  'uniqueid',
  'version',
  'state',
  'local-host',
  'local-port',
  'local-id',
  'remote-host',
  'remote-port',
  'remote-id',
  'remote-eap-id',
  'remote-xauth-id',
  'initiator',
  'initiator-spi',
  'responder-spi',
  'nat-local',
  'nat-remote',
  'nat-fake',
  'nat-any',
  'if-id-in',
  'if-id-out',
  'encr-alg',
  'encr-keysize',
  'integ-alg',
  'integ-keysize',
  'prf-alg',
  'dh-group',
  'ake1',
  'ake2',
  'ake7',
  'ppk',
  'established',
  'rekey-time',
  'reauth-time',
  'local-vips',
  'remote-vips',
  'tasks-queued',
  'tasks-active',
  'tasks-passive',
];
const CHILD_KEYS = [
  'name',
  'uniqueid',
  'reqid',
  'state',
  'mode',
  'protocol',
  'encap',
  'spi-in',
  'spi-out',
  'cpi-in',
  'cpi-out',
  'mark-in',
  'mark-out',
  'mark-mask-in',
  'mark-mask-out',
  'if-id-in',
  'if-id-out',
  'label',
  'per-cpu-sas',
  'cpu',
  'encr-alg',
  'encr-keysize',
  'integ-alg',
  'integ-keysize',
  'prf-alg',
  'dh-group',
  'ake1',
  'ake3',
  'esn',
  'bytes-in',
  'packets-in',
  'use-in',
  'bytes-out',
  'packets-out',
  'use-out',
  'rekey-time',
  'life-time',
  'install-time',
  'local-ts',
  'remote-ts',
];

/** Values as the daemon sends them, and as a broken or hostile one might. */
const valueArb: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constantFrom(
    'yes',
    'no',
    'YES',
    '',
    'ESTABLISHED',
    'INSTALLED',
    'AES_GCM_16',
    '0',
    '-0',
    '007',
    '-12',
    '1.5',
    '1.',
    '1e3',
    '0x10',
    ' 12',
    '12 ',
    '+5',
    '123456789012345',
    '1234567890123456',
    '9007199254740993',
    '18446744073709551615',
    // Read digit by digit, these round differently from Number(): beyond 2^53 only Number() counts.
    '40989393559768424',
    '180970421960741015',
    '٣',
    'moon.swantop.test',
    '\x1b[31mred',
  ),
  fc.stringMatching(/^-?\d{1,22}(\.\d{1,3})?$/),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.uint8Array({ maxLength: 12 }),
);

const listArb = fc.array(valueArb, { maxLength: 4 });

type Tree = Map<string, Encodable>;

function sectionOf(
  keys: readonly string[],
  member: fc.Arbitrary<Encodable>,
  maxLength = 16,
): fc.Arbitrary<Tree> {
  return fc
    .uniqueArray(
      fc.tuple(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 6 })), member),
      { selector: ([k]) => k, maxLength },
    )
    .map((entries) => new Map(entries));
}

/** Sections no view reads: unknown keys, nested a few deep. */
const nestedArb: fc.Arbitrary<Tree> = fc.letrec<{ s: Tree }>((tie) => ({
  s: sectionOf(
    ['a', 'state', 'child-sas', '1'],
    fc.oneof({ weight: 4, arbitrary: valueArb }, listArb, tie('s')),
    4,
  ),
})).s;

const memberArb: fc.Arbitrary<Encodable> = fc.oneof(
  { weight: 10, arbitrary: valueArb },
  { weight: 2, arbitrary: listArb },
  { weight: 1, arbitrary: nestedArb },
);

const childArb = sectionOf(CHILD_KEYS, memberArb, 24);

const childSasArb: fc.Arbitrary<Encodable> = fc.oneof(
  {
    weight: 8,
    arbitrary: sectionOf(
      ['net-1', 'rw-2', '3'],
      fc.oneof({ weight: 6, arbitrary: childArb }, valueArb, listArb),
      4,
    ),
  },
  { weight: 1, arbitrary: valueArb },
  { weight: 1, arbitrary: listArb },
);

const ikeArb: fc.Arbitrary<Tree> = fc
  .tuple(sectionOf(IKE_KEYS, memberArb, 24), fc.option(childSasArb, { nil: undefined }), fc.nat(30))
  .map(([s, childSas, where]) => {
    if (childSas === undefined) return s;
    // `child-sas` anywhere among the members, not only last as charon puts it.
    const entries = [...s];
    entries.splice(where % (entries.length + 1), 0, ['child-sas', childSas]);
    return new Map(entries);
  });

const eventArb: fc.Arbitrary<Tree> = sectionOf(
  ['net-net', 'rw', 'home', 'ÿ'],
  fc.oneof({ weight: 8, arbitrary: ikeArb }, valueArb, listArb),
  3,
);

describe('decodeListSa', () => {
  it('reads the lab capture (13 IKE_SAs of charon 5.9.8) as parseListSaEvent does', () => {
    const bodies = labBodies();
    expect(bodies.length).toBe(13);
    let n = 0;
    for (const b of bodies) n += expectSame(b);
    expect(n).toBe(13);
  });

  it('reads the golden list-sa event of charon 5.9.8 as parseListSaEvent does', () => {
    const body = goldenBody();
    expect(expectSame(body)).toBe(1);
    const [sa] = decodeListSa(body);
    expect(sa!.children.length).toBeGreaterThan(0);
  });

  it('reads any tree as parseListSaEvent does (generated trees)', () => {
    fc.assert(
      fc.property(eventArb, (tree) => {
        expectSame(encodeMessage(tree));
      }),
      { numRuns: 600 },
    );
  });

  it('refuses truncated bodies with the ProtocolError decodeMessage throws, never anything else', () => {
    const bodies = [goldenBody(), ...labBodies().slice(0, 3)];
    for (const body of bodies) {
      for (let cut = 0; cut < body.length; cut++) expectSame(body.subarray(0, cut));
    }
  });

  it('treats corrupted bodies (flipped, inserted, deleted bytes) exactly as decodeMessage', () => {
    const bodies = [goldenBody(), ...labBodies()];
    fc.assert(
      fc.property(
        fc.constantFrom(...bodies),
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.integer({ min: 0, max: 255 }),
            fc.constantFrom('set', 'insert', 'delete'),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (body, edits) => {
          const bytes = [...body];
          for (const [at, b, how] of edits) {
            const i = at % (bytes.length + 1);
            if (how === 'set' && i < bytes.length) bytes[i] = b;
            else if (how === 'insert') bytes.splice(i, 0, b);
            else bytes.splice(i, 1);
          }
          expectSame(Buffer.from(bytes));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('refuses duplicate keys at every level, as decodeMessage does', () => {
    const kv = (k: string, v: string) =>
      Buffer.concat([
        Buffer.from([3, k.length]),
        Buffer.from(k),
        Buffer.from([0, v.length]),
        Buffer.from(v),
      ]);
    const open = (k: string) => Buffer.concat([Buffer.from([1, k.length]), Buffer.from(k)]);
    const close = Buffer.from([2]);
    const cases = [
      // in the IKE_SA: a known key twice, an unknown key twice
      [open('a'), kv('state', 'X'), kv('state', 'Y'), close],
      [open('a'), kv('odd', 'X'), kv('odd', 'Y'), close],
      // two IKE_SAs of one name; a root value twice
      [open('a'), close, open('a'), close],
      [kv('x', '1'), kv('x', '2')],
      // in child-sas, in a CHILD_SA, in a section nobody reads
      [open('a'), open('child-sas'), open('c'), close, open('c'), close, close, close],
      [
        open('a'),
        open('child-sas'),
        open('c'),
        kv('reqid', '1'),
        kv('reqid', '1'),
        close,
        close,
        close,
      ],
      [open('a'), open('x'), kv('k', '1'), kv('k', '2'), close, close],
      // two names that differ in bytes but not as text (invalid UTF-8 both read as U+FFFD)
      [open('a'), kv('\xff', '1'), close].map((b) => b),
    ].map((parts) => Buffer.concat(parts));
    // The last case, built from bytes: 0xfe and 0xff are both invalid UTF-8.
    const replacement = Buffer.from([1, 1, 0x61, 3, 1, 0xfe, 0, 0, 3, 1, 0xff, 0, 0, 2]);
    for (const body of [...cases, replacement]) {
      expect(() => decodeMessage(body)).toThrow(ProtocolError);
      expectSame(body);
    }
  });

  it('refuses sections nested deeper than decodeMessage allows, and takes the deepest it allows', () => {
    for (const depth of [62, 63, 64, 65, 66]) {
      const body = Buffer.concat([
        ...Array.from({ length: depth }, (_, i) => Buffer.from([1, 1, 0x61 + (i % 26)])),
        Buffer.alloc(depth, 2),
      ]);
      expectSame(body);
    }
  });

  it('makes rows the row table keeps as they are (no second compaction)', () => {
    const body = encodeMessage({
      c1: ikeTree({ uniqueid: '5', children: [{ uniqueid: '9', bytesIn: 100 }] }),
    });
    const [ike] = decodeListSa(Buffer.from(body));
    const table = new RowTable();
    table.applyFull([{ ike: ike!, at: 1000 }], 1000);
    const row = table.get('5')!;
    expect(row.sa).toBe(ike);
    expect(row.children[0]!.sa).toBe(ike!.children[0]);
    expect(compactRow(row)).toBe(row);
    expect(row.sa.raw.has('child-sas')).toBe(false);
    expect(row.children[0]!.sa.raw.get('bytes-in')?.toString()).toBe('100');
  });
});
