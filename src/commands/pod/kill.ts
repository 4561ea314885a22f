import {Args, Command, Flags} from '@oclif/core'
import {killPod} from '../../pods/ops.js'

export default class PodKill extends Command {
  static description = "Send a signal to every running container of a pod, members first (default SIGKILL)"
  static strict = false
  static examples = ['<%= config.bin %> pod kill demo', '<%= config.bin %> pod kill -s TERM demo']
  static flags = {signal: Flags.string({char: 's', default: 'KILL', description: 'signal name or number'})}
  static args = {pod: Args.string({required: true, description: 'pod name, id or unique id prefix'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(PodKill)
    for (const ref of argv as string[]) this.log((await killPod(ref, flags.signal)).id)
  }
}
