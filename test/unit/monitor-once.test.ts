/*
 * `--once --json` prints every field the daemon sent. The real snapshotOnce on a real Session
 * against a scripted daemon that sends a real listing (the lab capture of 13 IKE_SAs, charon
 * 5.9.8) plus an IKE_SA with what no view reads (an unknown key, a nested section, binary
 * bytes, a number beyond 2^53): the JSON holds each IKE_SA's whole tree, as toPlain reads it.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { snapshotOnce } from '../../source/monitor/monitor.js';
import { formatJson } from '../../source/once.js';
import {
  decodeMessage,
  decodePacket,
  encodeMessage,
  encodePacket,
  FrameReader,
  PACKET,
  type PlainSection,
  toPlain,
} from '../../source/vici/index.js';
import { ScriptedServer } from './scripted-server.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const lab = new FrameReader()
  .push(readFileSync(new URL('../../bench/fixtures/list-sas-lab-13.bin', import.meta.url)))
  .map((segment) => Buffer.from(decodePacket(segment).body));

const odd = encodeMessage({
  'odd-one': {
    uniqueid: '900',
    state: 'ESTABLISHED',
    'future-field': 'from a newer daemon',
    'bytes-total': '18446744073709551615',
    nested: { deeper: { list: ['a', 'b'] } },
    'remote-id': Buffer.from([0x43, 0x4e, 0x3d, 0xff, 0xfe]),
    'child-sas': {
      'c-901': { name: 'c', uniqueid: '901', state: 'INSTALLED', 'new-counter': '7' },
    },
  },
});

describe('--once --json', () => {
  it('prints every field the daemon sent, for each IKE_SA and CHILD_SA', async () => {
    const bodies = [...lab, odd];
    server = await ScriptedServer.start({
      commands: {
        version: () => ({ daemon: 'charon', version: '6.0.1' }),
        stats: () => ({ ikesas: { total: bodies.length, 'half-open': 0 } }),
        'list-sas': (_req, conn) => {
          for (const b of bodies) conn.sendRaw(encodePacket(PACKET.EVENT, 'list-sa', b));
          return {};
        },
      },
    });
    const snap = await snapshotOnce({ uri: server.uri, timeoutMs: 5_000 });
    const printed = JSON.parse(formatJson(snap)).ikeSas as PlainSection[];
    const sent = bodies.flatMap((b) =>
      [...decodeMessage(b)].map(([name, s]) => ({ name, ...toPlain(s as Map<string, never>) })),
    );
    expect(printed).toHaveLength(14);
    // Same IKE_SAs, each with its whole tree (child-sas included), in the daemon's order.
    expect(printed).toEqual(sent);
    const last = printed[13]!;
    expect(last['future-field']).toBe('from a newer daemon');
    expect(last['bytes-total']).toBe('18446744073709551615');
    expect(last['remote-id']).toBe(
      `base64:${Buffer.from([0x43, 0x4e, 0x3d, 0xff, 0xfe]).toString('base64')}`,
    );
    expect((last['child-sas'] as PlainSection)['c-901']).toMatchObject({ 'new-counter': '7' });
  });
});
