/**
 * A scripted VICI daemon on a real unix socket, for the benches that need more SAs than the lab
 * can hold (10,000) or a steady stream of events for ten minutes. The SAs are real list-sa
 * trees captured from the lab, replicated with their own unique ids and SPIs: the committed
 * bench/fixtures/list-sas-lab-13.bin (moon with net-net, carol, dave and 10 road warriors, 11 KB,
 * made by bench/capture-list-sas.ts), or the largest bench/captures/list-sas-<N>.bin if you
 * captured one yourself;
 * the events are built from those same trees, and change the daemon's table exactly as the
 * event says, so the next listing agrees with what the events said. It answers what swantop
 * asks (version, stats, list-sas filtered or not, list-conns, registrations; `alert` is unknown
 * as on 5.9.8) and nothing else.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeMessage,
  type EncodableSection,
  encodeMessage,
  type ViciSection,
} from '../../source/vici/message.js';
import { decodePacket, encodePacket, FrameReader, PACKET } from '../../source/vici/packet.js';

const CAPTURES = fileURLToPath(new URL('../captures/', import.meta.url));
/** Shipped with the repository so the bench runs from a fresh clone. */
const SHIPPED = fileURLToPath(new URL('../fixtures/list-sas-lab-13.bin', import.meta.url));
const EVENTS = new Set([
  'ike-updown',
  'child-updown',
  'ike-rekey',
  'child-rekey',
  'ike-update',
  'log',
  'list-sa',
  'list-conn',
  'control-log',
]);

/** The IKE_SA trees of the largest capture, in the daemon's order. */
export function capturedIkeSas(): { name: string; sa: ViciSection }[] {
  const own = existsSync(CAPTURES)
    ? readdirSync(CAPTURES)
        .filter((f) => /^list-sas-\d+\.bin$/.test(f))
        .sort((a, b) => Number(/\d+/.exec(b)![0]) - Number(/\d+/.exec(a)![0]))[0]
    : undefined;
  const file = own === undefined ? SHIPPED : join(CAPTURES, own);
  const out: { name: string; sa: ViciSection }[] = [];
  for (const seg of new FrameReader(1 << 30).push(readFileSync(file))) {
    for (const [name, sa] of decodeMessage(decodePacket(seg).body)) {
      if (sa instanceof Map) out.push({ name, sa });
    }
  }
  return out;
}

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

interface Sa {
  name: string;
  sa: ViciSection;
}

export class ScriptedDaemon {
  private readonly table = new Map<number, Sa>();
  private readonly templates: Sa[];
  private nextIke = 1;
  private nextChild = 1;
  private spi = 0x1000_0000;
  private readonly conns = new Set<{ socket: net.Socket; events: Set<string> }>();
  private server: net.Server | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private tick = 0;
  /** Events sent, by type. */
  readonly sent = new Map<string, number>();
  readonly since = new Date().toISOString().slice(0, 19).replace('T', ' ');

  constructor(
    readonly socketPath: string,
    size: number,
  ) {
    this.templates = capturedIkeSas();
    for (let i = 0; i < size; i++) this.addSa();
  }

  get size(): number {
    return this.table.size;
  }

  /** Unique ids of the IKE_SAs, in listing order. */
  ids(): number[] {
    return [...this.table.keys()];
  }

  private nextSpi(): string {
    this.spi = (this.spi + 0x9e37_79b1) >>> 0;
    return hex8(this.spi);
  }

  private freshChild(child: ViciSection): { key: string; sec: ViciSection } {
    const c = new Map(child);
    const id = this.nextChild++;
    c.set('uniqueid', Buffer.from(String(id)));
    c.set('spi-in', Buffer.from(this.nextSpi()));
    c.set('spi-out', Buffer.from(this.nextSpi()));
    const name = (c.get('name') as Buffer | undefined)?.toString() ?? 'child';
    return { key: `${name}-${id}`, sec: c };
  }

  private addSa(): Sa {
    const t = this.templates[(this.nextIke - 1) % this.templates.length]!;
    const id = this.nextIke++;
    const sa = new Map(t.sa);
    sa.set('uniqueid', Buffer.from(String(id)));
    sa.set('initiator-spi', Buffer.from(`${hex8(id)}${hex8(this.spi)}`));
    const children = new Map<string, ViciSection>();
    for (const c of (t.sa.get('child-sas') as ViciSection | undefined)?.values() ?? []) {
      if (!(c instanceof Map)) continue;
      const { key, sec } = this.freshChild(c);
      children.set(key, sec);
    }
    sa.set('child-sas', children);
    const entry = { name: t.name, sa };
    this.table.set(id, entry);
    return entry;
  }

