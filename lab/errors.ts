/**
 * Why the lab could not do what was asked, in one line a user can act on. The CLI prints
 * `message` alone (no stack): it should name what failed and where to look (a daemon log).
 */
export class LabError extends Error {
  override name = 'LabError';
}

/** Bad command-line input or environment (not root, unknown flag): exit code 2. */
export class LabUsageError extends LabError {
  override name = 'LabUsageError';
}

/** A strongSwan release whose Debian root could not be fetched or built: exit code 2. */
export class LabFetchError extends LabError {
  override name = 'LabFetchError';
}
