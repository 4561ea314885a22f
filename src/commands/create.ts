import {Args, Command} from '@oclif/core'
import {splitAtPositional} from '../cli/argv.js'
import {create} from '../cli/handlers/run.js'
import Run from './run.js'

export default class Create extends Command {
  static description = 'Create a container without starting it (start it with minirun start)'
  static examples = ['<%= config.bin %> create --name web -p 18080:80 busybox httpd -f -p 80 -h /www\n<%= config.bin %> start web']
  static flags = (({detach: _d, ...rest}) => rest)(Run.flags)
  static args = {
    image: Args.string({required: true, description: 'image name[:tag] (busybox is built in)'}),
    command: Args.string({description: 'command and its arguments (everything after the image)'}),
  }

  async run(): Promise<void> {
    const split = splitAtPositional(this.argv, Create.flags as never)
    const {flags} = await this.parse(Create, split.positional === undefined ? split.own : [...split.own, '--', split.positional])
    await create(split.positional!, split.rest, flags)
  }
}
