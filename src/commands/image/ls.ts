import {Command, Flags} from '@oclif/core'
import {ago, humanSize, printJson, printTable} from '../../cli/output.js'
import {splitRepoTag} from '../../images/refs.js'
import {listImages} from '../../images/store.js'

export default class ImageLs extends Command {
  static description = 'List images'
  static examples = ['<%= config.bin %> image ls', '<%= config.bin %> images --format json']
  static flags = {format: Flags.string({description: 'table or json', options: ['table', 'json'], default: 'table'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(this.constructor as typeof ImageLs)
    // One row per tag, and one <none> row for an image whose tags all moved on (Docker's dangling image).
    const rows = (await listImages()).flatMap((img) =>
      (img.repoTags.length > 0 ? img.repoTags.map(splitRepoTag) : [{repository: '<none>', tag: '<none>'}]).map((rt) => ({...rt, img})),
    )
    if (flags.format === 'json') {
      printJson(rows.map((r) => ({Repository: r.repository, Tag: r.tag, ID: r.img.id.slice(0, 12), CreatedAt: r.img.created, Size: humanSize(r.img.size)})))
      return
    }
    printTable(
      ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
      rows.map((r) => [r.repository, r.tag, r.img.id.slice(0, 12), ago(r.img.created), humanSize(r.img.size)]),
    )
  }
}
