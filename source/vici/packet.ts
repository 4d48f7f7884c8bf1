import { EncodeError, ProtocolError } from './errors.js';

export const PACKET = {
  CMD_REQUEST: 0,
  CMD_RESPONSE: 1,
  CMD_UNKNOWN: 2,
  EVENT_REGISTER: 3,
  EVENT_UNREGISTER: 4,
  EVENT_CONFIRM: 5,
  EVENT_UNKNOWN: 6,
  EVENT: 7,
} as const;
export type PacketType = (typeof PACKET)[keyof typeof PACKET];

const NAMED = new Set<number>([
  PACKET.CMD_REQUEST,
  PACKET.EVENT_REGISTER,
  PACKET.EVENT_UNREGISTER,
  PACKET.EVENT,
]);
const WITH_MESSAGE = new Set<number>([PACKET.CMD_REQUEST, PACKET.CMD_RESPONSE, PACKET.EVENT]);

/** The daemon refuses larger segments, and we refuse to read larger ones from it. */
export const MAX_SEGMENT_BYTES = 512 * 1024;

export interface Packet {
  type: PacketType;
  /** Present for named packets (requests, (un)registrations, events). */
  name?: string;
  /** The undecoded message body; decode it only if somebody wants it. */
  body: Buffer;
}

/** One segment ready for the socket: length header, type, optional name, optional body. */
export function encodePacket(type: PacketType, name?: string, body?: Uint8Array): Buffer {
  if (!Number.isInteger(type) || type < PACKET.CMD_REQUEST || type > PACKET.EVENT) {
    throw new EncodeError(`there is no packet type ${type}`);
  }
  const nameBytes = name === undefined ? undefined : Buffer.from(name, 'utf8');
  if (NAMED.has(type) && nameBytes === undefined) {
    throw new EncodeError(`packet type ${type} needs a name`);
  }
  // The reader knows from the type alone whether a name or a message follows; anything
  // else we wrote would be misread as the message or rejected as stray bytes.
  if (!NAMED.has(type) && nameBytes !== undefined) {
    throw new EncodeError(`packet type ${type} has no name, but "${name?.slice(0, 40)}" was given`);
  }
  if (!WITH_MESSAGE.has(type) && body !== undefined && body.byteLength > 0) {
    throw new EncodeError(
      `packet type ${type} carries no message, but ${body.byteLength} bytes were given`,
    );
  }
  if (nameBytes && nameBytes.length > 255) {
    throw new EncodeError(
      `"${name?.slice(0, 40)}..." is ${nameBytes.length} bytes; names allow 255`,
    );
  }
  const size = 1 + (nameBytes ? 1 + nameBytes.length : 0) + (body?.byteLength ?? 0);
  if (size > MAX_SEGMENT_BYTES) {
    throw new EncodeError(
      `the message is ${size} bytes; the daemon refuses segments over ${MAX_SEGMENT_BYTES} (512 KiB)`,
    );
  }
  const out = Buffer.allocUnsafe(4 + size);
  out.writeUInt32BE(size, 0);
  out[4] = type;
  let pos = 5;
  if (nameBytes) {
    out[pos++] = nameBytes.length;
    nameBytes.copy(out, pos);
    pos += nameBytes.length;
  }
  if (body) out.set(body, pos);
  return out;
}

/** Split one segment (without its length header) into type, name and body. */
export function decodePacket(segment: Buffer, streamOffset = 0): Packet {
  if (segment.length === 0) throw new ProtocolError('empty segment', streamOffset);
  const type = segment[0]!;
  if (type > PACKET.EVENT) throw new ProtocolError(`unknown packet type ${type}`, streamOffset);
  let pos = 1;
  let name: string | undefined;
  if (NAMED.has(type)) {
    if (segment.length < 2)
      throw new ProtocolError('segment ends before its name', streamOffset + 1);
    const len = segment[1]!;
    if (2 + len > segment.length) {
      throw new ProtocolError(`truncated packet name (${len} bytes announced)`, streamOffset + 1);
    }
    name = segment.toString('utf8', 2, 2 + len);
    pos = 2 + len;
  }
  if (!WITH_MESSAGE.has(type) && pos !== segment.length) {
    throw new ProtocolError(
      `packet type ${type} carries ${segment.length - pos} stray bytes`,
      streamOffset + pos,
    );
  }
  return { type: type as PacketType, name, body: segment.subarray(pos) };
}

/**
 * Turns a byte stream into segments. Chunks are kept as a list and joined once per segment,
 * so a segment split over many chunks costs linear time, and a chunk holding many segments is
 * sliced without copying.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  /** Bytes consumed so far, for error offsets. */
  private consumed = 0;
  private need = -1;

  constructor(private readonly maxSegmentBytes = MAX_SEGMENT_BYTES) {}

  /** Feed bytes; returns every segment now complete (each without its length header). */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) break;
        const header = this.take(4);
        const size = header.readUInt32BE(0);
        if (size > this.maxSegmentBytes) {
          throw new ProtocolError(
            `segment of ${size} bytes announced; the limit is ${this.maxSegmentBytes}`,
            this.consumed - 4,
          );
        }
        this.need = size;
      }
      if (this.buffered < this.need) break;
      out.push(this.take(this.need));
      this.need = -1;
    }
    return out;
  }

  /** Offset in the stream where the next segment's bytes begin (for error messages). */
  get offset(): number {
    return this.consumed;
  }

  /** Bytes waiting for the rest of their segment. */
  get pending(): number {
    return this.buffered;
  }

  private take(n: number): Buffer {
    this.buffered -= n;
    this.consumed += n;
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[this.head]!;
    if (first.length > n) {
      this.chunks[this.head] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.drop();
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[this.head]!;
      const want = n - filled;
      if (c.length <= want) {
        c.copy(out, filled);
        filled += c.length;
        this.drop();
      } else {
        c.copy(out, filled, 0, want);
        this.chunks[this.head] = c.subarray(want);
        filled += want;
      }
    }
    return out;
  }

  /** Forget the first chunk; an index instead of shift() keeps byte-by-byte feeding linear. */
  private drop(): void {
    this.head++;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
