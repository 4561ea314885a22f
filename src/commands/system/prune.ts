import {Command, Flags} from '@oclif/core'
import {explainFlag} from '../../cli/flags.js'
import {prune} from '../../cli/handlers/prune.js'

export default class SystemPrune extends Command {
  static description = `Remove stopped containers, networks no container uses, dangling images (-a: every unused image),
and any kernel state a crash left behind (veths, netns, mounts, DNAT entries, IP leases). Asks first unless -f.`
  static examples = ['<%= config.bin %> system prune -f', '<%= config.bin %> system prune -af', 'echo y | <%= config.bin %> system prune']
  static flags = {
    force: Flags.boolean({char: 'f', description: 'do not ask for confirmation'}),
    all: Flags.boolean({char: 'a', description: 'remove every image no container uses, not only dangling ones'}),
    volumes: Flags.boolean({description: 'accepted for Docker compatibility (minirun has no volumes to prune)'}),
    explain: explainFlag,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(SystemPrune)
    await prune('system prune', ['containers', 'networks', flags.all ? 'all-images' : 'images'], flags)
  }
}
