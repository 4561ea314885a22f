import {Command, Flags} from '@oclif/core'
import {prune} from '../../cli/handlers/prune.js'

export default class ContainerPrune extends Command {
  static description = 'Remove all stopped containers (and kernel state a crash left behind). Asks first unless -f.'
  static examples = ['<%= config.bin %> container prune -f']
  static flags = {force: Flags.boolean({char: 'f', description: 'do not ask for confirmation'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(ContainerPrune)
    await prune('container prune', ['containers'], flags)
  }
}
