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
 * Names repeat endlessly (every IKE_SA has a "uniqueid", a "state"...), so decoded names are
 * remembered by their bytes: a hash and a byte compare are cheaper than making a new string.
 * A slot holds a copy of the bytes, never a view that would keep a message alive.
 */
const NAME_SLOTS = 1024;
const MAX_REMEMBERED_NAME = 48;
const knownNameBytes: (Buffer | undefined)[] = new Array(NAME_SLOTS).fill(undefined);
const knownNames: string[] = new Array(NAME_SLOTS).fill('');

type ViewConstructor = new (ab: ArrayBufferLike, offset: number, length: number) => Buffer;
/**
 * Buffer's own species constructor makes exactly what subarray() returns, without subarray's
 * species lookup on every value (decoding is mostly making values). Buffer.from(ab, ...) is
 * the public, slower way to make the same view, kept in case a runtime lacks the species.
 */
const ValueView: ViewConstructor = (() => {
  const species = (Buffer as unknown as Record<symbol, unknown>)[Symbol.species];
  if (typeof species === 'function') {
    const View = species as ViewConstructor;
    if (Buffer.isBuffer(new View(new ArrayBuffer(2), 1, 1))) return View;
  }
  return function view(ab: ArrayBufferLike, offset: number, length: number) {
    return Buffer.from(ab as ArrayBuffer, offset, length);
  } as unknown as ViewConstructor;
})();

function nameAt(buf: Buffer, start: number, len: number): string {
  if (len > MAX_REMEMBERED_NAME) return buf.toString('utf8', start, start + len);
  let h = len;
  for (let i = start; i < start + len; i++) h = (Math.imul(h, 31) + buf[i]!) | 0;
  const slot = (h ^ (h >>> 10)) & (NAME_SLOTS - 1);
  const known = knownNameBytes[slot];
  if (known !== undefined && known.length === len) {
    let i = 0;
    while (i < len && known[i] === buf[start + i]) i++;
    if (i === len) return knownNames[slot]!;
  }
  const name = buf.toString('utf8', start, start + len);
  knownNameBytes[slot] = Buffer.from(buf.subarray(start, start + len));
  knownNames[slot] = name;
  return name;
}

/** Where decoding stands; module-level functions read it, so no closures are made per message. */
interface Cursor {
  buf: Buffer;
  pos: number;
  end: number;
  base: number;
}

function fail(c: Cursor, reason: string, at: number): never {
  throw new ProtocolError(reason, c.base + at);
}

/** Reads the name whose length byte is at `c.pos`, and moves past it. */
function readName(c: Cursor): string {
  const { buf, pos } = c;
  if (pos >= c.end) fail(c, 'truncated name length', pos);
  const len = buf[pos]!;
  if (pos + 1 + len > c.end) fail(c, `truncated name (${len} bytes announced)`, pos);
  c.pos = pos + 1 + len;
  return nameAt(buf, pos + 1, len);
}

function readValue(c: Cursor): ViciValue {
  const { buf, pos } = c;
  if (pos + 2 > c.end) fail(c, 'truncated value length', pos);
  const len = (buf[pos]! << 8) | buf[pos + 1]!;
  const start = pos + 2;
  if (start + len > c.end) fail(c, `truncated value (${len} bytes announced)`, pos);
  c.pos = start + len;
  return new ValueView(buf.buffer, buf.byteOffset + start, len);
}

/**
 * One hash lookup instead of has() then set(): a duplicate leaves the size unchanged, and the
 * half-built tree is thrown away with the error anyway.
 */
function put(c: Cursor, section: ViciSection, name: string, e: ViciElement, at: number): void {
  const size = section.size;
  section.set(name, e);
  if (section.size === size) fail(c, `duplicate key "${printable(name)}" in a section`, at);
}

/**
 * Decode one message body. Values are views into `bytes` (no copy); copy them if you keep a
 * few of them beside a big buffer you want freed.
 */
