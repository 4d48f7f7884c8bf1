import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncodeError, ProtocolError } from '../../source/vici/errors.js';
import { encodeMessage } from '../../source/vici/message.js';
import {
  decodePacket,
  encodePacket,
  MAX_SEGMENT_BYTES,
  PACKET,
  type PacketType,
} from '../../source/vici/packet.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** A segment as decodePacket sees it: the length header stripped after checking it. */
function segmentOf(framed: Buffer): Buffer {
  expect(framed.readUInt32BE(0)).toBe(framed.length - 4);
  return framed.subarray(4);
}

function protocolError(segment: Buffer, streamOffset?: number): ProtocolError {
  try {
    decodePacket(segment, streamOffset);
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error('expected a ProtocolError, but it decoded');
}

const body = encodeMessage({ key1: 'value1' });

describe('every packet type, encoded and decoded', () => {
  it.each([
    [
      'CMD_REQUEST with a message',
      PACKET.CMD_REQUEST,
      'list-sas',
      body,
      '00000018 00 08 6c6973742d736173',
    ],
    [
      'CMD_REQUEST without a message',
      PACKET.CMD_REQUEST,
      'version',
      undefined,
      '00000009 00 07 76657273696f6e',
    ],
    ['CMD_RESPONSE with a message', PACKET.CMD_RESPONSE, undefined, body, '0000000f 01'],
    [
      'CMD_RESPONSE with an empty message',
      PACKET.CMD_RESPONSE,
      undefined,
      undefined,
      '00000001 01',
    ],
    ['CMD_UNKNOWN', PACKET.CMD_UNKNOWN, undefined, undefined, '00000001 02'],
    [
      'EVENT_REGISTER',
      PACKET.EVENT_REGISTER,
      'list-sa',
      undefined,
      '00000009 03 07 6c6973742d7361',
    ],
    ['EVENT_UNREGISTER', PACKET.EVENT_UNREGISTER, 'log', undefined, '00000005 04 03 6c6f67'],
    ['EVENT_CONFIRM', PACKET.EVENT_CONFIRM, undefined, undefined, '00000001 05'],
    ['EVENT_UNKNOWN', PACKET.EVENT_UNKNOWN, undefined, undefined, '00000001 06'],
    [
      'EVENT with a message',
      PACKET.EVENT,
      'ike-updown',
      body,
      '0000001a 07 0a 696b652d7570646f776e',
    ],
    ['EVENT with an empty message', PACKET.EVENT, 'log', undefined, '00000005 07 03 6c6f67'],
  ] as const)('%s', (_what, type, name, message, head) => {
    const framed = encodePacket(type as PacketType, name, message);
    const expected = Buffer.concat([hex(head), message ?? Buffer.alloc(0)]);
    expect(framed.toString('hex')).toBe(expected.toString('hex'));
    const packet = decodePacket(segmentOf(framed));
    expect(packet.type).toBe(type);
    expect(packet.name).toBe(name);
    expect(packet.body.toString('hex')).toBe((message ?? Buffer.alloc(0)).toString('hex'));
  });

  it('round-trips any type, name and body that the type allows', () => {
    const named = [
      PACKET.CMD_REQUEST,
      PACKET.EVENT_REGISTER,
      PACKET.EVENT_UNREGISTER,
      PACKET.EVENT,
    ];
    const withBody = [PACKET.CMD_REQUEST, PACKET.CMD_RESPONSE, PACKET.EVENT];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }),
        fc.string({ unit: 'binary-ascii', maxLength: 255 }),
        fc.uint8Array({ maxLength: 500 }),
        (type, name, bytes) => {
          const t = type as PacketType;
          const n = named.includes(t as never) ? name : undefined;
          const b = withBody.includes(t as never) ? Buffer.from(bytes) : undefined;
          const packet = decodePacket(segmentOf(encodePacket(t, n, b)));
          expect(packet).toEqual({ type: t, name: n, body: b ?? Buffer.alloc(0) });
        },
      ),
    );
  });

  it('accepts a segment of exactly 512 KiB and refuses one byte more', () => {
    const name = 'list-sas';
    const room = MAX_SEGMENT_BYTES - 2 - name.length;
    const framed = encodePacket(PACKET.CMD_REQUEST, name, Buffer.alloc(room));
    expect(framed.readUInt32BE(0)).toBe(MAX_SEGMENT_BYTES);
    expect(() => encodePacket(PACKET.CMD_REQUEST, name, Buffer.alloc(room + 1))).toThrow(
      EncodeError,
    );
    expect(() =>
      encodePacket(PACKET.CMD_RESPONSE, undefined, Buffer.alloc(MAX_SEGMENT_BYTES)),
    ).toThrow(/512 KiB/);
  });
});

