/**
 * `npm run lab` checks root before it builds (tsc as another user on a root-built checkout
 * would print a screen of EACCES errors before the lab could say what is wrong).
 */
import { exitWithError, ignoreClosedOutput } from './args.js';
import { requireRoot } from './lab.js';

ignoreClosedOutput();
try {
  requireRoot();
} catch (e) {
  exitWithError(e);
}
