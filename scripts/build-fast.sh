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
# Checks of the bundle, in Node (a grep without -P, or one that fails, would pass them silently);
# a bundle that fails one is deleted, so no later step or run uses it.
# - import() inside a vm.Script goes to Node's default loader, not the bundle: there must be none.
# - ASCII only (esbuild escapes strings; comments it keeps are copied): bin/run.js reads the bundle
#   as latin1, a one-byte string, which one non-ASCII character would make a two-byte one (twice
#   the memory, 1 ms more to read and to hash at every start).
node - dist/src/fast/fast.cjs <<'CHECK' || { rm -f dist/src/fast/fast.cjs; exit 1; }
const file = process.argv[2]
const fail = (why) => (console.error(`build-fast: ${why}`), process.exit(1))
const bytes = require('node:fs').readFileSync(file)
const lineOf = (i) => bytes.subarray(0, i).toString('latin1').split('\n').length
const dynamic = /\bimport\(/.exec(bytes.toString('latin1'))
if (dynamic) fail(`${file}:${lineOf(dynamic.index)} calls import(); make it a static import`)
const wide = bytes.findIndex((b) => b > 0x7f)
if (wide >= 0) fail(`${file}:${lineOf(wide)} has a non-ASCII character; write it as ASCII`)
CHECK
mkdir -p dist/src/fast/cache
