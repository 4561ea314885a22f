import {Args, Command, Flags} from '@oclif/core'
import {logs} from '../cli/handlers/show.js'

export default class Logs extends Command {
  static description = "Print a container's output (stdout and stderr of a detached container)"
  static examples = ['<%= config.bin %> logs web', '<%= config.bin %> logs -f web']
  static flags = {follow: Flags.boolean({char: 'f', description: 'keep printing until the container exits'})}
  static args = {container: Args.string({required: true})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Logs)
    await logs(args.container, flags)
  }
}
