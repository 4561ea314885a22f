import {Args, Command} from '@oclif/core'
import {printJson} from '../cli/output.js'
import {findContainer} from '../containers/find.js'
import {inspectView} from '../containers/inspect.js'

export default class Inspect extends Command {
  static description = "Show containers' details as JSON (Docker's shape)"
  static strict = false
  static examples = ["<%= config.bin %> inspect web | jq -r '.[0].NetworkSettings.IPAddress'"]
  static args = {container: Args.string({required: true, description: 'name or id (prefix)'})}

  async run(): Promise<void> {
    const {argv} = await this.parse(Inspect)
    const out = []
    for (const ref of argv as string[]) out.push(inspectView(await findContainer(ref)))
    printJson(out)
  }
}
