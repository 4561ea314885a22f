import {Command, Flags} from '@oclif/core'
import {prune} from '../../cli/handlers/prune.js'

export default class NetworkPrune extends Command {
  static description = 'Remove all user-defined networks that no container uses. Asks first unless -f.'
  static examples = ['<%= config.bin %> network prune -f']
  static flags = {force: Flags.boolean({char: 'f', description: 'do not ask for confirmation'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(NetworkPrune)
    await prune('network prune', ['networks'], flags)
  }
}
