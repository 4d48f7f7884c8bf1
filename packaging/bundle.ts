/**
 * The app as one ES module for the packages: source/cli.tsx with Ink, React, meow and the
 * VICI library inlined. One file starts faster than dist/ plus node_modules (one read and
 * parse instead of about 150 module resolutions) and is what a single executable needs.
 *
 * ES module, not CommonJS: yoga-layout (Ink's layout engine) loads its WebAssembly with a
 * top-level await, which a CommonJS bundle cannot hold.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build, type Plugin } from 'esbuild';

export interface BundleResult {
  /** The bundle's path. */
  file: string;
  /** Licence texts of everything inlined, as esbuild collected them. */
  legal: string;
}

/**
 * Ink imports react-devtools-core only when DEV=true. Nothing of it belongs on a gateway, so
 * it is replaced by a module that says so instead of being left as an import that fails.
 */
const noDevtools: Plugin = {
  name: 'no-react-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({
      path: 'react-devtools-core',
      namespace: 'swantop-stub',
    }));
    b.onLoad({ filter: /.*/, namespace: 'swantop-stub' }, () => ({
      contents:
        'throw new Error("React DevTools (DEV=true) are not part of the swantop package; run it from a checkout for that");',
      loader: 'js',
    }));
  },
};

/**
 * source/ui/host/ink-internals.ts loads Ink's own files (its reconciler, DOM, <App>, renderer
 * and yoga-layout) by path at run time, since Ink's exports map hides them. A bundle has no
 * node_modules to find them in, and loading a second copy of Ink would break its React
 * contexts anyway; so the bundle gets a module with static imports of the very files the
 * bundled Ink is made of, resolved here. The build fails, naming the export, should
 * ink-internals.ts come to export a value this does not provide.
 */
const inkInternals: Plugin = {
  name: 'ink-internals',
  setup(b) {
    b.onLoad({ filter: /[\\/]ui[\\/]host[\\/]ink-internals\.ts$/ }, (args) => {
      const original = readFileSync(args.path, 'utf8');
      const inkBuild = dirname(createRequire(args.path).resolve('ink'));
      const yoga = createRequire(join(inkBuild, 'ink.js')).resolve('yoga-layout');
      const from = (file: string) => JSON.stringify(join(inkBuild, file));
      const provided: Record<string, string> = {
        reconciler: `export { default as reconciler } from ${from('reconciler.js')};`,
        createNode: `export { createNode } from ${from('dom.js')};`,
        InkApp: `export { default as InkApp } from ${from('components/App.js')};`,
        inkRenderer: `export { default as inkRenderer } from ${from('renderer.js')};`,
        Yoga: `export { default as Yoga } from ${JSON.stringify(yoga)};`,
      };
      const wanted = [...original.matchAll(/^export (?:const|let|function|class) (\w+)/gm)].map(
        (m) => m[1]!,
      );
      const missing = wanted.filter((n) => !(n in provided));
      if (missing.length > 0) {
        return {
          errors: [
            {
              text: `ink-internals.ts exports ${missing.join(', ')}, which packaging/bundle.ts does not provide to the bundle`,
            },
          ],
        };
      }
      return {
        contents: wanted.map((n) => provided[n]).join('\n'),
        loader: 'js',
        resolveDir: inkBuild,
      };
    });
  },
};

export async function bundle(outfile: string): Promise<BundleResult> {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
    description: string;
  };
  const identity = { name: pkg.name, version: pkg.version, description: pkg.description };
  await build({
    entryPoints: [new URL('../source/cli.tsx', import.meta.url).pathname],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // Some of the inlined packages are CommonJS and call require() for Node's built-ins.
    banner: {
      js: "import { createRequire as swantopCreateRequire } from 'node:module'; const require = swantopCreateRequire(import.meta.url);",
    },
    define: {
      SWANTOP_PACKAGE: JSON.stringify(identity),
      // The packaged app is always the production build of React: the development build
      // checks and warns on every render. cli.tsx sets the same at run time; defining it here
      // also drops the development build from the file.
      'process.env.NODE_ENV': '"production"',
    },
    // cli.tsx's own `process.env.NODE_ENV ??= ...` is what the define above makes redundant.
    logOverride: { 'assign-to-define': 'silent' },
    legalComments: 'external',
    plugins: [noDevtools, inkInternals],
    logLevel: 'warning',
  });
  return {
    file: outfile,
    legal: readFileSync(outfile.replace(/\.mjs$/, '.mjs.LEGAL.txt'), 'utf8'),
  };
}
