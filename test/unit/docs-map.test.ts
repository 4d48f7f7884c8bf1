import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

/*
 * docs/design.md is the map a newcomer opens first. A source file it does not name is a file
 * the newcomer has to find by searching, so every file under source/ must be named there
 * (by its file name, as the map lists them under their folder).
 */

const root = new URL('../..', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

describe('docs/design.md', () => {
  test('names every file under source/', () => {
    const design = readFileSync(join(root, 'docs/design.md'), 'utf8');
    const files = sourceFiles(join(root, 'source'));
    expect(files.length).toBeGreaterThan(50);
    const unnamed = files
      .map((f) => relative(root, f))
      .filter((f) => !design.includes(f.split('/').pop()!));
    expect(unnamed, 'add these to the file map in docs/design.md').toEqual([]);
  });
});
