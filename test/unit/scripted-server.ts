/*
 * A scripted VICI daemon on a real unix socket, for protocol and hostile-daemon tests.
 *
 * Two ways to drive it, freely mixed:
 * - step by step: `await conn.expect(PACKET.CMD_REQUEST, 'version')`, then `conn.respond({...})`,
 *   `conn.event(...)`, or any bytes at all with `conn.sendRaw(...)`;
 * - a script: `conn.serve({ events: [...], commands: { version: () => ({...}) } })` answers
 *   registrations and commands on its own until the connection ends.
 * Every packet the client sent is kept, in order, in `conn.received` (the wire order tests).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeMessage,
  type EncodableSection,
  encodeMessage,
  type ViciSection,
} from '../../source/vici/message.js';
import {
  decodePacket,
  encodePacket,
  FrameReader,
  PACKET,
  type PacketType,
} from '../../source/vici/packet.js';

export interface ReceivedPacket {
  type: PacketType;
  name?: string;
  /** The message of a CMD_REQUEST (undefined when it did not decode, or for other packets). */
  message?: ViciSection;
  body: Buffer;
}

/** What a scripted command answers: a message, CMD_UNKNOWN, or nothing at all (a hung daemon). */
export type ScriptReply = EncodableSection | 'unknown' | 'silent';

export interface Script {
  /** Names that registrations confirm; others get EVENT_UNKNOWN. Default: every name. */
  events?: readonly string[] | 'all';
  /**
   * Command handlers. A handler may send events first (`conn.event(...)`), then returns the
   * reply. Commands without a handler get CMD_UNKNOWN.
   */
  commands?: Record<
    string,
    (request: ViciSection, conn: ScriptedConnection) => ScriptReply | Promise<ScriptReply>
  >;
}

export const PACKET_NAME: Record<number, string> = Object.fromEntries(
  Object.entries(PACKET).map(([k, v]) => [v, k]),
);

/** `CMD_REQUEST version`, `EVENT_CONFIRM`: one line per packet, for wire-order assertions. */
export function describe(p: ReceivedPacket): string {
  return p.name === undefined ? PACKET_NAME[p.type]! : `${PACKET_NAME[p.type]} ${p.name}`;
}

export class ScriptedConnection {
  readonly received: ReceivedPacket[] = [];
  /** Resolves when the client's side is gone. */
  readonly closed: Promise<void>;
  private taken = 0;
  private wake: (() => void) | undefined;
  private readonly frames = new FrameReader(16 * 1024 * 1024);
  private ended = false;

  constructor(readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      for (const segment of this.frames.push(chunk)) {
        const p = decodePacket(segment);
        let message: ViciSection | undefined;
        if (p.type === PACKET.CMD_REQUEST) {
          try {
            message = decodeMessage(p.body);
          } catch {
            message = undefined;
          }
        }
        this.received.push({ type: p.type, name: p.name, message, body: p.body });
      }
      this.notify();
    });
  }

  /** The next packet not yet taken by next()/expect(); rejects if the client hangs up first. */
  async next(): Promise<ReceivedPacket> {
    for (;;) {
      const p = this.received[this.taken];
      if (p) {
        this.taken++;
        return p;
      }
      if (this.ended) throw new Error('the client closed the connection');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** next(), checked: throws a readable error when the client sent something else. */
  async expect(type: PacketType, name?: string): Promise<ReceivedPacket> {
    const p = await this.next();
    if (p.type !== type || (name !== undefined && p.name !== name)) {
      throw new Error(
        `expected ${PACKET_NAME[type]}${name ? ` ${name}` : ''}, the client sent ${describe(p)}`,
      );
    }
    return p;
  }

  /** Packets the client sent, one line each (`CMD_REQUEST version`). */
  wire(): string[] {
    return this.received.map(describe);
  }

  respond(message: EncodableSection = {}): void {
    this.send(PACKET.CMD_RESPONSE, undefined, encodeMessage(message));
  }

  unknownCommand(): void {
    this.send(PACKET.CMD_UNKNOWN);
  }

  confirm(): void {
    this.send(PACKET.EVENT_CONFIRM);
  }

  unknownEvent(): void {
    this.send(PACKET.EVENT_UNKNOWN);
  }

  event(name: string, message: EncodableSection = {}): void {
    this.send(PACKET.EVENT, name, encodeMessage(message));
  }

  /** Any packet, well framed. */
  send(type: PacketType, name?: string, body?: Uint8Array): void {
    this.sendRaw(encodePacket(type, name, body));
  }

  /** Any bytes at all. */
  sendRaw(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Half-close: the client sees the daemon end the connection. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Answer registrations and commands by the script until the connection ends. */
  async serve(script: Script): Promise<void> {
    const known = script.events ?? 'all';
    for (;;) {
      let p: ReceivedPacket;
      try {
        p = await this.next();
      } catch {
        return;
      }
      switch (p.type) {
        case PACKET.EVENT_REGISTER:
          if (known === 'all' || known.includes(p.name!)) this.confirm();
          else this.unknownEvent();
          break;
        case PACKET.EVENT_UNREGISTER:
          this.confirm();
          break;
        case PACKET.CMD_REQUEST: {
          const handler = script.commands?.[p.name!];
          const reply = handler ? await handler(p.message ?? new Map(), this) : 'unknown';
          if (reply === 'unknown') this.unknownCommand();
          else if (reply !== 'silent') this.respond(reply);
          break;
        }
        default:
          throw new Error(`the client sent ${describe(p)}, which a daemon never expects`);
      }
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

export class ScriptedServer {
  readonly connections: ScriptedConnection[] = [];
  private taken = 0;
  private wake: (() => void) | undefined;

  private constructor(
    readonly dir: string,
    readonly path: string,
    private readonly server: net.Server,
    private readonly script: Script | undefined,
  ) {
    server.on('connection', (socket) => {
      const conn = new ScriptedConnection(socket);
      this.connections.push(conn);
      if (this.script) void conn.serve(this.script);
      const w = this.wake;
      this.wake = undefined;
      w?.();
    });
  }

  /** Listen on a fresh socket in a private temporary directory. With a script, serve every connection by it. */
  static async start(script?: Script): Promise<ScriptedServer> {
    const dir = await mkdtemp(join(tmpdir(), 'swantop-vici-'));
    const path = join(dir, 'charon.vici');
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    return new ScriptedServer(dir, path, server, script);
  }

  get uri(): string {
    return `unix://${this.path}`;
  }

  /** The next accepted connection not yet taken. */
  async connection(): Promise<ScriptedConnection> {
    for (;;) {
      const c = this.connections[this.taken];
      if (c) {
        this.taken++;
        return c;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }
}