describe('encodePacket refuses packets the daemon could not read', () => {
  it('a named type without a name', () => {
    expect(() => encodePacket(PACKET.CMD_REQUEST)).toThrow(EncodeError);
    expect(() => encodePacket(PACKET.EVENT_REGISTER)).toThrow(EncodeError);
  });

  it('a name over 255 bytes', () => {
    expect(() => encodePacket(PACKET.CMD_REQUEST, 'x'.repeat(256))).toThrow(EncodeError);
    expect(() => encodePacket(PACKET.EVENT, 'é'.repeat(128))).toThrow(EncodeError);
    expect(encodePacket(PACKET.EVENT_REGISTER, 'x'.repeat(255))[5]).toBe(255);
  });

  it('a name on a type that has none (it would be read as the message)', () => {
    expect(() => encodePacket(PACKET.CMD_RESPONSE, 'oops')).toThrow(EncodeError);
    expect(() => encodePacket(PACKET.EVENT_CONFIRM, 'oops')).toThrow(EncodeError);
  });

  it('a message on a type that carries none', () => {
    expect(() => encodePacket(PACKET.EVENT_REGISTER, 'log', body)).toThrow(EncodeError);
    expect(() => encodePacket(PACKET.CMD_UNKNOWN, undefined, body)).toThrow(EncodeError);
    // An empty body is no body.
    expect(encodePacket(PACKET.EVENT_CONFIRM, undefined, Buffer.alloc(0)).length).toBe(5);
  });

  it('a type that does not exist', () => {
    expect(() => encodePacket(8 as PacketType)).toThrow(EncodeError);
    expect(() => encodePacket(-1 as PacketType)).toThrow(EncodeError);
  });
});

describe('decodePacket gives a ProtocolError for malformed segments', () => {
  it.each([
    ['an empty segment', '', 0, /empty segment/],
    ['packet type 8', '08', 0, /unknown packet type 8/],
    ['packet type 255', 'ff 00', 0, /unknown packet type 255/],
    ['a named packet that ends before its name', '00', 1, /before its name/],
    ['a name running past the end', '07 05 6c6f67', 1, /truncated packet name/],
    ['stray bytes after CMD_UNKNOWN', '02 00', 1, /1 stray bytes/],
    ['stray bytes after EVENT_CONFIRM', '05 03 01 6b', 1, /3 stray bytes/],
    ['stray bytes after EVENT_UNKNOWN', '06 ff', 1, /stray/],
    ['stray bytes after an EVENT_REGISTER name', '03 03 6c6f67 00', 5, /1 stray bytes/],
    ['stray bytes after an EVENT_UNREGISTER name', '04 00 00', 2, /stray/],
  ])('%s', (_what, bytes, offset, reason) => {
    const err = protocolError(hex(bytes), 100);
    expect(err.offset).toBe(100 + offset);
    expect(err.reason).toMatch(reason);
  });

  it('any bytes decode or throw a ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodePacket(Buffer.from(bytes));
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('returns the body as a view of the segment (no copy)', () => {
    const segment = hex('07 03 6c6f67 03 01 6b 0000');
    const packet = decodePacket(segment);
    expect(packet.body.buffer).toBe(segment.buffer);
    expect(packet.body.byteOffset).toBe(segment.byteOffset + 5);
  });
});
