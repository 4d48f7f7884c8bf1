import { EncodeError, ProtocolError } from './errors.js';

/** A value exactly as the daemon sent it: usually text, sometimes binary (a DER certificate). */
export type ViciValue = Buffer;
export type ViciList = ViciValue[];
/**
 * A section, in wire order. A Map rather than an object: keys such as "1" or "10" are legal
 * names, and an object would move them to the front.
 */
export type ViciSection = Map<string, ViciElement>;
export type ViciElement = ViciValue | ViciList | ViciSection;

export type EncodableScalar = string | number | bigint | boolean | Uint8Array;
export type Encodable =
  | EncodableScalar
  | readonly EncodableScalar[]
  | EncodableSection
  | null
  | undefined;
/** Plain objects or Maps become sections; `undefined`/`null` members are left out. */
export type EncodableSection =
  | { readonly [key: string]: Encodable }
  | ReadonlyMap<string, Encodable>;

export const ELEMENT = {
  SECTION_START: 1,
  SECTION_END: 2,
  KEY_VALUE: 3,
  LIST_START: 4,
  LIST_ITEM: 5,
  LIST_END: 6,
} as const;

export const MAX_NAME_BYTES = 255;
export const MAX_VALUE_BYTES = 65_535;
/**
 * Deepest section nesting we write or read. charon's trees are a few levels deep; without a
 * bound a hostile 512 KiB message nests ~260,000 deep and overflows the stack of anything that
 * walks the tree recursively (toPlain, views, re-encoding).
 */
export const MAX_DEPTH = 64;

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Decode one message body. Values are views into `bytes` (no copy); copy them if you keep a
 * few of them beside a big buffer you want freed.
 */
export function decodeMessage(bytes: Uint8Array, baseOffset = 0): ViciSection {
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = buf.length;
  const root: ViciSection = new Map();
  const stack: ViciSection[] = [root];
  let section = root;
  let list: ViciList | undefined;
  let pos = 0;

  const fail = (reason: string, at: number): never => {
    throw new ProtocolError(reason, baseOffset + at);
  };
  const readName = (): string => {
    if (pos >= end) fail('truncated name length', pos);
    const len = buf[pos]!;
    const start = pos + 1;
    if (start + len > end) fail(`truncated name (${len} bytes announced)`, pos);
    pos = start + len;
    return buf.toString('utf8', start, start + len);
  };
  const readValue = (): ViciValue => {
    if (pos + 2 > end) fail('truncated value length', pos);
    const len = buf.readUInt16BE(pos);
    const start = pos + 2;
    if (start + len > end) fail(`truncated value (${len} bytes announced)`, pos);
    pos = start + len;
    return buf.subarray(start, start + len);
  };
  const claim = (name: string, at: number): void => {
    if (section.has(name)) fail(`duplicate key "${printable(name)}" in a section`, at);
  };

  while (pos < end) {
    const at = pos;
    const type = buf[pos++];
    if (list !== undefined) {
      if (type === ELEMENT.LIST_ITEM) {
        list.push(readValue());
        continue;
      }
      if (type === ELEMENT.LIST_END) {
        list = undefined;
        continue;
      }
      fail(`element type ${type} inside a list (only items may be there)`, at);
    }
    switch (type) {
      case ELEMENT.KEY_VALUE: {
        const name = readName();
        claim(name, at);
        section.set(name, readValue());
        break;
      }
      case ELEMENT.SECTION_START: {
        const name = readName();
        claim(name, at);
        if (stack.length > MAX_DEPTH) fail(`sections nested deeper than ${MAX_DEPTH}`, at);
        const child: ViciSection = new Map();
        section.set(name, child);
        stack.push(child);
        section = child;
        break;
      }
      case ELEMENT.SECTION_END:
        if (stack.length === 1) fail('section end without a section start', at);
        stack.pop();
        section = stack[stack.length - 1]!;
        break;
      case ELEMENT.LIST_START: {
        const name = readName();
        claim(name, at);
        list = [];
        section.set(name, list);
        break;
      }
      case ELEMENT.LIST_ITEM:
        fail('list item outside a list', at);
        break;
      case ELEMENT.LIST_END:
        fail('list end outside a list', at);
        break;
      default:
        fail(`unknown element type ${type}`, at);
    }
  }
  if (list !== undefined) fail('message ends inside a list', end);
  if (stack.length !== 1) fail(`message ends with ${stack.length - 1} section(s) open`, end);
  return root;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** A growable byte sink; doubling keeps encoding linear in the output size. */
class Writer {
  buf = Buffer.allocUnsafe(256);
  len = 0;
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }
  name(name: string): void {
    const bytes = Buffer.byteLength(name, 'utf8');
    if (bytes > MAX_NAME_BYTES) {
      throw new EncodeError(
        `name "${printable(name).slice(0, 40)}..." is ${bytes} bytes; VICI allows ${MAX_NAME_BYTES}`,
      );
    }
    this.reserve(1 + bytes);
    this.buf[this.len++] = bytes;
    this.len += this.buf.write(name, this.len, 'utf8');
  }
  value(v: Uint8Array | string, key: string): void {
    const bytes = typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.byteLength;
    if (bytes > MAX_VALUE_BYTES) {
      throw new EncodeError(
        `value of "${printable(key)}" is ${bytes} bytes; VICI allows ${MAX_VALUE_BYTES}`,
      );
    }
    this.reserve(2 + bytes);
    this.buf.writeUInt16BE(bytes, this.len);
    this.len += 2;
    if (typeof v === 'string') this.len += this.buf.write(v, this.len, 'utf8');
    else {
      this.buf.set(v, this.len);
      this.len += bytes;
    }
  }
  result(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

function scalarBytes(v: EncodableScalar, key: string): Uint8Array | string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 'yes' : 'no';
    case 'bigint':
      return v.toString();
    case 'number':
      if (!Number.isFinite(v)) throw new EncodeError(`value of "${printable(key)}" is ${v}`);
      return String(v);
    default:
      if (v instanceof Uint8Array) return v;
      throw new EncodeError(`value of "${printable(key)}" has unsupported type ${typeof v}`);
  }
}

