/** `npm run lab:up [-- --clients N]`: start the developer lab (tearing down an earlier one). */
import { exitWithError, ignoreClosedOutput, parseUpArgs } from './args.js';
import { startLab } from './lab.js';
import { printLab } from './report.js';

ignoreClosedOutput();
try {
  const { clients, strongswan } = parseUpArgs(process.argv.slice(2));
  const started = Date.now();
  const lab = await startLab({
    clients,
    strongswan,
    traffic: true,
    log: (line) => process.stdout.write(`lab: ${line}\n`),
  });
  printLab(lab, Date.now() - started);
} catch (e) {
  exitWithError(e);
}
