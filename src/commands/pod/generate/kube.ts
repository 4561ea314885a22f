import fs from 'node:fs/promises'
import {Args, Command, Flags} from '@oclif/core'
import {UserError} from '../../../errors.js'
import {generateKube} from '../../../pods/generate.js'

export default class PodGenerateKube extends Command {
  static description = "Write a pod as a Kubernetes v1 Pod manifest (podman's kube generate): containers, images, commands, env, ports, hostPath/emptyDir volumes, restartPolicy"
  static examples = ['<%= config.bin %> pod generate kube demo > demo.yaml', '<%= config.bin %> pod generate kube demo -f demo.yaml && <%= config.bin %> pod rm -f demo && <%= config.bin %> pod play demo.yaml']
  static flags = {filename: Flags.string({char: 'f', description: 'write to this file instead of standard output'})}
  static args = {pod: Args.string({required: true, description: 'pod name, id or unique id prefix'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PodGenerateKube)
    const yaml = await generateKube(args.pod, (m) => process.stderr.write(m + '\n'))
    if (!flags.filename) {
      process.stdout.write(yaml)
      return
    }
    await fs.writeFile(flags.filename, yaml, {flag: 'wx', mode: 0o644}).catch((error) => {
      throw new UserError(error.code === 'EEXIST' ? `${flags.filename} already exists; remove it or choose another file` : `cannot write ${flags.filename}: ${error.message}`)
    })
  }
}
