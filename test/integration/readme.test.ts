/*
 * The library examples in README.md, run as one program against the lab's moon, so the
 * documentation cannot drift from the library. The blocks after the first share one
 * `session`, as a reader would paste them; only the socket path is changed to the lab's.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { swanctl } from '../../lab/lab.js';
import { Session } from '../../source/vici/index.js';
import { labInfo } from './vici-lab.js';

const lab = labInfo();
const root = path.resolve(import.meta.dirname, '../..');
const program = path.join(root, 'test/integration/.readme-examples.ts');

function libraryExamples(): string[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## The library');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

/** Imports first (merged per module), then the bodies in order. */
function asProgram(blocks: readonly string[], socket: string): string {
  const names = new Map<string, Set<string>>();
  const bodies: string[] = [];
  for (const block of blocks) {
    const body: string[] = [];
    for (const line of block.split('\n')) {
      const m = /^import (?:\{ (.*) \}|(\w+)) from '([^']+)';$/.exec(line);
      if (!m) {
        body.push(line);
        continue;
      }
      const set = names.get(m[3]!) ?? new Set<string>();
      if (m[2]) set.add(`default:${m[2]}`);
      for (const n of (m[1] ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean))
        set.add(n);
      names.set(m[3]!, set);
    }
    bodies.push(body.join('\n'));
  }
  const imports = [...names].map(([from, set]) => {
    const all = [...set];
    const def = all.find((n) => n.startsWith('default:'))?.slice('default:'.length);
    const named = all.filter((n) => !n.startsWith('default:'));
    const parts = [def, named.length > 0 ? `{ ${named.join(', ')} }` : undefined].filter(Boolean);
    return `import ${parts.join(', ')} from '${from}';`;
  });
  return [...imports, ...bodies, 'await session.close();', '']
    .join('\n')
    .replaceAll('/var/run/charon.vici', socket);
}

afterAll(async () => {
  rmSync(program, { force: true });
  // Leave moon as the other files expect it: no extra connection, one net-net CHILD_SA.
  const s = await Session.connect({ uri: lab.uris.moon, timeoutMs: 20_000 });
  try {
    if ((await s.getConns()).includes('branch-office')) {
      await s.unloadConn({ name: 'branch-office' });
    }
    const [netNet] = await s.listSas({ ike: 'net-net' }).collect();
    const extra = (netNet?.children ?? []).slice(0, -1);
    for (const c of extra) await s.terminate({ 'child-id': c.uniqueid, timeout: 5000 }).collect();
  } finally {
    await s.close();
  }
});

describe('README library examples', () => {
  it('run as written against a real daemon and print what they promise', () => {
    const blocks = libraryExamples();
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    // The first block connects to the default socket; the rest run on one session.
    writeFileSync(program, asProgram(blocks.slice(1), lab.sockets.moon));
    const run = spawnSync(process.execPath, ['--import', 'tsx', program], {
      cwd: root,
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(run.stderr, run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/^charon 5\.\d+\.\d+ on Linux /m);
    expect(out).toMatch(/^\S+ #\d+ 192\.168\.0\.\d+ \S+\.swantop\.test$/m);
    expect(out).toMatch(/\[IKE\] /); // the initiate's control-log
    expect(out).toMatch(/^ike-rekey /m);
    // registered before the rekey (the example awaits listener.ready): its log lines are seen
    expect(out).toMatch(/^log /m);
    expect(out).toMatch(/^rekey matched 1$/m);
    expect(out).toContain("'branch-office'");
  });

  it('loaded the connection with its children in the order written', async () => {
    const out = await swanctl(lab.sockets.moon, ['--list-conns']);
    const conn = out.slice(out.indexOf('branch-office:'));
    expect(conn.indexOf('10: TUNNEL')).toBeGreaterThan(-1);
    expect(conn.indexOf('10: TUNNEL')).toBeLessThan(conn.indexOf('2: TUNNEL'));
  });
});
