import {Args, Command, Flags} from '@oclif/core'
import {printInspected} from '../../cli/handlers/show.js'
import {findVolume, volumeData} from '../../volumes/store.js'

export default class VolumeInspect extends Command {
  static description = 'Show volumes as JSON (Docker\'s shape), or through a Go template'
  static strict = false
  static examples = ['<%= config.bin %> volume inspect data', "<%= config.bin %> volume inspect -f '{{.Mountpoint}}' data"]
  static flags = {format: Flags.string({char: 'f', description: 'Go template, e.g. {{.Mountpoint}}, or json'})}
  static args = {volume: Args.string({required: true})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(VolumeInspect)
    const out = []
    for (const name of argv as string[]) {
      const v = await findVolume(name)
      out.push({CreatedAt: v.createdAt, Driver: 'local', Labels: v.labels, Mountpoint: volumeData(v.name), Name: v.name, Options: null, Scope: 'local'})
    }
    await printInspected(out, flags.format)
  }
}
