import {Args, Command} from '@oclif/core'
import {printTable} from '../../cli/output.js'
import {podTop} from '../../pods/ops.js'

export default class PodTop extends Command {
  static description = "List the processes of a pod's running containers (host PIDs, read from /proc)"
  static examples = ['<%= config.bin %> pod top demo']
  static args = {pod: Args.string({required: true, description: 'pod name, id or unique id prefix'})}

  async run(): Promise<void> {
    const {args} = await this.parse(PodTop)
    printTable(['CONTAINER', 'PID', 'COMMAND'], await podTop(args.pod))
  }
}
