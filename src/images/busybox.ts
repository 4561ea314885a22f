import {createHash} from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {UserError} from '../errors.js'
import {run} from '../kernel/runner.js'
import type {ImageConfig} from './types.js'
import {sha256File} from './digest.js'

// The built-in `busybox` image: the host's static busybox plus the small recipe in rootfs/busybox/.
// Built the first time `busybox` is resolved and not in the store (see store.ts).

export const BUSYBOX_REF = 'busybox:latest'
const HOST_BUSYBOX = process.env.MINIRUN_BUSYBOX || '/bin/busybox'
// From dist/src/images/busybox.js three levels up is the package root (also from src/images/ under ts-node).
const RECIPE_DIR = fileURLToPath(new URL('../../../rootfs/busybox/', import.meta.url))
const EMPTY_DIRS: Array<[string, number]> = [
  ['bin', 0o755],
  ['etc', 0o755],
  ['proc', 0o555],
  ['sys', 0o555],
  ['dev', 0o755],
  ['var', 0o755],
  ['var/run', 0o755],
  ['root', 0o700],
  ['tmp', 0o1777],
]
export const BUSYBOX_CONFIG: ImageConfig = {
  Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  Cmd: ['sh'],
}

export interface BusyboxRecipe {
  /** 64 hex: sha256 of the binary, the applet list, the recipe files, the tools and the config. */
  id: string
  applets: string[]
  files: Array<{rel: string; content: Buffer}>
  /** static helpers from rootfs/tools/, built by `npm run build` into dist/tools/ (see below) */
  tools: Array<{name: string; content: Buffer}>
}

// busybox has no applet that serves or connects on a unix socket (its nc lacks -U), so the image
// also carries /bin/usock, a tiny static client/server (rootfs/tools/usock.c).
const TOOLS_DIR = fileURLToPath(new URL('../../tools/', import.meta.url))
const IMAGE_TOOLS = ['usock']

async function imageTools(): Promise<Array<{name: string; content: Buffer}>> {
  const out: Array<{name: string; content: Buffer}> = []
  for (const name of IMAGE_TOOLS) {
    const content = await fs.readFile(path.join(TOOLS_DIR, name)).catch(() => undefined)
    if (content) out.push({name, content})
  }
  return out
}

async function recipeFiles(dir: string, prefix = ''): Promise<Array<{rel: string; content: Buffer}>> {
  const out: Array<{rel: string; content: Buffer}> = []
  const entries = await fs.readdir(dir, {withFileTypes: true}).catch(() => {
    throw new UserError(`the busybox recipe directory ${dir} is missing; reinstall minirun`)
  })
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...(await recipeFiles(path.join(dir, e.name), rel)))
    else if (e.isFile() && rel !== 'README.md') out.push({rel, content: await fs.readFile(path.join(dir, e.name))})
  }
  return out
}

/** Read everything the image is made of and derive its id; fails with a hint when busybox is not installed. */
export async function busyboxRecipe(): Promise<BusyboxRecipe> {
  try {
    const st = await fs.stat(HOST_BUSYBOX)
    if (!st.isFile()) throw new Error('not a file')
  } catch {
    throw new UserError(`${HOST_BUSYBOX} not found: the built-in busybox image needs the host's static busybox; install it with 'apt-get install busybox-static'`)
  }
  const listed = await run([HOST_BUSYBOX, '--list'], {quiet: true, why: 'list busybox applets'})
  const applets = listed.stdout
    .split('\n')
    .map((a) => a.trim())
    .filter((a) => /^[\w.[-]+$/.test(a) && a !== 'busybox')
  const files = await recipeFiles(RECIPE_DIR)
  const tools = await imageTools()
  const hash = createHash('sha256')
  hash.update(`busybox ${await sha256File(HOST_BUSYBOX)}\n`)
  hash.update(`applets ${applets.join(' ')}\n`)
  for (const f of files) hash.update(`file ${f.rel} ${createHash('sha256').update(f.content).digest('hex')}\n`)
  for (const t of tools) hash.update(`tool ${t.name} ${createHash('sha256').update(t.content).digest('hex')}\n`)
  hash.update(`dirs ${JSON.stringify(EMPTY_DIRS)}\nconfig ${JSON.stringify(BUSYBOX_CONFIG)}\n`)
  return {id: hash.digest('hex'), applets, files, tools}
}

/** Build the busybox root filesystem into `rootfs` (a fresh, empty directory in the store's tmp). */
export async function buildBusyboxRootfs(rootfs: string, recipe: BusyboxRecipe): Promise<void> {
  await fs.mkdir(rootfs, {recursive: true, mode: 0o755})
  for (const [dir, mode] of EMPTY_DIRS) {
    await fs.mkdir(path.join(rootfs, dir), {recursive: true})
    await fs.chmod(path.join(rootfs, dir), mode) // explicit: mkdir's mode is filtered by the umask
  }
  const bin = path.join(rootfs, 'bin', 'busybox')
  await fs.copyFile(HOST_BUSYBOX, bin)
  await fs.chmod(bin, 0o755)
  for (const applet of recipe.applets) {
    await fs.symlink('busybox', path.join(rootfs, 'bin', applet)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    })
  }
  for (const t of recipe.tools) await fs.writeFile(path.join(rootfs, 'bin', t.name), t.content, {mode: 0o755})
  for (const f of recipe.files) {
    const dest = path.join(rootfs, f.rel)
    await fs.mkdir(path.dirname(dest), {recursive: true})
    await fs.writeFile(dest, f.content, {mode: 0o644})
  }
}
