import {Args, Command, Flags} from '@oclif/core'
import {inspect} from '../cli/handlers/show.js'

export default class Inspect extends Command {
  static description = "Show containers' details as JSON (Docker's shape)"
  static strict = false
  static aliases = ['container:inspect']
  static examples = [
    "<%= config.bin %> inspect web | jq -r '.[0].NetworkSettings.IPAddress'",
    "<%= config.bin %> inspect -f '{{.NetworkSettings.IPAddress}}' web",
    "<%= config.bin %> inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.IPAddress}}{{println}}{{end}}' web",
  ]
  static flags = {format: Flags.string({char: 'f', description: 'a Go template applied to each container, e.g. {{.State.Status}}; json: the JSON array'})}
  static args = {container: Args.string({required: true, description: 'name or id (prefix)'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Inspect)
    await inspect(argv as string[], flags)
  }
}
