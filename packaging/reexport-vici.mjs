// After `tsc -p tsconfig.build.json`: dist/vici/ holds the app's own compiled copy of the
// library. Each of its modules becomes a re-export of the @swantop/vici package instead, so
// the app, `swantop/vici` and any user of either share one copy of the library (one Session
// class, one ViciError for instanceof) and the app really runs on the package it depends on.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('../dist/vici/', import.meta.url).pathname;
const SHIM =
  "// Re-exports the @swantop/vici package (see packaging/reexport-vici.mjs).\nexport * from '@swantop/vici';\n";
for (const name of readdirSync(dir)) {
  const path = join(dir, name);
  if (name.endsWith('.js') || name.endsWith('.d.ts')) writeFileSync(path, SHIM);
  else if (name.endsWith('.map')) rmSync(path);
}
