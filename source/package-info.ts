import { readFileSync } from 'node:fs';

/**
 * package.json's name, version and description, when a bundler has put them into the code.
 * meow reads them from the package.json nearest the module, which dist/ has but a bundle does
 * not: the single executable has no file beside it at all. packaging/bundle.ts defines
 * SWANTOP_PACKAGE; under tsc it is never defined and meow reads package.json as before.
 */
declare const SWANTOP_PACKAGE: { name: string; version: string; description: string } | undefined;

export function bundledPackage(): { pkg?: { name: string; version: string; description: string } } {
  return typeof SWANTOP_PACKAGE === 'undefined' ? {} : { pkg: SWANTOP_PACKAGE };
}

/** swantop's version: the bundle's, or package.json's (one level above source/ and dist/). */
export function packageVersion(): string {
  const bundled = bundledPackage().pkg?.version;
  if (bundled) return bundled;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
