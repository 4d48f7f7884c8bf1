import { ProtocolError } from '../vici/errors.js';
import { decodeMessage, ELEMENT, MAX_DEPTH } from '../vici/message.js';
import type { ChildSa, IkeSa } from '../vici/views.js';
import { clockAgrees, GROWING_WIRE_KEYS, SHRINKING_WIRE_KEYS } from './clock-fields.js';
import { defineRaw } from './compact.js';

/*
 * One list-sa event body, bytes → the IkeSa/ChildSa records the row table keeps, in one walk:
 * no tree of Maps and Buffer views, no view parsed from it, no re-encoding for compactRow.
 * Numbers are read from the ASCII digits, the strings that repeat across thousands of SAs
 * (states, algorithms, names, selectors...) come from a bounded pool, and each record's `raw`
 * is its own section's bytes in the body, decoded only when read (compact.ts defineRaw).
 *
 * The records equal what `parseListSaEvent(decodeMessage(body))` makes, field for field, and
 * their `raw` what compactRow gives those (the IKE_SA's section without `child-sas`, each
 * CHILD_SA's section). Bytes decodeMessage refuses are refused with its very ProtocolError:
 * on any fault the walk stops and decodeMessage itself reports it.
 */

// --- where the walk stands: module state, so no closure or cursor object is made per event ---

let buf: Buffer = Buffer.alloc(0);
let pos = 0;
let end = 0;
/** The last name read: where its bytes are. */
let nameStart = 0;
let nameLen = 0;
/** The last value read. */
let valStart = 0;
let valLen = 0;

/** The body is malformed: let decodeMessage say how, exactly as it would have. */
function fail(): never {
  decodeMessage(buf);
  // Unreachable while the walk and decodeMessage agree; a disagreement must not pass quietly.
  throw new ProtocolError('malformed list-sa event (decoder disagreement)', pos);
}

function readName(): void {
  if (pos >= end) fail();
  const len = buf[pos]!;
  if (pos + 1 + len > end) fail();
  nameStart = pos + 1;
  nameLen = len;
  pos = nameStart + len;
}

function readValue(): void {
  if (pos + 2 > end) fail();
  const len = (buf[pos]! << 8) | buf[pos + 1]!;
  if (pos + 2 + len > end) fail();
  valStart = pos + 2;
  valLen = len;
  pos = valStart + len;
}

/** Past the items of a list whose name was just read; returns how many there were. */
function skipList(): number {
  let n = 0;
  for (;;) {
    if (pos >= end) fail();
    const type = buf[pos++];
    if (type === ELEMENT.LIST_END) return n;
    if (type !== ELEMENT.LIST_ITEM) fail();
    readValue();
    n++;
  }
}

/**
 * `n` bytes of `a` at `i` equal those of `b` at `j`. A loop: the spans are a few bytes, where
 * Buffer.compare's call into C++ and its argument checks cost more than the compare.
 */
function equalBytes(a: Uint8Array, i: number, b: Uint8Array, j: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (a[i + k] !== b[j + k]) return false;
  return true;
}

/**
 * A value of up to fifteen decimal digits, else -1. Fifteen digits stay below 2^53: exact, as
 * Number() would read them.
 */
