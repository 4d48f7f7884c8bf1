/*
 * The .deb as a gateway gets it: `npm run package` (quick compression), installed with dpkg
 * into a fresh Debian 12 root that has no Node (mmdebstrap, cached), and tried from inside it
 * as a new user would: --version, --once --json against the lab's moon, the full-screen app in
 * a real terminal (tmux) until net-net shows ESTABLISHED and `q` quits, the man page and the
 * bash completion. Then `dpkg -r`, and nothing of it may be left. The tarball and the single
 * executable run in the same root.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildResult, buildPackage } from '../../packaging/build.js';
import {
  type Bind,
  inRoot,
  inRootArgv,
  inRootCommand,
  unpackDebianRoot,
} from '../../packaging/debian-root.js';
import { FLAGS, STANDARD_FLAGS } from '../../source/help.js';
import { labInfo } from './vici-lab.js';

const lab = labInfo();
const repo = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'swantop-deb-'));
const root = path.join(work, 'root');
const LAB = '/run/lab';
const binds: Bind[] = [{ from: lab.dir, to: LAB }];
const moon = `unix://${LAB}/${path.basename(lab.sockets.moon)}`;
const TMUX = ['-L', `package-deb-${process.pid}`];
const version = (
  JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }
).version;

let built: BuildResult;
let before: string[];

/** Every path in the root outside the pseudo file systems and what dpkg itself keeps. */
function listing(): string[] {
  const out = execFileSync(
    'find',
    [
      root,
      '-xdev',
      '(',
      '-path',
      `${root}/proc`,
      '-o',
      '-path',
      `${root}/dev`,
      '-o',
      '-path',
      `${root}/sys`,
      ')',
      '-prune',
      '-o',
      '-print',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((p) => p.slice(root.length) || '/')
    .filter((p) => p !== '/var/log/dpkg.log' && !p.startsWith(LAB))
    .sort();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tmux(...args: string[]): string {
  return execFileSync('tmux', [...TMUX, ...args], { encoding: 'utf8', timeout: 10_000 });
}

beforeAll(async () => {
  built = await buildPackage({ out: path.join(work, 'out'), sea: true, fast: true, log: () => {} });
  unpackDebianRoot(root, (l) => process.stderr.write(`${l}\n`));
  before = listing();
  copyFileSync(built.deb, path.join(root, 'tmp', path.basename(built.deb)));
}, 600_000);

afterAll(() => {
  spawnSync('tmux', [...TMUX, 'kill-server']);
  rmSync(work, { recursive: true, force: true });
});

describe('swantop .deb on a fresh Debian 12 without Node', () => {
  it('the root has no Node, and dpkg installs the package with what the base system has', () => {
    expect(inRoot(root, ['sh', '-c', 'command -v node nodejs npm || echo none']).trim()).toBe(
      'none',
    );
    const out = inRoot(root, ['dpkg', '-i', `/tmp/${path.basename(built.deb)}`], binds, 120_000);
    expect(out).toContain('Setting up swantop');
    expect(
      inRoot(root, ['sh', '-c', 'command -v swantop; command -v node || echo no-node']).trim(),
    ).toBe('/usr/bin/swantop\nno-node');
  });

  it('swantop --version', () => {
    expect(inRoot(root, ['swantop', '--version']).trim()).toBe(version);
  });

  it("swantop --once --json against the lab's moon", () => {
    const snapshot = JSON.parse(
      inRoot(root, ['swantop', '--once', '--json', '--uri', moon], binds),
    ) as {
      ikeSas: { name: string; state: string }[];
    };
    expect(snapshot.ikeSas.find((s) => s.name === 'net-net')?.state).toBe('ESTABLISHED');
  });

  it('the full-screen app in a terminal shows net-net ESTABLISHED, and q quits it', async () => {
    const command = inRootCommand(root, ['swantop', '--uri', moon], binds, {
      TERM: 'xterm-256color',
    });
    tmux(
      'new-session',
      '-d',
      '-x',
      '120',
      '-y',
      '30',
      `${command}; echo "swantop exited $?"; sleep 600`,
    );
    let screen = '';
    const deadline = Date.now() + 30_000;
    while (!/net-net\s+\[?\d+\]?\s+ESTABLISHED/.test(screen) && Date.now() < deadline) {
      await sleep(200);
      screen = tmux('capture-pane', '-p');
    }
    expect(screen, screen).toMatch(/net-net\s+\[?\d+\]?\s+ESTABLISHED/);
    tmux('send-keys', 'q');
    const quitBy = Date.now() + 10_000;
    while (!screen.includes('swantop exited') && Date.now() < quitBy) {
      await sleep(200);
      screen = tmux('capture-pane', '-p');
    }
    expect(screen, screen).toContain('swantop exited 0');
  });

  it('the man page renders, with every flag of --help', () => {
    const page = path.join(root, 'usr/share/man/man1/swantop.1.gz');
    const r = spawnSync('man', ['--warnings', '-l', page], {
      encoding: 'utf8',
      env: { ...process.env, MANWIDTH: '100', MANPAGER: 'cat', PAGER: 'cat' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^SWANTOP\(1\)/);
    for (const { flag } of [...FLAGS, ...STANDARD_FLAGS]) expect(r.stdout).toContain(flag);
    // `man ./swantop.1`, as the README says, from the build's own copy.
    const local = spawnSync('man', ['./swantop.1'], {
      cwd: path.dirname(built.man),
      encoding: 'utf8',
      env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat' },
    });
    expect(local.stdout).toContain('swantop - a live terminal monitor');
  });

  it('bash completion offers the flags', () => {
    const reply = 'echo "$' + '{COMPREPLY[*]}"'; // bash's own expansion, not a template
    const script = [
      'source /usr/share/bash-completion/completions/swantop',
      'complete -p swantop',
      `COMP_WORDS=(swantop --); COMP_CWORD=1; _swantop; ${reply}`,
      `COMP_WORDS=(swantop --re); COMP_CWORD=1; _swantop; ${reply}`,
    ].join('\n');
    const [registered, all, partial] = inRoot(root, ['bash', '-c', script]).trim().split('\n');
    expect(registered).toBe('complete -F _swantop swantop');
    expect(all?.split(' ').sort()).toEqual([...FLAGS, ...STANDARD_FLAGS].map((f) => f.flag).sort());
    expect(partial).toBe('--read-only');
  });

  it('the exporter unit is installed disabled, and only once swantop has --exporter', () => {
    const unit = path.join(root, 'usr/lib/systemd/system/swantop-exporter.service');
    expect(existsSync(unit)).toBe(built.unit);
    expect(built.unit).toBe(FLAGS.some((f) => f.flag === '--exporter'));
    const wants = path.join(root, 'etc/systemd/system');
    const enabled = existsSync(wants)
      ? readdirSync(wants, { recursive: true }).filter((f) => String(f).includes('swantop'))
      : [];
    expect(enabled).toEqual([]);
  });

  it("the exporter unit's command serves metrics from the installed package", async () => {
    if (!built.unit) return expect(FLAGS.some((f) => f.flag === '--exporter')).toBe(false);
    const unit = readFileSync(
      path.join(root, 'usr/lib/systemd/system/swantop-exporter.service'),
      'utf8',
    );
    const exec = /^ExecStart=(.+)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
    expect(exec.slice(0, 2)).toEqual(['/usr/bin/swantop', '--exporter']);
    // The unit's own command line, on a free port of this machine and the lab's moon.
    const port = String(19_000 + (process.pid % 1000));
    const command = [...exec.slice(0, 2), `127.0.0.1:${port}`, ...exec.slice(3), '--uri', moon];
    const [cmd, ...args] = inRootArgv(root, command, binds);
    // A process group of its own: unshare ignores SIGTERM while it waits, the exporter does not.
    const child = spawn(cmd!, args, { stdio: 'ignore', detached: true });
    try {
      let metrics = '';
      const deadline = Date.now() + 20_000;
      while (!/^strongswan_up 1$/m.test(metrics) && Date.now() < deadline) {
        await sleep(300);
        metrics = await fetch(`http://127.0.0.1:${port}/metrics`)
          .then((r) => r.text())
          .catch(() => '');
      }
      expect(metrics).toMatch(/^strongswan_up 1$/m);
      expect(metrics).toContain(`swantop_build_info{version="${version}"} 1`);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  });

  it('the tarball runs there too, unpacked anywhere', () => {
    const opt = path.join(root, 'opt');
    execFileSync('tar', ['-xzf', built.tarball, '-C', opt]);
    try {
      expect(inRoot(root, [`/opt/swantop-${version}/bin/swantop`, '--version']).trim()).toBe(
        version,
      );
    } finally {
      rmSync(path.join(opt, `swantop-${version}`), { recursive: true, force: true });
    }
  });

  it('the single executable runs where libatomic1 is (Node 26 links it; the base system lacks it)', () => {
    // Reproducible: nothing of the build's own directory is recorded in it.
    expect(readFileSync(built.sea!).includes(path.join(work, 'out'))).toBe(false);
    const needed = execFileSync('readelf', ['-d', built.sea!], { encoding: 'utf8' });
    expect(needed).toContain('libatomic.so.1');
    // So on this machine, which has it, not in the bare root.
    expect(execFileSync(built.sea!, ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
    const snapshot = JSON.parse(
      execFileSync(built.sea!, ['--once', '--json', '--uri', lab.uris.moon], { encoding: 'utf8' }),
    ) as { ikeSas: { name: string; state: string }[] };
    expect(snapshot.ikeSas.some((s) => s.name === 'net-net')).toBe(true);
  });

  it('dpkg -r removes every file it put there', () => {
    inRoot(root, ['dpkg', '-r', 'swantop'], [], 60_000);
    expect(
      inRoot(root, ['sh', '-c', 'dpkg -l swantop 2>/dev/null | grep ^ii || echo gone']).trim(),
    ).toBe('gone');
    rmSync(path.join(root, 'tmp', path.basename(built.deb)));
    const after = listing();
    expect(after.filter((p) => !before.includes(p))).toEqual([]);
    expect(before.filter((p) => !after.includes(p))).toEqual([]);
  });
});
