import {Args, Command, Flags} from '@oclif/core'
import {startContainer} from '../containers/lifecycle.js'

export default class Start extends Command {
  static description = 'Start created or stopped containers (same networks, addresses when free, ports, volumes and files)'
  static examples = ['<%= config.bin %> start web', '<%= config.bin %> start -a -i job']
  static strict = false
  static flags = {
    attach: Flags.boolean({char: 'a', description: "attach this terminal to its output and wait for its exit code"}),
    interactive: Flags.boolean({char: 'i', description: "send this terminal's input to it"}),
  }

  static args = {container: Args.string({required: true, description: 'container names or ids'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Start)
    for (const ref of argv as string[]) {
      const {exitCode} = await startContainer(ref, {attach: flags.attach, interactive: flags.interactive})
      if (flags.attach) process.exitCode = exitCode
      else process.stdout.write(ref + '\n')
    }
  }
}
