import {Command, Flags} from '@oclif/core'
import {prune} from '../../cli/handlers/prune.js'

export default class VolumePrune extends Command {
  static description = 'Remove anonymous volumes no container uses (all unused volumes with -a). Asks first unless -f.'
  static examples = ['<%= config.bin %> volume prune -f', '<%= config.bin %> volume prune -af']
  static flags = {
    force: Flags.boolean({char: 'f', description: 'do not ask for confirmation'}),
    all: Flags.boolean({char: 'a', description: 'named volumes too, not only anonymous ones'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(VolumePrune)
    await prune('volume prune', [flags.all ? 'all-volumes' : 'volumes'], flags)
  }
}
