import {importImage, removeImage} from '../../images/store.js'

// image import and image rm, once their flags are parsed (by oclif or by the fast path,
// cli/fast.ts): an import's time is mostly start-up and the kernel creating files, and loading
// oclif cost as much as unpacking 2000 files.

export async function imageImport(source: string, ref: string): Promise<void> {
  const image = await importImage(source, ref, {progress: true})
  process.stdout.write(image.id + '\n')
}

export async function imageRm(refs: string[], flags: {force?: boolean}): Promise<void> {
  for (const ref of refs) {
    for (const line of await removeImage(ref, {force: flags.force})) process.stdout.write(line + '\n')
  }
}