export function decodeMessage(bytes: Uint8Array, baseOffset = 0): ViciSection {
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const c: Cursor = { buf, pos: 0, end: buf.length, base: baseOffset };
  const end = buf.length;
  const root: ViciSection = new Map();
  const stack: ViciSection[] = [root];
  let section = root;
  let list: ViciList | undefined;

  while (c.pos < end) {
    const at = c.pos;
    const type = buf[c.pos++];
    if (list !== undefined) {
      if (type === ELEMENT.LIST_ITEM) list.push(readValue(c));
      else if (type === ELEMENT.LIST_END) list = undefined;
      else fail(c, `element type ${type} inside a list (only items may be there)`, at);
      continue;
    }
    switch (type) {
      case ELEMENT.KEY_VALUE: {
        const name = readName(c);
        put(c, section, name, readValue(c), at);
        break;
      }
      case ELEMENT.SECTION_START: {
        const name = readName(c);
        if (stack.length > MAX_DEPTH) fail(c, `sections nested deeper than ${MAX_DEPTH}`, at);
        const child: ViciSection = new Map();
        put(c, section, name, child, at);
        stack.push(child);
        section = child;
        break;
      }
      case ELEMENT.SECTION_END:
        if (stack.length === 1) fail(c, 'section end without a section start', at);
        stack.pop();
        section = stack[stack.length - 1]!;
        break;
      case ELEMENT.LIST_START: {
        const name = readName(c);
        list = [];
        put(c, section, name, list, at);
        break;
      }
      case ELEMENT.LIST_ITEM:
        fail(c, 'list item outside a list', at);
        break;
      case ELEMENT.LIST_END:
        fail(c, 'list end outside a list', at);
        break;
      default:
        fail(c, `unknown element type ${type}`, at);
    }
  }
  if (list !== undefined) fail(c, 'message ends inside a list', end);
  if (stack.length !== 1) fail(c, `message ends with ${stack.length - 1} section(s) open`, end);
  return root;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** A growable byte sink; doubling keeps encoding linear in the output size. */
class Writer {
  buf: Buffer;
  len = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
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
  /**
   * Writes `s` as UTF-8 at `at` if it is short ASCII (nearly every name and value the daemon
   * deals in) and returns its length; -1 leaves it to Buffer's general UTF-8 writer.
   */
  private ascii(s: string, at: number): number {
    const n = s.length;
    if (n > 64) return -1;
    const buf = this.buf;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return -1;
      buf[at + i] = c;
    }
    return n;
  }
  name(name: string): void {
    this.reserve(1 + 64);
    const fast = this.ascii(name, this.len + 1);
    if (fast >= 0) {
      this.buf[this.len] = fast;
      this.len += 1 + fast;
      return;
    }
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
    if (typeof v === 'string') {
      this.reserve(2 + 64);
      const fast = this.ascii(v, this.len + 2);
      if (fast >= 0) {
        this.buf[this.len] = fast >> 8;
        this.buf[this.len + 1] = fast & 0xff;
        this.len += 2 + fast;
        return;
      }
    }
    const bytes = typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.byteLength;
    if (bytes > MAX_VALUE_BYTES) {
      throw new EncodeError(
        `value of "${printable(key)}" is ${bytes} bytes; VICI allows ${MAX_VALUE_BYTES}`,
      );
    }
    this.reserve(2 + bytes);
    const buf = this.buf;
    buf[this.len] = bytes >> 8;
    buf[this.len + 1] = bytes & 0xff;
    this.len += 2;
    if (typeof v === 'string') this.len += buf.write(v, this.len, 'utf8');
    else if (bytes <= 32) {
      // set() costs more than a short loop for the small values that dominate.
      for (let i = 0; i < bytes; i++) buf[this.len + i] = v[i]!;
      this.len += bytes;
    } else {
      buf.set(v, this.len);
      this.len += bytes;
    }
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

function writeSection(w: Writer, section: EncodableSection, depth: number): void {
  if (depth > MAX_DEPTH) throw new EncodeError(`sections nested deeper than ${MAX_DEPTH} levels`);
  if (section instanceof Map) {
    for (const [key, v] of section) writeMember(w, key, v, depth);
  } else {
    const object = section as { readonly [key: string]: Encodable };
    for (const key of Object.keys(object)) writeMember(w, key, object[key], depth);
  }
}

function writeMember(w: Writer, key: string, v: Encodable, depth: number): void {
  // Values first: a decoded tree is mostly Buffers, a request mostly strings.
  if (v instanceof Uint8Array || typeof v === 'string') {
    w.byte(ELEMENT.KEY_VALUE);
    w.name(key);
    w.value(v, key);
  } else if (v === undefined || v === null) {
    return;
  } else if (Array.isArray(v)) {
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

/**
 * One scratch writer serves every call, so a message is written without regrowing a fresh
 * buffer each time; the result is copied out at the size it turned out to be. A call made
 * while another is writing (a getter on an argument that encodes) gets a writer of its own.
 */
let scratch: Writer | undefined = new Writer(64 * 1024);

/** Encode a message body. Decoded sections (Maps of Buffers) encode back to identical bytes. */
export function encodeMessage(message: EncodableSection = {}): Buffer {
  if (!isSection(message)) throw new EncodeError('a message must be an object or a Map');
  const w = scratch ?? new Writer(256);
  scratch = undefined;
  w.len = 0;
  try {
    writeSection(w, message, 0);
    return Buffer.from(w.buf.subarray(0, w.len));
  } finally {
    // A writer grown by one huge message is not kept: it would pin that memory for good.
    if (w.buf.length <= 1024 * 1024) scratch = w;
  }
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
  const s = e.toString('latin1');
  // Number() alone would also read "0x10", "1e3", " 12 " and "" as numbers.
  return DECIMAL.test(s) ? Number(s) : undefined;
}
const DECIMAL = /^-?\d+(\.\d+)?$/;

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