function isSection(v: unknown): v is EncodableSection {
  if (v instanceof Map) return true;
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array || Array.isArray(v)) {
    return false;
  }
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function entries(section: EncodableSection): Iterable<readonly [string, Encodable]> {
  return section instanceof Map ? section : Object.entries(section);
}

function writeSection(w: Writer, section: EncodableSection, depth: number): void {
  if (depth > MAX_DEPTH) throw new EncodeError(`sections nested deeper than ${MAX_DEPTH} levels`);
  for (const [key, v] of entries(section)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      w.byte(ELEMENT.LIST_START);
      w.name(key);
      for (const item of v as readonly EncodableScalar[]) {
        if (Array.isArray(item) || isSection(item)) {
          throw new EncodeError(`list "${printable(key)}" may hold only values`);
        }
        w.byte(ELEMENT.LIST_ITEM);
        w.value(scalarBytes(item, key), key);
      }
      w.byte(ELEMENT.LIST_END);
    } else if (isSection(v)) {
      w.byte(ELEMENT.SECTION_START);
      w.name(key);
      writeSection(w, v, depth + 1);
      w.byte(ELEMENT.SECTION_END);
    } else {
      w.byte(ELEMENT.KEY_VALUE);
      w.name(key);
      w.value(scalarBytes(v as EncodableScalar, key), key);
    }
  }
}

/** Encode a message body. Decoded sections (Maps of Buffers) encode back to identical bytes. */
export function encodeMessage(message: EncodableSection = {}): Buffer {
  if (!isSection(message)) throw new EncodeError('a message must be an object or a Map');
  const w = new Writer();
  writeSection(w, message, 0);
  return w.result();
}

// ---------------------------------------------------------------------------------------------
// Reading values

export function isSectionElement(e: ViciElement | undefined): e is ViciSection {
  return e instanceof Map;
}

export function isListElement(e: ViciElement | undefined): e is ViciList {
  return Array.isArray(e);
}

export function isValueElement(e: ViciElement | undefined): e is ViciValue {
  return Buffer.isBuffer(e);
}

/** A value as text (UTF-8); undefined when absent or not a value. */
export function text(e: ViciElement | undefined): string | undefined {
  return Buffer.isBuffer(e) ? e.toString('utf8') : undefined;
}

/** A value as a number; undefined when absent or not a decimal number. */
export function num(e: ViciElement | undefined): number | undefined {
  if (!Buffer.isBuffer(e) || e.length === 0) return undefined;
  const n = Number(e.toString('latin1'));
  return Number.isFinite(n) ? n : undefined;
}

/** A value as a boolean: `yes` is true, `no` is false, anything else undefined. */
export function bool(e: ViciElement | undefined): boolean | undefined {
  if (!Buffer.isBuffer(e)) return undefined;
  const s = e.toString('latin1');
  if (s === 'yes') return true;
  if (s === 'no') return false;
  return undefined;
}

/** A list as text items; a single value is read as a one-item list. */
export function texts(e: ViciElement | undefined): string[] {
  if (Array.isArray(e)) return e.map((v) => v.toString('utf8'));
  if (Buffer.isBuffer(e)) return [e.toString('utf8')];
  return [];
}

export function section(e: ViciElement | undefined): ViciSection | undefined {
  return e instanceof Map ? e : undefined;
}

export type PlainElement = string | string[] | PlainSection;
export interface PlainSection {
  [key: string]: PlainElement;
}

/**
 * A JSON-friendly copy for display and scripts. Object key order is not wire order for
 * integer-like keys: use the Map when order matters. Non-text values become `base64:...`.
 */
export function toPlain(s: ViciSection): PlainSection {
  const out: PlainSection = {};
  for (const [k, v] of s) {
    if (v instanceof Map) out[k] = toPlain(v);
    else if (Array.isArray(v)) out[k] = v.map(plainValue);
    else out[k] = plainValue(v);
  }
  return out;
}

function plainValue(v: Buffer): string {
  const s = v.toString('utf8');
  // A value that does not survive a UTF-8 round trip is binary (a DER blob): keep it exact.
  return Buffer.byteLength(s, 'utf8') === v.length && !s.includes('\uFFFD')
    ? s
    : `base64:${v.toString('base64')}`;
}

/** For error messages only: a name with its control characters made visible. */
function printable(s: string): string {
  return s.replace(
    /[\x00-\x1f\x7f-\x9f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
