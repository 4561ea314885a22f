import {Command} from '@oclif/core'
import {explainFlag} from '../../cli/flags.js'
import {startExplain} from '../../cli/explain.js'
import {prune} from '../../containers/prune.js'

export default class SystemPrune extends Command {
  static description = 'Remove stopped containers and any kernel state a crash left behind (veths, netns, mounts, DNAT entries, IP leases)'
  static examples = ['<%= config.bin %> system prune']
  static flags = {explain: explainFlag}

  async run(): Promise<void> {
    const {flags} = await this.parse(SystemPrune)
    startExplain(flags.explain)
    const report = await prune()
    if (report.containers.length > 0) {
      this.log('Deleted Containers:')
      for (const id of report.containers) this.log(id)
    }
    if (report.orphans.length > 0) {
      this.log('Removed orphaned kernel state:')
      for (const o of report.orphans) this.log(`  ${o}`)
    }
    if (report.containers.length === 0 && report.orphans.length === 0) this.log('Nothing to prune')
  }
}
