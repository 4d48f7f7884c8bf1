/**
 * `npm run lab [-- --clients N]`: bring the developer lab up (or reuse a running one) and run
 * swantop against moon. Quitting swantop leaves the lab running.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { exitWithError, ignoreClosedOutput, parseStrongswan, parseUpArgs } from './args.js';
import { daemonAnswers } from './daemon.js';
import { HOSTS, type LabInfo, labEnv, readLab, startLab, swanctl } from './lab.js';
import { printLab, stopHint } from './report.js';

const CLI = new URL('../dist/cli.js', import.meta.url);

ignoreClosedOutput();
try {
  const { clients, strongswan } = parseUpArgs(process.argv.slice(2));
  const loc = labEnv();
  const running = await readLab(loc);
  const wanted = parseStrongswan(strongswan);
  const sameVersions = (l: LabInfo) => HOSTS.every((h) => l.strongswan?.[h]?.release === wanted[h]);
  let lab =
    running && running.prefix === loc.prefix && clients === 0 && sameVersions(running)
      ? running
      : undefined;
  if (lab && !(await daemonAnswers(lab, 'moon'))) lab = undefined;
  if (lab) {
    process.stdout.write(`lab: already up at ${lab.dir}; reusing it\n`);
  } else {
    const started = Date.now();
    lab = await startLab({
      ...loc,
      clients,
      strongswan,
      traffic: true,
      log: (line) => process.stdout.write(`lab: ${line}\n`),
    });
    printLab(lab, Date.now() - started);
  }
  if (existsSync(CLI)) {
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [CLI.pathname, '--uri', lab.uris.moon], {
        stdio: 'inherit',
      });
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
      child.on('error', () => resolve(1));
    });
    if (code !== 0) process.stdout.write(`lab: swantop exited with code ${code}\n`);
  } else {
    process.stdout.write(
      'lab: dist/cli.js is not built yet; the SAs on moon, as swanctl sees them:\n',
    );
    process.stdout.write(await swanctl(lab.sockets.moon, ['--list-sas']));
  }
  process.stdout.write(`lab: still running; stop it with: ${stopHint(lab)}\n`);
} catch (e) {
  exitWithError(e);
}
