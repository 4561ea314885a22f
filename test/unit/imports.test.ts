import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

// The layering, checked on the source: the network wing never reaches up into containers/,
// and the kernel layer imports nothing above it.

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url))

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []))
}

/** Every relative module a file imports (static, type-only, re-exports and dynamic import()), as a path under src/. */
export function importsOf(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1])
  return specs.filter((s) => s.startsWith('.')).map((s) => path.relative(SRC, path.resolve(path.dirname(file), s)))
}

function violations(layer: string, forbidden: string[]): string[] {
  return tsFiles(path.join(SRC, layer)).flatMap((f) =>
    importsOf(f, fs.readFileSync(f, 'utf8'))
      .filter((target) => forbidden.some((top) => target === top || target.startsWith(top + '/')))
      .map((target) => `${path.relative(SRC, f)} imports ${target}`),
  )
}

test('the scanner sees every kind of import it must judge', (t) => {
  const file = path.join(SRC, 'networks', 'x.ts')
  const text = "import a from '../containers/a.js'\nimport type {B} from '../containers/b.js'\nexport {c} from '../containers/c.js'\nconst d = await import('../containers/d.js')\nimport '../containers/e.js'\nimport fs from 'node:fs'"
  t.deepEqual(importsOf(file, text), ['containers/a.js', 'containers/b.js', 'containers/c.js', 'containers/d.js', 'containers/e.js'])
})

test('no file under src/networks/ imports src/containers/', (t) => {
  t.deepEqual(violations('networks', ['containers']), [])
})

test('src/kernel/ imports nothing from the layers above it', (t) => {
  t.deepEqual(violations('kernel', ['networks', 'containers', 'cli', 'commands', 'pods', 'images', 'volumes', 'diagram', 'cp']), [])
})

test('the CNI plugin (src/cni-plugin/) stands on the network wing alone: no CLI, no container lifecycle', (t) => {
  t.deepEqual(violations('cni-plugin', ['containers', 'cli', 'commands', 'pods', 'images', 'volumes', 'diagram', 'cp']), [])
})
