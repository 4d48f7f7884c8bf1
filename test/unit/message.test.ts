import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncodeError, ProtocolError } from '../../source/vici/errors.js';
import {
  bool,
  decodeMessage,
  encodeMessage,
  isListElement,
  isSectionElement,
  isValueElement,
  MAX_NAME_BYTES,
  MAX_VALUE_BYTES,
  num,
  section,
  text,
  texts,
  toPlain,
  type ViciElement,
  type ViciSection,
} from '../../source/vici/message.js';

// ---------------------------------------------------------------------------------------------
// Helpers

/** An ordered, comparable picture of a tree: Map order matters, Buffers compare as hex. */
type Shape = ['value', string] | ['list', string[]] | ['section', [string, Shape][]];
function shape(e: ViciElement): Shape {
  if (e instanceof Map) return ['section', [...e].map(([k, v]): [string, Shape] => [k, shape(v)])];
  if (Array.isArray(e)) return ['list', e.map((v) => v.toString('hex'))];
  return ['value', e.toString('hex')];
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Catches the error `f` throws; fails the test when it returns instead. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, but it returned');
}

function protocolError(bytes: Uint8Array): ProtocolError {
  const err = thrown(() => decodeMessage(bytes));
  expect(err).toBeInstanceOf(ProtocolError);
  return err as ProtocolError;
}

// A writer independent of encodeMessage, so properties do not check the encoder against itself.
type Node =
  | { kind: 'kv'; name: string; value: Uint8Array }
  | { kind: 'list'; name: string; items: Uint8Array[] }
  | { kind: 'section'; name: string; children: Node[] };

function writeNodes(nodes: Node[], out: number[]): void {
  const name = (n: string) => {
    const b = Buffer.from(n, 'utf8');
    out.push(b.length, ...b);
  };
  const value = (v: Uint8Array) => {
    out.push(v.length >> 8, v.length & 0xff);
    for (const byte of v) out.push(byte);
  };
  for (const n of nodes) {
    if (n.kind === 'kv') {
      out.push(3);
      name(n.name);
      value(n.value);
    } else if (n.kind === 'list') {
      out.push(4);
      name(n.name);
      for (const item of n.items) {
        out.push(5);
        value(item);
      }
      out.push(6);
    } else {
      out.push(1);
      name(n.name);
      writeNodes(n.children, out);
      out.push(2);
    }
  }
}
const bytesOf = (nodes: Node[]): Buffer => {
  const out: number[] = [];
  writeNodes(nodes, out);
  return Buffer.from(out);
};
function nodesShape(nodes: Node[]): Shape {
  return [
    'section',
    nodes.map((n): [string, Shape] => {
      if (n.kind === 'kv') return [n.name, ['value', Buffer.from(n.value).toString('hex')]];
      if (n.kind === 'list') {
        return [n.name, ['list', n.items.map((i) => Buffer.from(i).toString('hex'))]];
      }
      return [n.name, nodesShape(n.children)];
    }),
  ];
}

// Names: any Unicode up to 255 UTF-8 bytes, with integer-like ones made likely on purpose.
const nameArb = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.nat(20).map(String),
    fc.constantFrom('1', '10', '2', '', 'child-sas', 'local-ts'),
    fc.string({ unit: 'binary-ascii', minLength: 255, maxLength: 255 }),
  )
  .filter((s) => Buffer.byteLength(s, 'utf8') <= MAX_NAME_BYTES);
const valueArb = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.string({ maxLength: 30 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ minLength: 300, maxLength: 2000 }),
);

const nodesArb = fc.letrec<{ nodes: Node[]; node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('kv' as const), name: nameArb, value: valueArb }),
    fc.record({
      kind: fc.constant('list' as const),
      name: nameArb,
      items: fc.array(valueArb, { maxLength: 6 }),
    }),
    fc.record({ kind: fc.constant('section' as const), name: nameArb, children: tie('nodes') }),
  ),
  nodes: fc.uniqueArray(tie('node'), { maxLength: 6, selector: (n) => n.name }),
})).nodes;

// ---------------------------------------------------------------------------------------------

