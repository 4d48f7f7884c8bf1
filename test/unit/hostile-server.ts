/*
 * A hostile VICI daemon for the "refuses hostile input" tests: it speaks enough VICI for the
 * monitor's start-up (version, stats, registrations, list-sas, list-conns), but every name and
 * value it can choose is poisoned with bytes a terminal would act on. charon itself replaces
 * unprintable bytes (lab notes), so only a non-charon peer on the socket can send these.
 *
 * Built on the scripted server (scripted-server.ts): the same real unix socket, plus a raw
 * message writer, because section names with invalid UTF-8 or a C1 byte cannot be written
 * through encodeMessage (its names are JS strings).
 */

import { FEED_EVENTS } from '../../source/monitor/read-event.js';
import { ELEMENT, type EncodableSection } from '../../source/vici/message.js';
import { encodePacket, PACKET } from '../../source/vici/packet.js';
import type { Script, ScriptedConnection } from './scripted-server.js';

type Bytes = string | Uint8Array;

/** One element of a raw message: names and values are exact bytes (strings are UTF-8). */
export type RawNode =
  | { kv: Bytes; value: Bytes }
  | { section: Bytes; items: RawNode[] }
  | { list: Bytes; values: Bytes[] };

const bytes = (b: Bytes) => (typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b));

/** A message body exactly as given: no validation, no re-encoding of names. */
export function rawMessage(nodes: readonly RawNode[]): Buffer {
  const out: Buffer[] = [];
  const name = (n: Bytes) => {
    const b = bytes(n);
    out.push(Buffer.from([b.length & 0xff]), b);
  };
  const value = (v: Bytes) => {
    const b = bytes(v);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length & 0xffff);
    out.push(len, b);
  };
  const walk = (list: readonly RawNode[]) => {
    for (const n of list) {
      if ('kv' in n) {
        out.push(Buffer.from([ELEMENT.KEY_VALUE]));
        name(n.kv);
        value(n.value);
      } else if ('section' in n) {
        out.push(Buffer.from([ELEMENT.SECTION_START]));
        name(n.section);
        walk(n.items);
        out.push(Buffer.from([ELEMENT.SECTION_END]));
      } else {
        out.push(Buffer.from([ELEMENT.LIST_START]));
        name(n.list);
        for (const v of n.values) {
          out.push(Buffer.from([ELEMENT.LIST_ITEM]));
          value(v);
        }
        out.push(Buffer.from([ELEMENT.LIST_END]));
      }
    }
  };
  walk(nodes);
  return Buffer.concat(out);
}

/** A framed packet around a raw body. */
export function rawPacket(type: number, name: string | undefined, body: Buffer): Buffer {
  return encodePacket(type as Parameters<typeof encodePacket>[0], name, body);
}

/*
 * The poison. Each payload sits between two plain words, so a test can look for the words
 * with the escaped payload between them (visible), and for the raw bytes (never).
 */
export const POISON = {
  /** Erase the whole screen. */
  csi: '\x1b[2J',
  /** Set the window title (xterm, tmux): the classic log-injection trick. */
  osc: '\x1b]0;pwned\x07',
  /** Ask the terminal to answer with the cursor position (input injection). */
  dsr: '\x1b[6n',
  /** Leave the alternate screen under the UI's feet. */
  altOff: '\x1b[?1049l',
  /** C1 CSI as a code point (UTF-8 c2 9b): 8-bit terminals read it as ESC [. */
  c1: '\u009b2J',
  /** Right-to-left override: reorders what follows. */
  bidi: '\u202e',
} as const;

/** C1 CSI as a lone byte (not valid UTF-8), and other invalid UTF-8. */
export const BAD_UTF8 = {
  c1Byte: Buffer.from([0x9b]),
  overlong: Buffer.from([0xc0, 0x80]),
  surrogate: Buffer.from([0xed, 0xa0, 0x80]),
  ff: Buffer.from([0xff, 0xfe]),
};

const cat = (...parts: Bytes[]) => Buffer.concat(parts.map(bytes));

