import {Args, Command, Flags} from '@oclif/core'
import {explainFlag} from '../../cli/flags.js'
import {startExplain} from '../../cli/explain.js'
import {seconds} from '../../cli/handlers/end.js'
import {restartPod} from '../../pods/ops.js'

export default class PodRestart extends Command {
  static description = 'Restart a pod: stop it, then start it'
  static strict = false
  static examples = ['<%= config.bin %> pod restart demo']
  static flags = {time: Flags.string({char: 't', default: '10', description: 'seconds to wait before SIGKILL'}), explain: explainFlag}
  static args = {pod: Args.string({required: true, description: 'pod name, id or unique id prefix'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(PodRestart)
    startExplain(flags.explain)
    for (const ref of argv as string[]) this.log((await restartPod(ref, seconds(flags.time))).id)
  }
}