  async listen(): Promise<void> {
    rmSync(this.socketPath, { force: true });
    this.server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.socketPath, () => resolve());
    });
  }

  private accept(socket: net.Socket): void {
    const conn = { socket, events: new Set<string>() };
    this.conns.add(conn);
    const frames = new FrameReader(16 * 1024 * 1024);
    let queue = Promise.resolve();
    socket.on('error', () => {});
    socket.on('close', () => this.conns.delete(conn));
    socket.on('data', (chunk: Buffer) => {
      for (const seg of frames.push(chunk)) {
        const p = decodePacket(seg);
        // One command at a time per connection, as charon does.
        queue = queue
          .then(() => this.handle(conn, p.type, p.name, p.body))
          .catch(() => {
            socket.destroy();
          });
      }
    });
  }

  private async write(socket: net.Socket, buf: Buffer): Promise<void> {
    if (!socket.write(buf)) await new Promise<void>((r) => socket.once('drain', () => r()));
  }

  private async handle(
    conn: { socket: net.Socket; events: Set<string> },
    type: number,
    name: string | undefined,
    body: Buffer,
  ): Promise<void> {
    const s = conn.socket;
    if (type === PACKET.EVENT_REGISTER || type === PACKET.EVENT_UNREGISTER) {
      if (!name || !EVENTS.has(name)) return this.write(s, encodePacket(PACKET.EVENT_UNKNOWN));
      if (type === PACKET.EVENT_REGISTER) conn.events.add(name);
      else conn.events.delete(name);
      return this.write(s, encodePacket(PACKET.EVENT_CONFIRM));
    }
    if (type !== PACKET.CMD_REQUEST) return;
    const req = body.length > 0 ? decodeMessage(body) : new Map();
    const reply = (m: EncodableSection) =>
      this.write(s, encodePacket(PACKET.CMD_RESPONSE, undefined, encodeMessage(m)));
    switch (name) {
      case 'version':
        return reply({
          daemon: 'charon',
          version: '5.9.8',
          sysname: 'Linux',
          release: 'bench',
          machine: 'x86_64',
        });
      case 'stats':
        return reply({
          uptime: { running: '1 hour', since: this.since },
          workers: { total: 16, idle: 12, active: { critical: 4, high: 0, medium: 0, low: 0 } },
          queues: { critical: 0, high: 0, medium: 0, low: 0 },
          scheduled: this.table.size * 2,
          ikesas: { total: this.table.size, 'half-open': 0 },
          plugins: ['bench'],
        });
      case 'list-sas': {
        const only = (req.get('ike-id') as Buffer | undefined)?.toString();
        const sas =
          only !== undefined
            ? [this.table.get(Number(only))].filter((x) => x !== undefined)
            : [...this.table.values()];
        if (conn.events.has('list-sa')) {
          for (const sa of sas) {
            await this.write(
              s,
              encodePacket(PACKET.EVENT, 'list-sa', encodeMessage(new Map([[sa.name, sa.sa]]))),
            );
          }
        }
        return reply({});
      }
      case 'list-conns':
        return reply({});
      default:
        return this.write(s, encodePacket(PACKET.CMD_UNKNOWN));
    }
  }

  /** Sends an event to every connection registered for it. */
  emit(type: string, message: EncodableSection | ViciSection): void {
    const buf = encodePacket(PACKET.EVENT, type, encodeMessage(message as EncodableSection));
    for (const c of this.conns) if (c.events.has(type)) c.socket.write(buf);
    this.sent.set(type, (this.sent.get(type) ?? 0) + 1);
  }

  /** A CHILD_SA of `id` rekeyed: the daemon's table and the event agree. */
  rekeyChild(id: number): { spis: string } | undefined {
    const e = this.table.get(id);
    if (!e) return undefined;
    const children = e.sa.get('child-sas') as ViciSection;
    const first = [...children][0];
    if (!first) return undefined;
    const [oldKey, old] = first as [string, ViciSection];
    const { key, sec } = this.freshChild(old);
    const next = new Map<string, ViciSection>();
    next.set(key, sec);
    for (const [k, v] of children) if (k !== oldKey) next.set(k, v as ViciSection);
    e.sa.set('child-sas', next);
    const ike = new Map(e.sa);
    ike.delete('child-sas');
    ike.set(
      'child-sas',
      new Map([
        [
          key,
          new Map<string, ViciSection>([
            ['old', old],
            ['new', sec],
          ]),
        ],
      ]),
    );
    this.emit('child-rekey', new Map([[e.name, ike]]));
    return { spis: `${sec.get('spi-in')}/${sec.get('spi-out')}` };
  }

  /** An IKE_SA goes down (and leaves the table). */
  down(id: number): void {
    const e = this.table.get(id);
    if (!e) return;
    this.table.delete(id);
    this.emit('ike-updown', new Map([[e.name, e.sa]]));
  }

  /** A new IKE_SA with its CHILD_SA comes up. */
  up(): number {
    const e = this.addSa();
    this.emit(
      'child-updown',
      new Map<string, ViciSection | Buffer>([
        ['up', Buffer.from('yes')],
        [e.name, e.sa],
      ]),
    );
    this.emit(
      'ike-updown',
      new Map<string, ViciSection | Buffer>([
        ['up', Buffer.from('yes')],
        [e.name, e.sa],
      ]),
    );
    return Number((e.sa.get('uniqueid') as Buffer).toString());
  }

  log(id: number): void {
    const e = this.table.get(id);
    this.emit('log', {
      group: 'IKE',
      level: 1,
      thread: 7,
      'ikesa-name': e?.name ?? 'gw',
      'ikesa-uniqueid': id,
      msg: `sending DPD request for IKE_SA ${e?.name ?? 'gw'}[${id}]`,
    });
  }

  /**
   * `perSecond` events, sent every 10 ms: per 10 events 6 log lines, 2 CHILD_SA rekeys, one
   * IKE_SA down and a new one up (the table keeps its size).
   */
  startEvents(perSecond: number, pickId: () => number): void {
    let owed = 0;
    let last = performance.now();
    this.ticker = setInterval(() => {
      const now = performance.now();
      owed += ((now - last) / 1000) * perSecond;
      last = now;
      while (owed >= 1) {
        owed--;
        const k = this.tick++ % 10;
        const ids = this.ids();
        const id = ids[Math.floor(pickId() * ids.length)]!;
        if (k < 6) this.log(id);
        else if (k < 8) this.rekeyChild(id);
        else if (k === 8) this.down(id);
        else this.up();
      }
    }, 10);
  }

  stopEvents(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  async close(): Promise<void> {
    this.stopEvents();
    for (const c of this.conns) c.socket.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    rmSync(this.socketPath, { force: true });
  }
}