/** The IKE_SA names the hostile daemon lists (as raw bytes), and what the UI must show. */
export const HOSTILE_IKE_NAME = cat('evil', POISON.csi, 'name');
export const HOSTILE_IKE_NAME_SHOWN = 'evil\\x1b[2Jname';
export const HOSTILE_REMOTE_ID = cat('osc', POISON.osc, 'id');
export const HOSTILE_REMOTE_ID_SHOWN = 'osc\\x1b]0;pwned\\x07id';
export const HOSTILE_CHILD_NAME = cat('kid', POISON.c1, BAD_UTF8.c1Byte, 'red');
export const HOSTILE_CONN_NAME = cat('conn', POISON.altOff, 'x');
export const HOSTILE_CONN_NAME_SHOWN = 'conn\\x1b[?1049lx';
export const HOSTILE_LOG = cat(
  'log',
  POISON.dsr,
  POISON.osc,
  POISON.c1,
  BAD_UTF8.c1Byte,
  BAD_UTF8.overlong,
  BAD_UTF8.surrogate,
  BAD_UTF8.ff,
  POISON.bidi,
  'end',
);
export const HOSTILE_LOG_SHOWN_START = 'log\\x1b[6n\\x1b]0;pwned\\x07\\x9b2J';
export const HOSTILE_DAEMON = cat('charon', POISON.osc);

/** One IKE_SA with one CHILD_SA, every free-text field poisoned. */
export function hostileIkeSa(uniqueid: string): RawNode {
  return {
    section: HOSTILE_IKE_NAME,
    items: [
      { kv: 'uniqueid', value: uniqueid },
      { kv: 'version', value: '2' },
      { kv: 'state', value: 'ESTABLISHED' },
      { kv: 'local-host', value: '192.168.0.1' },
      { kv: 'local-port', value: '4500' },
      { kv: 'local-id', value: cat('moon', BAD_UTF8.ff, POISON.bidi, 'id') },
      { kv: 'remote-host', value: '192.168.0.2' },
      { kv: 'remote-port', value: '4500' },
      { kv: 'remote-id', value: HOSTILE_REMOTE_ID },
      { kv: 'initiator', value: 'yes' },
      { kv: 'encr-alg', value: cat('AES', POISON.dsr) },
      { kv: 'established', value: '100' },
      { kv: 'rekey-time', value: '10000' },
      {
        section: 'child-sas',
        items: [
          {
            section: cat('kid-', uniqueid),
            items: [
              { kv: 'name', value: HOSTILE_CHILD_NAME },
              { kv: 'uniqueid', value: uniqueid },
              { kv: 'state', value: 'INSTALLED' },
              { kv: 'mode', value: 'TUNNEL' },
              { kv: 'protocol', value: 'ESP' },
              { kv: 'spi-in', value: 'c0000001' },
              { kv: 'spi-out', value: 'd0000001' },
              { kv: 'bytes-in', value: '100' },
              { kv: 'bytes-out', value: '200' },
              { kv: 'packets-in', value: '1' },
              { kv: 'packets-out', value: '2' },
              { kv: 'install-time', value: '10' },
              { kv: 'rekey-time', value: '3000' },
              { kv: 'life-time', value: '3600' },
              { list: 'local-ts', values: [cat('10.1.0.0/16', POISON.csi)] },
              { list: 'remote-ts', values: [cat('10.2.0.0/16', BAD_UTF8.c1Byte)] },
            ],
          },
        ],
      },
    ],
  };
}

export function hostileLogEvent(n = 0): Buffer {
  return rawMessage([
    { kv: 'group', value: cat('IK', POISON.csi) },
    { kv: 'level', value: '1' },
    { kv: 'thread', value: String(n % 16) },
    { kv: 'ikesa-name', value: HOSTILE_IKE_NAME },
    { kv: 'ikesa-uniqueid', value: '1' },
    { kv: 'msg', value: HOSTILE_LOG },
  ]);
}

/** Send one event whose body is given raw. */
export function rawEvent(conn: ScriptedConnection, name: string, body: Buffer): void {
  conn.sendRaw(rawPacket(PACKET.EVENT, name, body));
}

/** Send a command response whose body is given raw. */
export function rawResponse(conn: ScriptedConnection, body: Buffer): void {
  conn.sendRaw(rawPacket(PACKET.CMD_RESPONSE, undefined, body));
}

