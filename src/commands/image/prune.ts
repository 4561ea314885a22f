import {Command, Flags} from '@oclif/core'
import {prune} from '../../cli/handlers/prune.js'

export default class ImagePrune extends Command {
  static description = 'Remove dangling images (no tag left), or with -a every image no container uses. Asks first unless -f.'
  static examples = ['<%= config.bin %> image prune -f', '<%= config.bin %> image prune -af']
  static flags = {
    force: Flags.boolean({char: 'f', description: 'do not ask for confirmation'}),
    all: Flags.boolean({char: 'a', description: 'every unused image, not only dangling ones'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ImagePrune)
    await prune('image prune', [flags.all ? 'all-images' : 'images'], flags)
  }
}