describe('the upstream README encoding example', () => {
  const readme = hex(`
    03 04 6b657931 0006 76616c756531
    01 08 73656374696f6e31
      01 0b 7375622d73656374696f6e
        03 04 6b657932 0006 76616c756532
      02
      04 05 6c69737431
        05 0005 6974656d31
        05 0005 6974656d32
      06
    02`);

  it('encodes to its bytes, byte for byte', () => {
    const message = {
      key1: 'value1',
      section1: { 'sub-section': { key2: 'value2' }, list1: ['item1', 'item2'] },
    };
    expect(encodeMessage(message).toString('hex')).toBe(readme.toString('hex'));
  });

  it('decodes from its bytes to the same tree', () => {
    const tree = decodeMessage(readme);
    expect(shape(tree)).toEqual([
      'section',
      [
        ['key1', ['value', Buffer.from('value1').toString('hex')]],
        [
          'section1',
          [
            'section',
            [
              [
                'sub-section',
                ['section', [['key2', ['value', Buffer.from('value2').toString('hex')]]]],
              ],
              ['list1', ['list', ['item1', 'item2'].map((s) => Buffer.from(s).toString('hex'))]],
            ],
          ],
        ],
      ],
    ]);
    expect(toPlain(tree)).toEqual({
      key1: 'value1',
      section1: { 'sub-section': { key2: 'value2' }, list1: ['item1', 'item2'] },
    });
  });

  it('gives a ProtocolError for every truncation that is not a whole message', () => {
    // Cut right after `key1 = value1` the rest is a valid (shorter) message; nowhere else.
    const boundaries = new Set([0, 14, readme.length]);
    for (let cut = 0; cut <= readme.length; cut++) {
      const prefix = readme.subarray(0, cut);
      if (boundaries.has(cut)) {
        expect(() => decodeMessage(prefix)).not.toThrow();
      } else {
        const err = protocolError(prefix);
        expect(err.offset).toBeGreaterThanOrEqual(0);
        expect(err.offset).toBeLessThanOrEqual(cut);
      }
    }
  });
});

