import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../source/vici/errors.js';
import { encodeMessage } from '../../source/vici/message.js';
import { encodePacket, FrameReader, MAX_SEGMENT_BYTES, PACKET } from '../../source/vici/packet.js';
import { parseAnnotatedHex } from './fixtures/annotate.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Every golden vector back to back, plus an empty-bodied request: a realistic stream. */
const framed: Buffer[] = [
  ...readdirSync(fixtures)
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((f) => parseAnnotatedHex(readFileSync(join(fixtures, f), 'utf8'))),
  encodePacket(PACKET.CMD_REQUEST, 'version'),
];
const stream = Buffer.concat(framed);
const expected = framed.map((f) => f.subarray(4).toString('hex'));

/** Feeds chunks and collects every segment, as hex for readable diffs. */
function feed(chunks: Buffer[], reader = new FrameReader()): string[] {
  const out: string[] = [];
  for (const c of chunks) for (const s of reader.push(c)) out.push(s.toString('hex'));
  expect(reader.pending).toBe(0);
  return out;
}

function rejects(reader: FrameReader, chunk: Buffer): ProtocolError {
  try {
    reader.push(chunk);
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

describe('FrameReader gives the same segments however the stream is cut', () => {
  it('fed whole', () => {
    expect(feed([stream])).toEqual(expected);
  });

  it('fed byte by byte', () => {
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(feed(bytes)).toEqual(expected);
  });

  it('split in two at every offset', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(feed([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(expected);
    }
  });

  it('split at random offsets, with empty chunks in between', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(stream.length), { maxLength: 40 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const chunks = points.slice(1).map((end, i) => stream.subarray(points[i], end));
        expect(feed(chunks)).toEqual(expected);
      }),
    );
  });

  it('many packets in one chunk, without copying them', () => {
    const one = encodePacket(PACKET.EVENT, 'log', encodeMessage({ msg: 'hello' }));
    const many = Buffer.concat(Array.from({ length: 5000 }, () => one));
    const reader = new FrameReader();
    const segments = reader.push(many);
    expect(segments).toHaveLength(5000);
    expect(segments.every((s) => s.equals(one.subarray(4)))).toBe(true);
    expect(segments[4999]!.buffer).toBe(many.buffer);
    expect(reader.offset).toBe(many.length);
  });

  it('yields a zero-length segment as an empty buffer (decodePacket rejects it later)', () => {
    expect(feed([Buffer.from('00000000', 'hex')])).toEqual(['']);
  });

  it('keeps a partial segment pending and reports the stream offset', () => {
    const reader = new FrameReader();
    const first = framed.find((f) => f.length > 100)!;
    expect(reader.push(first.subarray(0, 7))).toEqual([]);
    // The header is consumed; the three body bytes wait for the rest.
    expect(reader.pending).toBe(3);
    expect(reader.offset).toBe(4);
    expect(reader.push(first.subarray(7))).toHaveLength(1);
    expect(reader.pending).toBe(0);
    expect(reader.offset).toBe(first.length);
  });
});

describe('FrameReader refuses oversized segments at once', () => {
  it('a 4 GB length header throws as soon as the header is complete', () => {
    const reader = new FrameReader();
    expect(reader.push(Buffer.from('ffff', 'hex'))).toEqual([]);
    const err = rejects(reader, Buffer.from('ffff', 'hex'));
    expect(err.offset).toBe(0);
    expect(err.reason).toMatch(/4294967295 bytes announced/);
  });

  it('points at the bad header after good segments', () => {
    const reader = new FrameReader();
    const good = framed[0]!;
    const err = rejects(reader, Buffer.concat([good, Buffer.from('80000000', 'hex')]));
    expect(err.offset).toBe(good.length);
  });

  it('accepts 512 KiB exactly and refuses one byte more', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_SEGMENT_BYTES + 1, 0);
    rejects(new FrameReader(), header);
    const max = Buffer.alloc(4 + MAX_SEGMENT_BYTES);
    max.writeUInt32BE(MAX_SEGMENT_BYTES, 0);
    expect(new FrameReader().push(max)[0]!.length).toBe(MAX_SEGMENT_BYTES);
  });

  it('honours a smaller limit given to the constructor', () => {
    const reader = new FrameReader(16);
    rejects(reader, Buffer.from('00000011', 'hex'));
  });
});

describe('FrameReader cost', () => {
  it('assembles a 512 KiB segment fed one byte at a time', () => {
    // Quadratic joining would take minutes here; linear takes well under a second. The test
    // only checks the result; the timeout is the guard.
    const body = Buffer.alloc(MAX_SEGMENT_BYTES - 1);
    for (let i = 0; i < body.length; i++) body[i] = i * 7;
    const framedBig = encodePacket(PACKET.CMD_RESPONSE, undefined, body);
    const reader = new FrameReader();
    let got: Buffer[] = [];
    for (let i = 0; i < framedBig.length; i++) {
      got = got.concat(reader.push(framedBig.subarray(i, i + 1)));
    }
    expect(got).toHaveLength(1);
    expect(got[0]!.equals(framedBig.subarray(4))).toBe(true);
    expect(reader.pending).toBe(0);
  });
});
