/**
 * Saves a full `list-sas` from a daemon: every `list-sa` event segment, length header included,
 * back to back, in bench/captures/list-sas-<count>.bin (ignored by git).
 *
 *   tsx bench/capture-list-sas.ts /run/swantop-lab/moon.vici
 *
 * Nothing needs one: the codec bench synthesises its input from the golden list-sa event without
 * one of >= 2,000 IKE_SAs, and the scripted daemon replicates the committed
 * bench/fixtures/list-sas-lab-13.bin (made with this script from a lab with 10 clients). A capture
 * here takes precedence over both, e.g. a big one from a lab started with many clients.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKET } from '../source/vici/packet.js';
import { RawClient } from '../test/unit/fixtures/raw-client.js';

const CAPTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'captures');

async function main(): Promise<void> {
  const socket = process.argv[2];
  if (!socket) throw new Error('usage: capture-list-sas.ts <path to a .vici socket>');
  const client = await RawClient.connect(socket);
  try {
    const started = performance.now();
    const segments = await client.command('list-sas', { noblock: 'yes' }, 'list-sa');
    const ms = performance.now() - started;
    const events = segments.filter(
      (s) => s.packet.type === PACKET.EVENT && s.packet.name === 'list-sa',
    );
    const bytes = Buffer.concat(events.map((s) => s.framed));
    mkdirSync(CAPTURE_DIR, { recursive: true });
    const file = join(CAPTURE_DIR, `list-sas-${events.length}.bin`);
    writeFileSync(file, bytes);
    console.log(
      `${events.length} list-sa events, ${bytes.length} bytes in ${ms.toFixed(0)} ms -> ${file}`,
    );
  } finally {
    client.close();
  }
}

main().catch((err: unknown) => {
  console.error(`capture failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
