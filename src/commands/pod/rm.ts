import {Args, Command, Flags} from '@oclif/core'
import {explainFlag} from '../../cli/flags.js'
import {startExplain} from '../../cli/explain.js'
import {removePod} from '../../pods/pods.js'
import {findPod} from '../../pods/records.js'

export default class PodRm extends Command {
  static description = 'Remove pods with their members and pause container'
  static strict = false
  static examples = ['<%= config.bin %> pod rm -f demo']
  static flags = {force: Flags.boolean({char: 'f', description: 'remove running members too'}), explain: explainFlag}
  static args = {name: Args.string({required: true})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(PodRm)
    startExplain(flags.explain)
    for (const ref of argv as string[]) {
      // as `rm -f`: a pod that does not exist is reported, not a failure
      if (flags.force && !(await podExists(ref))) {
        process.stderr.write(`Error: no such pod: ${ref}\n`)
        continue
      }
      this.log((await removePod(ref, flags.force)).id)
    }
  }
}

async function podExists(ref: string): Promise<boolean> {
  return findPod(ref).then(
    () => true,
    (error: Error) => !/^no such pod/.test(error.message),
  )
}
