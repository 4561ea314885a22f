import {Args, Command, Flags} from '@oclif/core'
import {UserError} from '../../errors.js'
import {ensureVolume} from '../../volumes/store.js'

export default class VolumeCreate extends Command {
  static description = 'Create a volume (a random name when none is given); an existing name is not an error'
  static examples = ['<%= config.bin %> volume create data', '<%= config.bin %> run --rm -v data:/data busybox ls /data']
  static flags = {label: Flags.string({multiple: true, multipleNonGreedy: true, description: 'KEY=VALUE metadata'})}
  static args = {name: Args.string({description: 'volume name ([a-zA-Z0-9][a-zA-Z0-9_.-])'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(VolumeCreate)
    const labels: Record<string, string> = {}
    for (const l of flags.label ?? []) {
      const i = l.indexOf('=')
      if (i === 0) throw new UserError(`invalid label "${l}": the key before "=" is empty; use --label KEY=VALUE`)
      labels[i === -1 ? l : l.slice(0, i)] = i === -1 ? '' : l.slice(i + 1)
    }
    const {volume} = await ensureVolume(args.name, {labels})
    process.stdout.write(volume.name + '\n')
  }
}
