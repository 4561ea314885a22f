#!/bin/bash
# The fast path (src/cli/fast.ts) as one CommonJS bundle, which bin/run.js runs with a V8 code
# cache (src/cli/code-cache.ts, bundled as loader.cjs), and the CNI plugin as another. Neither
# loads oclif, and the entry files are CommonJS too (bin/package.json): no ES module loader starts.
set -euo pipefail
esbuild=node_modules/.bin/esbuild
# ("use strict" first: the ES modules they are made from were strict code, and esbuild's own comes
# after the banner, where it is no directive)
common=(--bundle --platform=node --packages=external --log-level=warning --format=cjs
  --define:import.meta.url=__import_meta_url
  --banner:js="\"use strict\"; var __import_meta_url = require('node:url').pathToFileURL(__filename).href;")
"$esbuild" dist/src/cli/fast.js "${common[@]}" --outfile=dist/src/fast/fast.cjs
"$esbuild" dist/src/cli/code-cache.js "${common[@]}" --outfile=dist/src/fast/loader.cjs
"$esbuild" dist/src/cni-plugin/plugin.js "${common[@]}" --outfile=dist/src/fast/plugin.cjs
# import() inside a vm.Script goes to Node's default loader, not the bundle: there must be none
if grep -n '\bimport(' dist/src/fast/fast.cjs >&2; then
  echo 'build-fast: dist/src/fast/fast.cjs calls import(); make it a static import' >&2
  exit 1
fi
# ASCII only (esbuild escapes strings; comments it keeps are copied): bin/run.js reads the bundle as
# latin1, a one-byte string, which one non-ASCII character would make a two-byte one (twice the
# memory, 1 ms more to read and to hash at every start)
if LC_ALL=C grep -nP '[^\x00-\x7F]' dist/src/fast/fast.cjs >&2; then
  echo 'build-fast: dist/src/fast/fast.cjs has a non-ASCII character (above); write it as ASCII' >&2
  exit 1
fi
mkdir -p dist/src/fast/cache
