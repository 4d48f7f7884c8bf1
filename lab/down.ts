/** `npm run lab:down`: stop the developer lab's daemons and delete its namespaces (safe to repeat). */
import { exitWithError, ignoreClosedOutput, parseNoArgs } from './args.js';
import { labEnv, stopLab } from './lab.js';

ignoreClosedOutput();
try {
  parseNoArgs(process.argv.slice(2));
  const loc = labEnv();
  const { removed } = await stopLab(loc);
  process.stdout.write(
    removed.length > 0
      ? `lab: stopped; deleted namespaces ${removed.join(' ')}\n`
      : `lab: nothing to stop (no ${loc.prefix}-* namespaces)\n`,
  );
} catch (e) {
  exitWithError(e);
}
