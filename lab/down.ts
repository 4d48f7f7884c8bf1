/**
 * `npm run lab:down [-- --purge]`: stop the developer lab's daemons and delete its namespaces
 * (safe to repeat). The lab dir (logs, configs, the lab CA's private key) stays for a
 * post-mortem unless --purge is given.
 */
import { exitWithError, ignoreClosedOutput, parseDownArgs } from './args.js';
import { labEnv, purgeLab, stopLab } from './lab.js';

ignoreClosedOutput();
try {
  const { purge } = parseDownArgs(process.argv.slice(2));
  const loc = labEnv();
  const { removed } = await stopLab(loc);
  process.stdout.write(
    removed.length > 0
      ? `lab: stopped; deleted namespaces ${removed.join(' ')}\n`
      : `lab: nothing to stop (no ${loc.prefix}-* namespaces)\n`,
  );
  if (purge) {
    const gone = await purgeLab(loc);
    process.stdout.write(gone ? `lab: removed ${loc.dir}\n` : `lab: no lab dir at ${loc.dir}\n`);
  } else {
    process.stdout.write(
      `lab: kept ${loc.dir} (logs, configs, the lab CA's key); remove it with: npm run lab:down -- --purge\n`,
    );
  }
} catch (e) {
  exitWithError(e);
}
