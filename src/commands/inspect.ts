import {Args, Command} from '@oclif/core'
import {inspect} from '../cli/handlers/show.js'

export default class Inspect extends Command {
  static description = "Show containers' details as JSON (Docker's shape)"
  static strict = false
  static examples = ["<%= config.bin %> inspect web | jq -r '.[0].NetworkSettings.IPAddress'"]
  static args = {container: Args.string({required: true, description: 'name or id (prefix)'})}

  async run(): Promise<void> {
    const {argv} = await this.parse(Inspect)
    await inspect(argv as string[])
  }
}
