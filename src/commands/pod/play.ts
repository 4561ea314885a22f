import {Args, Command, Flags} from '@oclif/core'
import {explainFlag} from '../../cli/flags.js'
import {startExplain} from '../../cli/explain.js'
import {downPods, playPods, readManifest} from '../../pods/play.js'

export default class PodPlay extends Command {
  static description = 'Run the Pods of a Kubernetes v1 manifest (containers, command/args, env, ports, hostPath and emptyDir volumes, restartPolicy); - reads standard input'
  static examples = [
    '<%= config.bin %> pod play examples/pod.yaml',
    '<%= config.bin %> pod generate kube demo | <%= config.bin %> pod play --replace -',
    '<%= config.bin %> pod play --down examples/pod.yaml',
  ]
  static flags = {
    replace: Flags.boolean({description: 'remove the Pods of the same names first'}),
    down: Flags.boolean({description: 'remove the Pods this manifest made instead'}),
    explain: explainFlag,
  }
  static args = {file: Args.string({required: true, description: 'manifest file, or - for standard input'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PodPlay)
    startExplain(flags.explain)
    const warn = (m: string) => process.stderr.write(m + '\n')
    const text = await readManifest(args.file)
    if (flags.down) {
      const removed = await downPods(text, warn)
      this.log(`Pods removed:\n${removed.map((p) => p.id).join('\n')}`)
      return
    }
    for (const {pod, containers} of await playPods(text, {replace: flags.replace, warn})) this.log(`Pod:\n${pod.id}\nContainers:\n${containers.join('\n')}`)
  }
}
