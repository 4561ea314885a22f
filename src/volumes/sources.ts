import fs from 'node:fs/promises'
import type {Rollback} from '../kernel/rollback.js'
import type {Bind} from '../containers/record.js'
import {copyUp} from './copy-up.js'
import {ensureBindSource} from './host-dir.js'
import type {MountRequest} from './spec.js'
import {ensureVolume, usersOf, volumeData, volumesDir} from './store.js'

// What `run` / `create` mount, made ready on the host: bind sources exist, volumes exist (made on
// first use) and were copied up from the image when new and empty. Everything made here is
// undone by the rollback when the run fails.

export async function mountSources(mounts: MountRequest[], imageRoot: string, rb: Rollback): Promise<Bind[]> {
  const binds: Bind[] = []
  for (const m of mounts) {
    if (m.type === 'bind') {
      await ensureBindSource(m.source, rb)
      binds.push({hostPath: m.source, containerPath: m.target, readOnly: m.readOnly})
      continue
    }
    const {volume, created} = await ensureVolume(m.name, {anonymous: m.name === undefined})
    const data = volumeData(volume.name)
    if (created) rb.push(`volume ${volume.name}`, () => fs.rm(`${volumesDir()}/${volume.name}`, {recursive: true, force: true}))
    // Only while no running container has it mounted: one could plant symlinks in it meanwhile.
    const running = (await usersOf(volume.name)).some((c) => c.state.status === 'running')
    if (!running) await copyUp(imageRoot, m.target, data)
    binds.push({hostPath: data, containerPath: m.target, readOnly: m.readOnly, volume: volume.name, ...(m.name === undefined ? {anonymous: true} : {})})
  }
  return binds
}
