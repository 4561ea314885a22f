import {UserError} from '../../errors.js'
import {confirm} from '../confirm.js'
import {startExplain} from '../explain.js'

// system / container / network / image prune: Docker's warning and [y/N] question unless -f,
// then each kind removed in turn, reported under Docker's headings.

export type What = 'containers' | 'networks' | 'images' | 'all-images' | 'volumes' | 'all-volumes'

const WARN: Record<What, string> = {
  containers: 'all stopped containers',
  networks: 'all networks not used by at least one container',
  images: 'all dangling images',
  'all-images': 'all images without at least one container associated to them',
  volumes: 'anonymous local volumes not used by at least one container',
  'all-volumes': 'all local volumes not used by at least one container',
}

export async function prune(command: string, what: What[], flags: {force?: boolean; explain?: boolean}): Promise<void> {
  if (!flags.force) {
    const list = what.length === 1 ? ` ${WARN[what[0]]}.` : `:\n${what.map((w) => `  - ${WARN[w]}\n`).join('')}`
    process.stdout.write(`WARNING! This will remove${list}\n`)
    if (!(await confirm('Are you sure you want to continue?'))) throw new UserError(`${command} has been cancelled; answer y, or pass -f to prune without asking`)
  }
  startExplain(flags.explain)
  const sections: Array<[string, string[]]> = []
  if (what.includes('containers')) {
    const {prune: pruneContainers} = await import('../../containers/prune.js')
    const report = await pruneContainers()
    sections.push(['Deleted Containers:', report.containers], ['Removed orphaned kernel state:', report.orphans.map((o) => `  ${o}`)])
  }
  if (what.includes('networks')) {
    const {networksInUse} = await import('../../containers/network-view.js')
    sections.push(['Deleted Networks:', await (await import('../../networks/prune.js')).pruneNetworks(await networksInUse())])
  }
  if (what.includes('images') || what.includes('all-images')) sections.push(['Deleted Images:', await (await import('../../images/prune.js')).pruneImages(what.includes('all-images'))])
  if (what.includes('volumes') || what.includes('all-volumes')) sections.push(['Deleted Volumes:', await (await import('../../volumes/store.js')).pruneVolumes(what.includes('all-volumes'))])
  const shown = sections.filter(([, lines]) => lines.length > 0)
  process.stdout.write(shown.length === 0 ? 'Nothing to prune\n' : shown.map(([head, lines]) => `${head}\n${lines.join('\n')}\n`).join('\n'))
}
