import { Exporter, type ExporterOptions } from './exporter.js';

/**
 * `swantop --exporter`: serve until SIGINT or SIGTERM. Resolves with the exit code; a port
 * that cannot be bound rejects with ExporterError (one line).
 */
export async function runExporter(
  opts: ExporterOptions,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const exporter = new Exporter(opts);
  const at = await exporter.start().catch(async (err: unknown) => {
    await exporter.stop();
    throw err;
  });
  const where = at.host.includes(':') ? `[${at.host}]:${at.port}` : `${at.host}:${at.port}`;
  stderr.write(
    `swantop: serving http://${where}/metrics for ${opts.uri ?? 'the default vici socket'}\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve(s));
  });
  await Promise.race([exporter.stop(), new Promise((r) => setTimeout(r, 2000))]);
  return signal === 'SIGINT' ? 130 : 0;
}
