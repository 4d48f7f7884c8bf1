import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  isListElement,
  isSectionElement,
  section,
  text,
  texts,
  toPlain,
  type ViciSection,
} from '../../source/vici/message.js';
import {
  decodePacket,
  encodePacket,
  FrameReader,
  PACKET,
  type Packet,
} from '../../source/vici/packet.js';
import { annotateSegment, parseAnnotatedHex } from './fixtures/annotate.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

interface Golden {
  framed: Buffer;
  packet: Packet;
  tree: ViciSection;
}

function load(file: string): Golden {
  const source = readFileSync(join(fixtures, file), 'utf8');
  const framed = parseAnnotatedHex(source);
  const segments = new FrameReader().push(framed);
  expect(segments).toHaveLength(1);
  const packet = decodePacket(segments[0]!);
  return { framed, packet, tree: decodeMessage(packet.body) };
}

/** The packet re-encoded from the decoded tree: the whole segment, header included. */
function reencode(g: Golden): Buffer {
  return encodePacket(g.packet.type, g.packet.name, encodeMessage(g.tree));
}

const FILES = [
  'version-response.hex',
  'stats-response.hex',
  'list-sa-event.hex',
  'list-sas-response.hex',
  'list-conn-event.hex',
  'list-cert-event.hex',
  'get-algorithms-response.hex',
  'cmd-unknown.hex',
  'event-confirm.hex',
  'event-unknown.hex',
];

describe('golden vectors captured from charon 5.9.8', () => {
  it.each(FILES)('%s re-encodes to the identical bytes', (file) => {
    const g = load(file);
    expect(reencode(g).equals(g.framed)).toBe(true);
  });

  it.each(FILES)('%s has comments that describe its bytes', (file) => {
    const source = readFileSync(join(fixtures, file), 'utf8');
    const body = source.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(body).toEqual(annotateSegment(parseAnnotatedHex(source)));
  });

  it('version: a CMD_RESPONSE naming the daemon', () => {
    const { packet, tree } = load('version-response.hex');
    expect(packet.type).toBe(PACKET.CMD_RESPONSE);
    expect(packet.name).toBeUndefined();
    expect([...tree.keys()]).toEqual(['daemon', 'version', 'sysname', 'release', 'machine']);
    expect(text(tree.get('daemon'))).toBe('charon');
    expect(text(tree.get('version'))).toBe('5.9.8');
    expect(text(tree.get('sysname'))).toBe('Linux');
  });

  it('stats: nested sections and the plugin list', () => {
    const { tree } = load('stats-response.hex');
    const uptime = section(tree.get('uptime'));
    expect(text(uptime?.get('running'))).toMatch(/^\d+ seconds?$/);
    const workers = section(tree.get('workers'));
    expect(Number(text(workers?.get('total')))).toBeGreaterThan(0);
    expect(isSectionElement(workers?.get('active'))).toBe(true);
    // moon was the responder of the one tunnel up at capture time.
    expect(text(section(tree.get('ikesas'))?.get('total'))).toBe('1');
    const plugins = texts(tree.get('plugins'));
    expect(isListElement(tree.get('plugins'))).toBe(true);
    expect(plugins).toContain('vici');
    expect(plugins).toContain('kernel-libipsec');
  });

  it('list-sa: an IKE_SA section holding its CHILD_SA and traffic selector lists', () => {
    const { packet, tree } = load('list-sa-event.hex');
    expect(packet.type).toBe(PACKET.EVENT);
    expect(packet.name).toBe('list-sa');
    expect([...tree.keys()]).toEqual(['home']);
    const ike = section(tree.get('home'))!;
    expect(text(ike.get('state'))).toBe('ESTABLISHED');
    expect(text(ike.get('local-host'))).toBe('10.77.0.2');
    expect(text(ike.get('remote-id'))).toBe('moon.swantop.test');
    expect(text(ike.get('initiator'))).toBe('yes');
    expect(text(ike.get('initiator-spi'))).toMatch(/^[0-9a-f]{16}$/);
    const children = section(ike.get('child-sas'))!;
    expect(children.size).toBe(1);
    const [childName, child] = [...children][0]!;
    expect(childName).toMatch(/^net-\d+$/);
    const sa = section(child)!;
    expect(text(sa.get('state'))).toBe('INSTALLED');
    expect(text(sa.get('protocol'))).toBe('ESP');
    expect(texts(sa.get('local-ts'))).toEqual(['10.2.0.0/16']);
    expect(texts(sa.get('remote-ts'))).toEqual(['10.1.0.0/16']);
  });

  it('list-sas: the response that ends the stream is an empty message', () => {
    const { packet, tree } = load('list-sas-response.hex');
    expect(packet.type).toBe(PACKET.CMD_RESPONSE);
    expect(packet.body.length).toBe(0);
    expect(tree.size).toBe(0);
  });

  it('list-conn: integer-like child names keep wire order', () => {
    const { packet, tree } = load('list-conn-event.hex');
    expect(packet.name).toBe('list-conn');
    const conn = section(tree.get('ordered'))!;
    expect([...section(conn.get('children'))!.keys()]).toEqual(['1', '10', '2']);
    // The same tree as a plain object sorts them; this is why sections are Maps.
    const plain = toPlain(tree).ordered as Record<string, Record<string, unknown>>;
    expect(Object.keys(plain.children!)).toEqual(['1', '2', '10']);
    // Empty lists survive as empty lists, not as absent keys.
    expect(section(conn.get('local-1'))!.get('groups')).toEqual([]);
  });

  it('list-cert: the DER certificate arrives as exact binary bytes', () => {
    const { packet, tree } = load('list-cert-event.hex');
    expect(packet.name).toBe('list-cert');
    expect(text(tree.get('type'))).toBe('X509');
    expect(text(tree.get('flag'))).toBe('CA');
    const der = tree.get('data') as Buffer;
    expect(Buffer.isBuffer(der)).toBe(true);
    // A DER SEQUENCE with a two-byte length that covers the rest of the value exactly.
    expect(der[0]).toBe(0x30);
    expect(der[1]).toBe(0x82);
    expect(der.readUInt16BE(2) + 4).toBe(der.length);
    expect(toPlain(tree).data).toBe(`base64:${der.toString('base64')}`);
  });

  it('get-algorithms: one section per algorithm kind, plugin names as values', () => {
    const { tree } = load('get-algorithms-response.hex');
    expect([...tree.keys()]).toEqual(
      expect.arrayContaining(['encryption', 'integrity', 'hasher', 'prf', 'dh']),
    );
    expect(text(section(tree.get('encryption'))?.get('AES_CBC'))).toBe('openssl');
  });

  it.each([
    ['cmd-unknown.hex', PACKET.CMD_UNKNOWN],
    ['event-confirm.hex', PACKET.EVENT_CONFIRM],
    ['event-unknown.hex', PACKET.EVENT_UNKNOWN],
  ])('%s: a bare packet type with no name and no body', (file, type) => {
    const { framed, packet } = load(file);
    expect(framed.toString('hex')).toBe(`00000001${type.toString(16).padStart(2, '0')}`);
    expect(packet).toEqual({ type, name: undefined, body: Buffer.alloc(0) });
  });
});
