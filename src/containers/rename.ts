import {UserError} from '../errors.js'
import {validateName} from '../util/names.js'
import {withLock} from '../state/lock.js'
import {refreshHosts, writeEtcFiles} from './etc.js'
import {findContainer} from './find.js'
import {claimName, nameOwner, releaseName} from './name-index.js'
import {readRecord, writeRecord} from './record.js'

/** `rename OLD NEW`: the name index, the record, and the name others resolve it by. */
export async function renameContainer(ref: string, name: string): Promise<void> {
  validateName('container', name)
  const found = await findContainer(ref)
  if (found.name === name) throw new UserError(`container ${name} already has that name`)
  const rec = await withLock(async () => {
    if (!(await claimName(name, found.id))) {
      const other = (await nameOwner(name)) ?? ''
      throw new UserError(`the container name "${name}" is already in use by container ${other.slice(0, 12)}; choose another name`)
    }
    const rec = (await readRecord(found.id)) ?? found
    const old = rec.name
    rec.name = name
    // the old name stops resolving, the new one starts, as Docker's DNS does
    for (const att of Object.values(rec.networks)) att.aliases = att.aliases.map((a) => (a === old ? name : a))
    for (const ep of rec.hostConfig.endpoints ?? []) ep.aliases = ep.aliases.map((a) => (a === old ? name : a))
    await writeRecord(rec)
    await releaseName(old, rec.id)
    return rec
  })
  if (rec.state.status === 'running') {
    await writeEtcFiles(rec)
    await refreshHosts(Object.keys(rec.networks))
  }
}