describe('round trips', () => {
  it('bytes -> tree -> identical bytes, and the tree is what was written', () => {
    fc.assert(
      fc.property(nodesArb, (nodes) => {
        const bytes = bytesOf(nodes);
        const tree = decodeMessage(bytes);
        expect(shape(tree)).toEqual(nodesShape(nodes));
        expect(encodeMessage(tree).equals(bytes)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('tree -> bytes -> the same tree', () => {
    fc.assert(
      fc.property(nodesArb, (nodes) => {
        const tree = decodeMessage(bytesOf(nodes));
        expect(shape(decodeMessage(encodeMessage(tree)))).toEqual(shape(tree));
      }),
      { numRuns: 400 },
    );
  });

  it('keeps integer-like keys in wire order ("1", "10", "2")', () => {
    const tree: ViciSection = new Map<string, ViciElement>([
      ['1', Buffer.from('a')],
      ['10', Buffer.from('b')],
      ['2', new Map([['0', Buffer.from('c')]])],
    ]);
    const bytes = encodeMessage(tree);
    expect([...decodeMessage(bytes).keys()]).toEqual(['1', '10', '2']);
    expect(bytes.toString('hex')).toBe(
      hex('03 01 31 0001 61  03 02 3130 0001 62  01 01 32 03 01 30 0001 63 02').toString('hex'),
    );
  });

  it('keeps empty lists and empty sections', () => {
    const bytes = hex('04 01 6c 06  01 01 73 02  03 01 76 0000');
    const tree = decodeMessage(bytes);
    expect(tree.get('l')).toEqual([]);
    expect(tree.get('s')).toEqual(new Map());
    expect(tree.get('v')).toEqual(Buffer.alloc(0));
    expect(encodeMessage(tree).equals(bytes)).toBe(true);
    expect(encodeMessage({ l: [], s: {}, v: '' }).equals(bytes)).toBe(true);
  });

  it('carries all 256 byte values exactly, as a value and as list items', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const tree = decodeMessage(encodeMessage({ der: all, items: [all, all.subarray(128)] }));
    expect((tree.get('der') as Buffer).equals(all)).toBe(true);
    const items = tree.get('items') as Buffer[];
    expect(items[0]!.equals(all)).toBe(true);
    expect(items[1]!.equals(all.subarray(128))).toBe(true);
  });

  it('accepts names of exactly 255 bytes, ASCII or not', () => {
    const ascii = 'n'.repeat(255);
    const multi = `${'é'.repeat(127)}x`; // 127 * 2 + 1 = 255 bytes
    expect(Buffer.byteLength(multi)).toBe(255);
    for (const name of [ascii, multi]) {
      const bytes = encodeMessage(new Map([[name, new Map([[name, [name]]])]]));
      expect(bytes[1]).toBe(255);
      const tree = decodeMessage(bytes);
      expect(texts(section(tree.get(name))?.get(name))).toEqual([name]);
    }
  });

  it('accepts values of exactly 65,535 bytes', () => {
    const big = Buffer.alloc(MAX_VALUE_BYTES, 0xab);
    const bytes = encodeMessage({ v: big, l: [big], s: 'x'.repeat(MAX_VALUE_BYTES) });
    const tree = decodeMessage(bytes);
    expect((tree.get('v') as Buffer).equals(big)).toBe(true);
    expect((tree.get('l') as Buffer[])[0]!.equals(big)).toBe(true);
    expect(text(tree.get('s'))).toHaveLength(MAX_VALUE_BYTES);
  });

  it('never confuses names that share a remembered-name slot', () => {
    // Far more distinct names than the decoder remembers, twice over, in two orders.
    const names = Array.from({ length: 5000 }, (_, i) => `k${i.toString(36)}`);
    const forward = encodeMessage(new Map(names.map((n) => [n, n])));
    const backward = encodeMessage(new Map([...names].reverse().map((n) => [n, n])));
    for (const bytes of [forward, backward, forward]) {
      for (const [k, v] of decodeMessage(bytes)) expect(text(v)).toBe(k);
    }
  });

  it('round-trips sections nested 64 deep', () => {
    let tree: ViciSection = new Map([['leaf', Buffer.from('x')]]);
    for (let i = 0; i < 64; i++) tree = new Map([[`s${i}`, tree]]);
    const bytes = encodeMessage(tree);
    expect(encodeMessage(decodeMessage(bytes)).equals(bytes)).toBe(true);
  });
});

describe('encoding refuses what the daemon would refuse', () => {
  it('rejects names over 255 bytes, counted in UTF-8 bytes', () => {
    expect(() => encodeMessage({ ['n'.repeat(256)]: 'v' })).toThrow(EncodeError);
    expect(() => encodeMessage({ ['é'.repeat(128)]: 'v' })).toThrow(EncodeError);
    expect(() => encodeMessage({ ['n'.repeat(256)]: {} })).toThrow(EncodeError);
    expect(() => encodeMessage({ ['n'.repeat(256)]: [] })).toThrow(EncodeError);
  });

  it('rejects values over 65,535 bytes, as bytes and as text', () => {
    expect(() => encodeMessage({ v: Buffer.alloc(MAX_VALUE_BYTES + 1) })).toThrow(EncodeError);
    expect(() => encodeMessage({ v: 'é'.repeat(32_768) })).toThrow(EncodeError);
    expect(() => encodeMessage({ l: ['ok', Buffer.alloc(MAX_VALUE_BYTES + 1)] })).toThrow(
      EncodeError,
    );
  });

  it('says which key was too long', () => {
    const err = thrown(() => encodeMessage({ certificate: Buffer.alloc(70_000) }));
    expect(err).toBeInstanceOf(EncodeError);
    expect((err as Error).message).toContain('certificate');
    expect((err as Error).message).toContain('70000');
  });

  it('rejects sections nested deeper than 64', () => {
    let tree: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 65; i++) tree = { s: tree };
    expect(() => encodeMessage(tree as never)).toThrow(EncodeError);
  });

  it('rejects lists holding lists or sections, non-finite numbers and non-messages', () => {
    expect(() => encodeMessage({ l: [['x']] } as never)).toThrow(EncodeError);
    expect(() => encodeMessage({ l: [{ a: 'x' }] } as never)).toThrow(EncodeError);
    expect(() => encodeMessage({ n: Number.NaN })).toThrow(EncodeError);
    expect(() => encodeMessage({ n: Number.POSITIVE_INFINITY })).toThrow(EncodeError);
    expect(() => encodeMessage('text' as never)).toThrow(EncodeError);
    expect(() => encodeMessage([] as never)).toThrow(EncodeError);
  });
});

describe('encoding JavaScript values', () => {
  it('writes numbers, bigints and booleans as the text the daemon expects', () => {
    const tree = decodeMessage(
      encodeMessage({ timeout: -1, n: 4500, big: 2n ** 64n, yes: true, no: false }),
    );
    expect(toPlain(tree)).toEqual({
      timeout: '-1',
      n: '4500',
      big: '18446744073709551616',
      yes: 'yes',
      no: 'no',
    });
  });

  it('leaves out null and undefined members, and keeps object and Map order', () => {
    const bytes = encodeMessage({
      a: undefined,
      b: null,
      c: 'x',
      m: new Map([
        ['z', 1],
        ['y', 2],
      ]),
    });
    const tree = decodeMessage(bytes);
    expect([...tree.keys()]).toEqual(['c', 'm']);
    expect([...section(tree.get('m'))!.keys()]).toEqual(['z', 'y']);
  });

  it('encodes an absent message as an empty body', () => {
    expect(encodeMessage().length).toBe(0);
    expect(encodeMessage({}).length).toBe(0);
  });

  it('writes Uint8Array views by their own bytes, not their whole buffer', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const bytes = encodeMessage({ v: backing.subarray(2, 5) });
    expect((decodeMessage(bytes).get('v') as Buffer).toString('hex')).toBe('010203');
  });
});

describe('malformed messages give a ProtocolError at the right byte', () => {
  it.each([
    ['a section left open', '01 01 73 03 01 6b 0001 76', 9, /1 section\(s\) open/],
    ['a section end at the top', '03 01 6b 0000 02', 5, /section end/],
    ['a list left open', '04 01 6c 05 0001 61', 7, /inside a list/],
    ['a list inside a list', '04 01 6c 04 01 6d 06 06', 3, /inside a list/],
    ['a key/value inside a list', '04 01 6c 03 01 6b 0000 06', 3, /inside a list/],
    ['a section inside a list', '04 01 6c 01 01 73 02 06', 3, /inside a list/],
    ['a section end inside a list', '01 01 73 04 01 6c 02 06 02', 6, /inside a list/],
    ['a list item outside a list', '05 0001 61', 0, /list item outside/],
    ['a list end outside a list', '03 01 6b 0000 06', 5, /list end outside/],
    ['element type 0', '00', 0, /unknown element type 0/],
    ['element type 7', '03 01 6b 0000 07', 5, /unknown element type 7/],
    ['element type 255', 'ff 01 02', 0, /unknown element type 255/],
    ['a name running past the end', '03 05 6b', 1, /truncated name/],
    ['a missing name length', '01', 1, /truncated name length/],
    ['a value running past the end', '03 01 6b 0005 7676', 3, /truncated value/],
    ['half a value length', '03 01 6b 00', 3, /truncated value length/],
    ['a duplicate key', '03 01 6b 0000 03 01 6b 0000', 5, /duplicate key "k"/],
    ['a section named like a key', '03 01 6b 0000 01 01 6b 02', 5, /duplicate key/],
    ['a list named like a section', '01 01 6b 02 04 01 6b 06', 4, /duplicate key/],
  ])('%s', (_what, bytes, offset, reason) => {
    const err = protocolError(hex(bytes));
    expect(err.offset).toBe(offset);
    expect(err.reason).toMatch(reason);
    expect(err.message).toContain(`byte ${offset}`);
  });

  it('allows the same name in different sections', () => {
    const tree = decodeMessage(hex('03 01 6b 0000 01 01 73 03 01 6b 0000 02'));
    expect([...tree.keys()]).toEqual(['k', 's']);
  });

  it('adds the base offset, so errors point into the stream', () => {
    expect(thrown(() => decodeMessage(hex('ff'), 1000))).toMatchObject({ offset: 1000 });
  });

  it('makes control characters in a duplicate name visible in the message', () => {
    const err = protocolError(hex('03 02 1b5b 0000 03 02 1b5b 0000'));
    expect(err.message).toContain('\\x1b[');
    expect(err.message).not.toContain('\x1b');
  });

  it('rejects sections nested deeper than the encoder allows, without deep recursion', () => {
    const depth = 200_000;
    const bytes = Buffer.alloc(depth * 3);
    for (let i = 0; i < depth; i++) bytes.set([1, 0], i * 2);
    bytes.fill(2, depth * 2);
    const err = protocolError(bytes);
    expect(err.reason).toMatch(/deeper than 64/);
    expect(err.offset).toBe(64 * 2);
  });

  it('any random bytes decode or throw a ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          expect(err.offset).toBeGreaterThanOrEqual(0);
          expect(err.offset).toBeLessThanOrEqual(bytes.length);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes in the element alphabet decode or throw a ProtocolError', () => {
    // Mostly element types and short lengths, so the decoder gets deep before failing.
    const byte = fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 200 }), (arr) => {
        try {
          const tree = decodeMessage(Uint8Array.from(arr));
          // Whatever decodes re-encodes to the same bytes (names here are 1-byte ASCII or less).
          if (arr.every((b) => b < 0x80)) {
            expect(encodeMessage(tree).equals(Buffer.from(arr))).toBe(true);
          }
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('values are views of the input, and a plain Uint8Array input works too', () => {
    const input = Uint8Array.from(hex('03 01 6b 0002 6869'));
    const tree = decodeMessage(input);
    expect(text(tree.get('k'))).toBe('hi');
    input[6] = 0x6f;
    expect(text(tree.get('k'))).toBe('ho');
  });
});

describe('value helpers', () => {
  const tree = decodeMessage(
    encodeMessage({
      name: 'gw',
      port: '4500',
      neg: '-3',
      notnum: '12ab',
      empty: '',
      yes: 'yes',
      no: 'no',
      maybe: 'Yes',
      list: ['a', 'b'],
      sub: { x: '1' },
      der: Buffer.from([0x30, 0x82, 0xff, 0xfe]),
    }),
  );

  it('text reads values only', () => {
    expect(text(tree.get('name'))).toBe('gw');
    expect(text(tree.get('list'))).toBeUndefined();
    expect(text(tree.get('sub'))).toBeUndefined();
    expect(text(tree.get('absent'))).toBeUndefined();
  });

  it('num reads decimal numbers and nothing else', () => {
    expect(num(tree.get('port'))).toBe(4500);
    expect(num(tree.get('neg'))).toBe(-3);
    expect(num(tree.get('notnum'))).toBeUndefined();
    expect(num(tree.get('empty'))).toBeUndefined();
    expect(num(tree.get('list'))).toBeUndefined();
    expect(num(tree.get('absent'))).toBeUndefined();
  });

  it('num refuses what JavaScript would read but is not a decimal number', () => {
    for (const s of ['0x10', '0b1', '1e3', ' 12 ', 'Infinity', '12.', '-', '+']) {
      expect(num(Buffer.from(s))).toBeUndefined();
    }
    // Counters beyond 2^53 lose precision, as any JavaScript number does.
    expect(num(Buffer.from('18446744073709551615'))).toBe(2 ** 64);
    expect(num(Buffer.from('0.25'))).toBe(0.25);
  });

  it('bool reads exactly yes and no', () => {
    expect(bool(tree.get('yes'))).toBe(true);
    expect(bool(tree.get('no'))).toBe(false);
    expect(bool(tree.get('maybe'))).toBeUndefined();
    expect(bool(tree.get('absent'))).toBeUndefined();
  });

  it('texts reads lists, and a single value as a one-item list', () => {
    expect(texts(tree.get('list'))).toEqual(['a', 'b']);
    expect(texts(tree.get('name'))).toEqual(['gw']);
    expect(texts(tree.get('sub'))).toEqual([]);
  });

  it('element guards tell the three kinds apart', () => {
    expect(isValueElement(tree.get('name'))).toBe(true);
    expect(isListElement(tree.get('list'))).toBe(true);
    expect(isSectionElement(tree.get('sub'))).toBe(true);
    expect(isValueElement(tree.get('sub'))).toBe(false);
    expect(section(tree.get('sub'))?.size).toBe(1);
    expect(section(tree.get('list'))).toBeUndefined();
  });

  it('toPlain keeps text and marks binary as base64', () => {
    const plain = toPlain(tree);
    expect(plain.list).toEqual(['a', 'b']);
    expect(plain.sub).toEqual({ x: '1' });
    expect(plain.der).toBe(`base64:${Buffer.from([0x30, 0x82, 0xff, 0xfe]).toString('base64')}`);
    expect(JSON.parse(JSON.stringify(plain))).toEqual(plain);
  });
});