function digits(b: Buffer, start: number, len: number): number {
  if (len === 0 || len > 15) return -1;
  let n = 0;
  for (let j = start; j < start + len; j++) {
    const d = b[j]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

// --- strings ----------------------------------------------------------------------------------

/**
 * Strings by their bytes: a hash and a byte compare instead of a new string. Bounded (a slot is
 * overwritten on a collision), so hostile or unique values cannot grow it; only fields that
 * repeat across SAs are looked up here, so unique ones (SPIs, ids) do not churn it.
 */
class StringPool {
  private readonly bytes: Uint8Array;
  private readonly lens: Int16Array;
  private readonly strings: string[];

  constructor(
    private readonly slots: number,
    private readonly longest: number,
  ) {
    this.bytes = new Uint8Array(slots * longest);
    this.lens = new Int16Array(slots).fill(-1);
    this.strings = new Array<string>(slots).fill('');
  }

  get(b: Buffer, start: number, len: number): string {
    if (len > this.longest) return b.toString('utf8', start, start + len);
    let h = len;
    for (let i = start; i < start + len; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
    const slot = (h ^ (h >>> 13)) & (this.slots - 1);
    const at = slot * this.longest;
    const bytes = this.bytes;
    if (this.lens[slot] === len && equalBytes(bytes, at, b, start, len)) return this.strings[slot]!;
    const s = b.toString('utf8', start, start + len);
    for (let i = 0; i < len; i++) bytes[at + i] = b[start + i]!;
    this.lens[slot] = len;
    this.strings[slot] = s;
    return s;
  }
}

const names = new StringPool(1024, 48);
const common = new StringPool(4096, 48);

function nameText(): string {
  return names.get(buf, nameStart, nameLen);
}

// --- the fields views.ts reads, by position ------------------------------------------------

/** The algorithms both IKE_SAs and CHILD_SAs list, under the same keys (views.ts SaProposal). */
const PROPOSAL_KEYS = [
  'encr-alg',
  'encr-keysize',
  'integ-alg',
  'integ-keysize',
  'prf-alg',
  'dh-group',
  'ake1',
  'ake2',
  'ake3',
  'ake4',
  'ake5',
  'ake6',
  'ake7',
] as const;

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
  ...PROPOSAL_KEYS,
  'ppk',
  'established',
  'rekey-time',
  'reauth-time',
  'local-vips',
  'remote-vips',
  'tasks-queued',
  'tasks-active',
  'tasks-passive',
  'child-sas',
] as const;

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
  'if-id-in',
  'if-id-out',
  ...PROPOSAL_KEYS,
  'per-cpu-sas',
  'cpu',
  'label',
  'mark-mask-in',
  'mark-mask-out',
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
] as const;

type IkeKey = (typeof IKE_KEYS)[number];
type ChildKey = (typeof CHILD_KEYS)[number];

/**
 * A known key's position by its bytes, with no string made (open addressing, three slots or
 * more per key). Only a name the table does not know is made a string, for the duplicate check.
 */
class KeyTable {
  private static readonly LONGEST = 16;
  private readonly mask: number;
  private readonly bytes: Uint8Array;
  private readonly lens: Int8Array;
  private readonly index: Int16Array;

  constructor(keys: readonly string[]) {
    let slots = 16;
    while (slots < keys.length * 3) slots *= 2;
    this.mask = slots - 1;
    this.bytes = new Uint8Array(slots * KeyTable.LONGEST);
    this.lens = new Int8Array(slots).fill(-1);
    this.index = new Int16Array(slots);
    keys.forEach((k, i) => {
      const b = Buffer.from(k, 'latin1');
      if (b.length > KeyTable.LONGEST) throw new Error(`key ${k} is too long for the table`);
      let slot = KeyTable.hash(b, 0, b.length) & this.mask;
      while (this.lens[slot] !== -1) slot = (slot + 1) & this.mask;
      this.lens[slot] = b.length;
      this.index[slot] = i;
      this.bytes.set(b, slot * KeyTable.LONGEST);
    });
  }

  static hash(b: Uint8Array, start: number, len: number): number {
    let h = len;
    for (let i = start; i < start + len; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
    return h ^ (h >>> 11);
  }

  /** The key's position, or -1 if it is not one of the table's. */
  find(b: Uint8Array, start: number, len: number): number {
    if (len > KeyTable.LONGEST) return -1;
    const bytes = this.bytes;
    let slot = KeyTable.hash(b, start, len) & this.mask;
    for (;;) {
      const l = this.lens[slot];
      if (l === -1) return -1;
      if (l === len) {
        const at = slot * KeyTable.LONGEST;
        let i = 0;
        while (i < len && bytes[at + i] === b[start + i]) i++;
        if (i === len) return this.index[slot]!;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}

const IKE_TABLE = new KeyTable(IKE_KEYS);
const CHILD_TABLE = new KeyTable(CHILD_KEYS);
const ike = (k: IkeKey) => IKE_KEYS.indexOf(k);
const child = (k: ChildKey) => CHILD_KEYS.indexOf(k);

/** What a member of a section was: absent, a value, a list or a section. */
const NONE = 0;
const VALUE = 1;
const LIST = 2;
const SECTION = 3;

/**
 * Where each known member of the section being read is: its kind, and for a value its bytes,
 * for a list where its first item starts and how many it has. One per kind of section (the
 * IKE_SA's stays filled while its CHILD_SAs are read inside it).
 */
class Fields {
  readonly kind: Uint8Array;
  readonly at: Int32Array;
  readonly len: Int32Array;
  /** Names not in the table, for the duplicate check; rare, so made only when one comes. */
  others: Names | undefined;

  constructor(
    private readonly table: KeyTable,
    size: number,
  ) {
    this.kind = new Uint8Array(size);
    this.at = new Int32Array(size);
    this.len = new Int32Array(size);
  }

  reset(): void {
    this.kind.fill(NONE);
    this.others = undefined;
  }

  /** Records a member named by the last name read; its bytes are read by the caller after. */
  member(kind: number, at: number, len: number): number {
    const i = this.table.find(buf, nameStart, nameLen);
    if (i < 0) {
      this.others ??= new Names();
      this.others.add(nameText());
      return -1;
    }
    if (this.kind[i] !== NONE) fail();
    this.kind[i] = kind;
    this.at[i] = at;
    this.len[i] = len;
    return i;
  }

  /** A value as text (views' `str`); undefined unless it is a value. */
  text(i: number): string | undefined {
    return this.kind[i] === VALUE
      ? buf.toString('utf8', this.at[i]!, this.at[i]! + this.len[i]!)
      : undefined;
  }

  /** The same, from the pool: for fields that repeat across SAs. */
  common(i: number): string | undefined {
    return this.kind[i] === VALUE ? common.get(buf, this.at[i]!, this.len[i]!) : undefined;
  }

  /** views' `int`: a decimal number, else undefined. */
  num(i: number): number | undefined {
    if (this.kind[i] !== VALUE) return undefined;
    const start = this.at[i]!;
    const len = this.len[i]!;
    if (len === 0) return undefined;
    const n = digits(buf, start, len);
    if (n >= 0) return n;
    // Signs, fractions and more digits, as views.ts reads them.
    const s = buf.toString('latin1', start, start + len);
    return DECIMAL.test(s) ? Number(s) : undefined;
  }

  /** views' `flag`: `yes` true, `no` false, else undefined. */
  flag(i: number): boolean | undefined {
    if (this.kind[i] !== VALUE) return undefined;
    const at = this.at[i]!;
    const len = this.len[i]!;
    if (len === 3 && buf[at] === 0x79 && buf[at + 1] === 0x65 && buf[at + 2] === 0x73) return true;
    if (len === 2 && buf[at] === 0x6e && buf[at + 1] === 0x6f) return false;
    return undefined;
  }

  /** views' `list`: a list's items, a value as one item, else none. */
  texts(i: number, pooled: boolean): string[] {
    const kind = this.kind[i];
    if (kind === VALUE) return [this.text(i)!];
    if (kind !== LIST || this.len[i] === 0) return NO_TEXTS;
    const out: string[] = [];
    let p = this.at[i]!;
    for (let n = this.len[i]!; n > 0; n--) {
      const len = (buf[p + 1]! << 8) | buf[p + 2]!;
      const start = p + 3;
      out.push(pooled ? common.get(buf, start, len) : buf.toString('utf8', start, start + len));
      p = start + len;
    }
    return out;
  }
}

/**
 * Most lists are empty (virtual IPs, tasks): one shared, frozen empty list instead of five
 * new ones per IKE_SA. Nothing writes to a view's lists.
 */
const NO_TEXTS = Object.freeze([]) as unknown as string[];

/** As views.ts (message.ts `num`): Number() alone would read "0x10", "1e3" or " 12 ". */
const DECIMAL = /^-?\d+(\.\d+)?$/;

const ikeFields = new Fields(IKE_TABLE, IKE_KEYS.length);
const childFields = new Fields(CHILD_TABLE, CHILD_KEYS.length);

// --- the walk ---------------------------------------------------------------------------------

/**
 * Names already used in one section (decodeMessage refuses a duplicate). A short list for
 * the few names of a `child-sas`, a Set only past that, so hostile thousands stay linear.
 */
class Names {
  private readonly list: string[] = [];
  private set: Set<string> | undefined;

  /** Forget every name: for the sections read one at a time, which reuse one instance. */
  clear(): Names {
    this.list.length = 0;
    this.set = undefined;
    return this;
  }

  add(name: string): void {
    const set = this.set;
    if (set !== undefined) {
      const size = set.size;
      set.add(name);
      if (set.size === size) fail();
      return;
    }
    if (this.list.includes(name)) fail();
    this.list.push(name);
    if (this.list.length > 16) this.set = new Set(this.list);
  }
}

/**
 * Past the members of a section whose name was just read, to just after its end, checking
 * what decodeMessage checks. For sections no view reads (unknown keys, odd shapes). `depth`
 * is decodeMessage's stack size while it reads these members.
 */
function skipSection(depth: number): void {
  const seen = new Names();
  for (;;) {
    if (pos >= end) fail();
    const type = buf[pos++];
    if (type === ELEMENT.SECTION_END) return;
    if (type === ELEMENT.KEY_VALUE) {
      readName();
      seen.add(nameText());
      readValue();
    } else if (type === ELEMENT.LIST_START) {
      readName();
      seen.add(nameText());
      skipList();
    } else if (type === ELEMENT.SECTION_START) {
      readName();
      if (depth > MAX_DEPTH) fail();
      seen.add(nameText());
      skipSection(depth + 1);
    } else fail();
  }
}

/**
 * One member of a section the table `f` knows, its type byte just read: recorded in `f` and
 * read past. Returns its index in the table (-1 for a name views.ts does not read); a
 * section member is left for the caller to read (`pos` is at its first member).
 */
function member(f: Fields, type: number | undefined, depth: number): number {
  if (type === ELEMENT.KEY_VALUE) {
    readName();
    readValue();
    return f.member(VALUE, valStart, valLen);
  }
  if (type === ELEMENT.LIST_START) {
    readName();
    const first = pos;
    const n = skipList();
    return f.member(LIST, first, n);
  }
  if (type === ELEMENT.SECTION_START) {
    readName();
    if (depth > MAX_DEPTH) fail();
    return f.member(SECTION, pos, 0);
  }
  return fail();
}

const I = {
  uniqueid: ike('uniqueid'),
  version: ike('version'),
  state: ike('state'),
  localHost: ike('local-host'),
  localPort: ike('local-port'),
  localId: ike('local-id'),
  remoteHost: ike('remote-host'),
  remotePort: ike('remote-port'),
  remoteId: ike('remote-id'),
  remoteEapId: ike('remote-eap-id'),
  remoteXauthId: ike('remote-xauth-id'),
  initiator: ike('initiator'),
  initiatorSpi: ike('initiator-spi'),
  responderSpi: ike('responder-spi'),
  natLocal: ike('nat-local'),
  natRemote: ike('nat-remote'),
  natFake: ike('nat-fake'),
  natAny: ike('nat-any'),
  ifIdIn: ike('if-id-in'),
  ifIdOut: ike('if-id-out'),
  encrAlg: ike('encr-alg'),
  encrKeysize: ike('encr-keysize'),
  integAlg: ike('integ-alg'),
  integKeysize: ike('integ-keysize'),
  prfAlg: ike('prf-alg'),
  dhGroup: ike('dh-group'),
  ake1: ike('ake1'),
  ppk: ike('ppk'),
  established: ike('established'),
  rekeyTime: ike('rekey-time'),
  reauthTime: ike('reauth-time'),
  localVips: ike('local-vips'),
  remoteVips: ike('remote-vips'),
  tasksQueued: ike('tasks-queued'),
  tasksActive: ike('tasks-active'),
  tasksPassive: ike('tasks-passive'),
  childSas: ike('child-sas'),
};

const C = {
  name: child('name'),
  uniqueid: child('uniqueid'),
  reqid: child('reqid'),
  state: child('state'),
  mode: child('mode'),
  protocol: child('protocol'),
  encap: child('encap'),
  spiIn: child('spi-in'),
  spiOut: child('spi-out'),
  cpiIn: child('cpi-in'),
  cpiOut: child('cpi-out'),
  markIn: child('mark-in'),
  markOut: child('mark-out'),
  ifIdIn: child('if-id-in'),
  ifIdOut: child('if-id-out'),
  encrAlg: child('encr-alg'),
  encrKeysize: child('encr-keysize'),
  integAlg: child('integ-alg'),
  integKeysize: child('integ-keysize'),
  prfAlg: child('prf-alg'),
  dhGroup: child('dh-group'),
  ake1: child('ake1'),
  perCpuSas: child('per-cpu-sas'),
  cpu: child('cpu'),
  label: child('label'),
  markMaskIn: child('mark-mask-in'),
  markMaskOut: child('mark-mask-out'),
  esn: child('esn'),
  bytesIn: child('bytes-in'),
  packetsIn: child('packets-in'),
  useIn: child('use-in'),
  bytesOut: child('bytes-out'),
  packetsOut: child('packets-out'),
  useOut: child('use-out'),
  rekeyTime: child('rekey-time'),
  lifeTime: child('life-time'),
  installTime: child('install-time'),
  localTs: child('local-ts'),
  remoteTs: child('remote-ts'),
};

/** `ake1`...`ake7` where the daemon sent them as values, as views.ts sets them (else absent). */
function addAkes(f: Fields, first: number, view: Record<string, unknown>): void {
  for (let k = 0; k < 7; k++) {
    if (f.kind[first + k] === VALUE) view[`ake${k + 1}`] = f.common(first + k);
  }
}

/** One CHILD_SA, its section's name just read; to just after its end. */
function readChild(key: string, depth: number): ChildSa {
  const f = childFields;
  f.reset();
  const start = pos;
  for (;;) {
    if (pos >= end) fail();
    const type = buf[pos++];
    if (type === ELEMENT.SECTION_END) break;
    member(f, type, depth);
    // No CHILD_SA field is a section: whatever section comes is only checked and passed.
    if (type === ELEMENT.SECTION_START) skipSection(depth + 1);
  }
  const sectionEnd = pos - 1;
  const view = {
    key,
    name: f.common(C.name) ?? key,
    uniqueid: f.text(C.uniqueid) ?? '',
    reqid: f.num(C.reqid),
    state: f.common(C.state) ?? 'UNKNOWN',
    mode: f.common(C.mode),
    protocol: f.common(C.protocol),
    encap: f.flag(C.encap),
    spiIn: f.text(C.spiIn),
    spiOut: f.text(C.spiOut),
    cpiIn: f.text(C.cpiIn),
    cpiOut: f.text(C.cpiOut),
    markIn: f.common(C.markIn),
    markOut: f.common(C.markOut),
    ifIdIn: f.common(C.ifIdIn),
    ifIdOut: f.common(C.ifIdOut),
    encrAlg: f.common(C.encrAlg),
    encrKeysize: f.num(C.encrKeysize),
    integAlg: f.common(C.integAlg),
    integKeysize: f.num(C.integKeysize),
    prfAlg: f.common(C.prfAlg),
    dhGroup: f.common(C.dhGroup),
    perCpuSas: f.flag(C.perCpuSas),
    cpu: f.num(C.cpu),
    label: f.text(C.label),
    markMaskIn: f.common(C.markMaskIn),
    markMaskOut: f.common(C.markMaskOut),
    esn: f.flag(C.esn),
    bytesIn: f.num(C.bytesIn),
    packetsIn: f.num(C.packetsIn),
    useIn: f.num(C.useIn),
    bytesOut: f.num(C.bytesOut),
    packetsOut: f.num(C.packetsOut),
    useOut: f.num(C.useOut),
    rekeyTime: f.num(C.rekeyTime),
    lifeTime: f.num(C.lifeTime),
    installTime: f.num(C.installTime),
    localTs: f.texts(C.localTs, true),
    remoteTs: f.texts(C.remoteTs, false),
  };
  addAkes(f, C.ake1, view);
  return defineRaw<ChildSa>(view, buf, start, sectionEnd, -1, -1, true);
}

/** The members of `child-sas`, its name just read: each section one CHILD_SA. */
/** Only one IKE_SA's `child-sas`, and one top level, are read at a time. */
const childSasNames = new Names();
const topNames = new Names();

function readChildSas(children: ChildSa[], depth: number): void {
  const seen = childSasNames.clear();
  for (;;) {
    if (pos >= end) fail();
    const type = buf[pos++];
    if (type === ELEMENT.SECTION_END) return;
    readName();
    if (type === ELEMENT.KEY_VALUE) {
      seen.add(nameText());
      readValue();
    } else if (type === ELEMENT.LIST_START) {
      seen.add(nameText());
      skipList();
    } else if (type === ELEMENT.SECTION_START) {
      if (depth > MAX_DEPTH) fail();
      // Keys are a name and a unique id: not worth a pool slot.
      const key = buf.toString('utf8', nameStart, nameStart + nameLen);
      seen.add(key);
      children.push(readChild(key, depth + 1));
    } else fail();
  }
}

/** One IKE_SA, its section's name just read; to just after its end. */
function readIke(name: string, depth: number): IkeSa {
  const f = ikeFields;
  f.reset();
  const start = pos;
  let cutStart = -1;
  let cutEnd = -1;
  const children: ChildSa[] = [];
  for (;;) {
    if (pos >= end) fail();
    const at = pos;
    const type = buf[pos++];
    if (type === ELEMENT.SECTION_END) break;
    const i = member(f, type, depth);
    if (type === ELEMENT.SECTION_START) {
      if (i === I.childSas) readChildSas(children, depth + 1);
      else skipSection(depth + 1);
    }
    // The IKE_SA's raw leaves `child-sas` out, whatever it is (as compactIkeSa does).
    if (i === I.childSas) {
      cutStart = at;
      cutEnd = pos;
    }
  }
  const sectionEnd = pos - 1;
  // readChild reused childFields only; the IKE_SA's fields are as its members left them.
  const view = {
    name,
    uniqueid: f.text(I.uniqueid) ?? '',
    version: f.num(I.version),
    state: f.common(I.state) ?? 'UNKNOWN',
    localHost: f.common(I.localHost),
    localPort: f.num(I.localPort),
    localId: f.common(I.localId),
    remoteHost: f.text(I.remoteHost),
    remotePort: f.num(I.remotePort),
    remoteId: f.text(I.remoteId),
    remoteEapId: f.text(I.remoteEapId),
    remoteXauthId: f.text(I.remoteXauthId),
    initiator: f.flag(I.initiator),
    initiatorSpi: f.text(I.initiatorSpi),
    responderSpi: f.text(I.responderSpi),
    natLocal: f.flag(I.natLocal),
    natRemote: f.flag(I.natRemote),
    natFake: f.flag(I.natFake),
    natAny: f.flag(I.natAny),
    ifIdIn: f.common(I.ifIdIn),
    ifIdOut: f.common(I.ifIdOut),
    encrAlg: f.common(I.encrAlg),
    encrKeysize: f.num(I.encrKeysize),
    integAlg: f.common(I.integAlg),
    integKeysize: f.num(I.integKeysize),
    prfAlg: f.common(I.prfAlg),
    dhGroup: f.common(I.dhGroup),
    ppk: f.flag(I.ppk),
    established: f.num(I.established),
    rekeyTime: f.num(I.rekeyTime),
    reauthTime: f.num(I.reauthTime),
    localVips: f.texts(I.localVips, false),
    remoteVips: f.texts(I.remoteVips, false),
    tasksQueued: f.texts(I.tasksQueued, true),
    tasksActive: f.texts(I.tasksActive, true),
    tasksPassive: f.texts(I.tasksPassive, true),
    children,
  };
  addAkes(f, I.ake1, view);
  return defineRaw<IkeSa>(view, buf, start, sectionEnd, cutStart, cutEnd, true);
}

/**
 * The IKE_SAs of one list-sa event body (one in practice; every section at its top level is
 * one, as views.ts reads it). The records keep `body` for their `raw`: pass bytes of your own
 * (Session.listSasBodies copies each), not a view into a bigger buffer. Throws ProtocolError,
 * as decodeMessage would, for bytes that are not a message.
 */
export function decodeListSa(body: Buffer): IkeSa[] {
  buf = body;
  pos = 0;
  end = body.length;
  try {
    const out: IkeSa[] = [];
    const seen = topNames.clear();
    while (pos < end) {
      const type = buf[pos++];
      readName();
      if (type === ELEMENT.KEY_VALUE) {
        seen.add(nameText());
        readValue();
      } else if (type === ELEMENT.LIST_START) {
        seen.add(nameText());
        skipList();
      } else if (type === ELEMENT.SECTION_START) {
        const name = common.get(buf, nameStart, nameLen);
        seen.add(name);
        out.push(readIke(name, 2));
      } else fail();
    }
    return out;
  } finally {
    buf = EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);

// --- an unchanged listing, told from its bytes ------------------------------------------------
// At rest most IKE_SAs list the same as two seconds ago but for their clocks (seconds since
// established, until rekey...). Telling that from the two bodies' bytes costs a walk with no
// allocation; decoding the body into records and comparing those (row-table.ts sameFields)
// made a monitor of 1,003 idle SAs spend most of its CPU building records it then threw away.

const GROWING_WIRE = GROWING_WIRE_KEYS.map((k) => Buffer.from(k));
const SHRINKING_WIRE = SHRINKING_WIRE_KEYS.map((k) => Buffer.from(k));

function isKey(keys: readonly Buffer[], b: Buffer, start: number, len: number): boolean {
  for (const k of keys) if (k.length === len && equalBytes(k, 0, b, start, len)) return true;
  return false;
}

/**
 * Whether `next`, a list-sa body, says what `prev` said `elapsedS` seconds earlier: the same
 * bytes, element by element, except for clock values (`established`, `rekey-time`...) that
 * moved by the time passed, as clock-fields.ts judges clocks. Both must hold exactly one
 * IKE_SA. Then decoding `next` would give records equal to `prev`'s in everything the rows
 * compare, so the row made from `prev` stands. Never true for bytes that differ otherwise, nor
 * for malformed ones (`prev` was decoded once, and `next` has its very structure).
 */
export function sameButClock(prev: Buffer, next: Buffer, elapsedS: number): boolean {
  const a = prev;
  const b = next;
  let pa = 0;
  let pb = 0;
  let depth = 0;
  /** Where the last key's name is in `a`. */
  let keyAt = 0;
  let keyLen = 0;
  if (a[0] !== ELEMENT.SECTION_START) return false;
  while (pa < a.length) {
    if (pb >= b.length) return false;
    const type = a[pa++]!;
    if (b[pb++] !== type) return false;
    if (type === ELEMENT.SECTION_END) {
      // The IKE_SA's section closed: nothing may follow, in either.
      if (--depth === 0) return pa === a.length && pb === b.length;
      continue;
    }
    if (type === ELEMENT.LIST_END) continue;
    if (type !== ELEMENT.LIST_ITEM) {
      // A name: the same bytes.
      const len = a[pa]!;
      if (b[pb] !== len || pa + 1 + len > a.length || pb + 1 + len > b.length) return false;
      if (!equalBytes(a, pa + 1, b, pb + 1, len)) return false;
      keyAt = pa + 1;
      keyLen = len;
      pa += 1 + len;
      pb += 1 + len;
      if (type === ELEMENT.SECTION_START) {
        depth++;
        continue;
      }
      if (type === ELEMENT.LIST_START) continue;
      if (type !== ELEMENT.KEY_VALUE) return false;
    }
    // A value (of a key, or a list item).
    if (pa + 2 > a.length || pb + 2 > b.length) return false;
    const la = (a[pa]! << 8) | a[pa + 1]!;
    const lb = (b[pb]! << 8) | b[pb + 1]!;
    const va = pa + 2;
    const vb = pb + 2;
    if (va + la > a.length || vb + lb > b.length) return false;
    pa = va + la;
    pb = vb + lb;
    if (la === lb && equalBytes(a, va, b, vb, la)) continue;
    // Differing values: only a clock that moved as expected passes.
    if (type !== ELEMENT.KEY_VALUE) return false;
    const grows = isKey(GROWING_WIRE, a, keyAt, keyLen);
    if (!grows && !isKey(SHRINKING_WIRE, a, keyAt, keyLen)) return false;
    const x = digits(a, va, la);
    const y = digits(b, vb, lb);
    if (x < 0 || y < 0) return false;
    if (!clockAgrees(x, y, elapsedS, grows)) return false;
  }
  return false;
}

/**
 * The `uniqueid` of the one IKE_SA a list-sa body holds, read without decoding the rest (it
 * is the section's first member in every strongSwan release); undefined for anything else.
 */
export function peekUniqueid(body: Buffer): string | undefined {
  if (body[0] !== ELEMENT.SECTION_START || body.length < 2) return undefined;
  let p = 2 + body[1]!;
  while (p < body.length) {
    const type = body[p++];
    if (type !== ELEMENT.KEY_VALUE) return undefined;
    if (p >= body.length) return undefined;
    const len = body[p]!;
    const name = p + 1;
    p = name + len;
    if (p + 2 > body.length) return undefined;
    const vlen = (body[p]! << 8) | body[p + 1]!;
    const value = p + 2;
    p = value + vlen;
    if (p > body.length) return undefined;
    if (len === 8 && equalBytes(UNIQUEID, 0, body, name, 8)) {
      return body.toString('utf8', value, value + vlen);
    }
  }
  return undefined;
}

const UNIQUEID = Buffer.from('uniqueid');