export interface HostileOptions {
  /** Replace or add command handlers (e.g. a version that never answers). */
  commands?: Script['commands'];
}

/**
 * A daemon that answers like charon 5.9.8 (no `alert`), with poisoned text everywhere. Raw
 * answers are written straight to the socket and the handler returns 'silent' so the scripted
 * server adds nothing.
 */
export function hostileScript(opts: HostileOptions = {}): Script {
  return {
    // What the monitor registers, and the two events its listings stream.
    events: [...FEED_EVENTS, 'list-sa', 'list-conn'],
    commands: {
      version: (_req, conn) => {
        rawResponse(
          conn,
          rawMessage([
            { kv: 'daemon', value: HOSTILE_DAEMON },
            { kv: 'version', value: cat('5.9.8', POISON.csi) },
            { kv: 'sysname', value: cat('Linux', BAD_UTF8.c1Byte) },
            { kv: 'release', value: cat('6.1', POISON.altOff) },
            { kv: 'machine', value: cat('x86_64', POISON.bidi) },
          ]),
        );
        return 'silent';
      },
      stats: () =>
        ({
          uptime: { running: '1 hour', since: 'Nov 29 12:00:00 2026' },
          workers: { total: 16, idle: 11, active: { critical: 4, high: 0, medium: 1, low: 0 } },
          queues: { critical: 0, high: 0, medium: 0, low: 0 },
          scheduled: 3,
          ikesas: { total: 1, 'half-open': 0 },
          plugins: ['vici', `evil${POISON.osc}`],
        }) satisfies EncodableSection,
      'list-sas': (_req, conn) => {
        rawEvent(conn, 'list-sa', rawMessage([hostileIkeSa('1')]));
        return {};
      },
      'list-conns': (_req, conn) => {
        rawEvent(
          conn,
          'list-conn',
          rawMessage([
            {
              section: HOSTILE_CONN_NAME,
              items: [
                { list: 'local_addrs', values: [cat('192.168.0.1', POISON.csi)] },
                { list: 'remote_addrs', values: ['192.168.0.2'] },
                { kv: 'version', value: 'IKEv2' },
                {
                  section: 'children',
                  items: [
                    {
                      section: cat('child', POISON.osc),
                      items: [{ kv: 'mode', value: 'TUNNEL' }],
                    },
                  ],
                },
              ],
            },
          ]),
        );
        return {};
      },
      ...opts.commands,
    },
  };
}

/** The connection that registered for `name` (the monitor's events connection for 'log'). */
export function registeredFor(
  connections: readonly ScriptedConnection[],
  name: string,
): ScriptedConnection | undefined {
  return connections.find(
    (c) =>
      !c.socket.destroyed &&
      c.received.some((p) => p.type === PACKET.EVENT_REGISTER && p.name === name),
  );
}

/**
 * Events as fast as the socket takes them, until `limit` were sent or `stop()`. It waits for
 * 'drain' whenever the kernel buffer is full, so the flood is paced by the client's reading
 * alone and the server itself never buffers more than one batch.
 */
export function flood(
  conn: ScriptedConnection,
  name: string,
  body: (n: number) => Buffer,
  limit = Number.POSITIVE_INFINITY,
): { readonly sent: number; done: Promise<number>; stop: () => Promise<number> } {
  let stopped = false;
  let sent = 0;
  const s = conn.socket;
  const done = (async () => {
    while (!stopped && !s.destroyed && sent < limit) {
      let ok = true;
      for (let i = 0; i < 64 && ok && sent < limit; i++) {
        ok = s.write(rawPacket(PACKET.EVENT, name, body(sent)));
        sent++;
      }
      await new Promise<void>((resolve) => {
        if (ok) {
          setImmediate(resolve);
          return;
        }
        const go = () => {
          s.off('drain', go);
          s.off('close', go);
          resolve();
        };
        s.on('drain', go);
        s.on('close', go);
      });
    }
    return sent;
  })();
  return {
    get sent() {
      return sent;
    },
    done,
    stop: async () => {
      stopped = true;
      return done;
    },
  };
}
