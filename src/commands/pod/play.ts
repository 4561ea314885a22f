import {Args, Command, Flags} from '@oclif/core'
import {explainFlag} from '../../cli/flags.js'
import {startExplain} from '../../cli/explain.js'
import {playPod} from '../../pods/play.js'

export default class PodPlay extends Command {
  static description = 'Run a Kubernetes v1 Pod manifest (containers, command/args, env, hostPort, hostPath and emptyDir volumes)'
  static examples = ['<%= config.bin %> pod play examples/pod.yaml']
  static flags = {explain: explainFlag}
  static args = {file: Args.string({required: true})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PodPlay)
    startExplain(flags.explain)
    const {pod, containers} = await playPod(args.file, (m) => process.stderr.write(m + '\n'))
    this.log(`Pod:\n${pod.id}\nContainers:\n${containers.join('\n')}`)
  }
}
