import {Args, Command, Flags} from '@oclif/core'
import {removeVolume, readVolume} from '../../volumes/store.js'

export default class VolumeRm extends Command {
  static description = 'Remove volumes; a volume that a container (running or stopped) uses is refused'
  static strict = false
  static aliases = ['volume:remove']
  static examples = ['<%= config.bin %> volume rm data']
  static flags = {force: Flags.boolean({char: 'f', description: 'a volume that does not exist is not an error'})}
  static args = {volume: Args.string({required: true})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(VolumeRm)
    let failed: unknown
    for (const name of argv as string[]) {
      try {
        if (flags.force && !(await readVolume(name).catch(() => undefined))) continue
        await removeVolume(name)
        process.stdout.write(name + '\n')
      } catch (error) {
        failed ??= error
      }
    }
    if (failed) throw failed
  }
}
