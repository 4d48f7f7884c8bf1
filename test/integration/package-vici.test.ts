/*
 * @swantop/vici as a user gets it: its packed tarball installed into a fresh project (npm,
 * offline, from the file), nothing else coming with it; `import { Session }` type-checks
 * under tsc, and README's first library example runs from there against the lab's moon.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labInfo } from './vici-lab.js';

const lab = labInfo();
const root = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'swantop-vici-pack-'));
const project = path.join(work, 'project');

function sh(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
}

/** The first ```ts block of README's library section, as a user would paste it. */
function firstExample(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## The library');
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!block?.[1]) throw new Error("README's library section has no ts example");
  return block[1];
}

let tarball = '';

beforeAll(() => {
  sh('npm', ['pack', '--workspace', 'packages/vici', '--pack-destination', work, '--silent'], root);
  const found = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!found) throw new Error('npm pack --workspace packages/vici left no tarball');
  tarball = path.join(work, found);
  mkdirSync(project);
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'fresh', version: '1.0.0', private: true, type: 'module' }),
  );
  sh('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], project);
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('@swantop/vici in a fresh project', () => {
  it('installs alone: zero runtime dependencies, one package in node_modules', () => {
    const pkg = JSON.parse(
      readFileSync(path.join(project, 'node_modules/@swantop/vici/package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
    expect(
      readdirSync(path.join(project, 'node_modules')).filter((n) => !n.startsWith('.')),
    ).toEqual(['@swantop']);
    // Only the built library: no sources of the app, no tests.
    const files = readdirSync(path.join(project, 'node_modules/@swantop/vici/dist'));
    expect(files).toContain('index.d.ts');
    expect(files.some((f) => /monitor|ui|cli/.test(f))).toBe(false);
  });

  it("README's first example type-checks under tsc and runs against the lab", () => {
    const example = firstExample()
      .replace("from 'swantop/vici'", "from '@swantop/vici'")
      .replace('Session.connect()', `Session.connect({ uri: ${JSON.stringify(lab.uris.moon)} })`);
    expect(example).toContain("from '@swantop/vici'");
    writeFileSync(
      path.join(project, 'index.ts'),
      `${example}\nconsole.log(\`\${daemon} \${version}\`);\n`,
    );
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          outDir: 'out',
          types: ['node'],
        },
        files: ['index.ts'],
      }),
    );
    // A TypeScript user's devDependencies (typescript, @types/node), taken from this checkout
    // rather than the network; the library itself came only from its tarball.
    mkdirSync(path.join(project, 'node_modules/@types'), { recursive: true });
    symlinkSync(
      path.join(root, 'node_modules/@types/node'),
      path.join(project, 'node_modules/@types/node'),
    );
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    sh(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
    const out = sh(process.execPath, ['out/index.js'], project);
    expect(out.trim()).toMatch(/^charon 5\.\d+\.\d+$/);
  });

  it('a type error against the package is caught: the types really resolve', () => {
    writeFileSync(
      path.join(project, 'wrong.ts'),
      "import { Session } from '@swantop/vici';\nconst s: Session = await Session.connect();\nconst n: number = (await s.version()).daemon;\n",
    );
    writeFileSync(
      path.join(project, 'tsconfig.wrong.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        files: ['wrong.ts'],
        compilerOptions: { noEmit: true },
      }),
    );
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    let output = '';
    try {
      sh(process.execPath, [tsc, '-p', 'tsconfig.wrong.json'], project);
    } catch (err) {
      output = String((err as { stdout?: string }).stdout);
    }
    expect(output).toMatch(
      /wrong\.ts.*error TS2322: Type 'string' is not assignable to type 'number'/,
    );
  });
});
