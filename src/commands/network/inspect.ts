import {Args, Command, Flags} from '@oclif/core'
import {clusterStoreFlag, useClusterStore} from '../../cli/flags.js'
import {printInspected} from '../../cli/handlers/show.js'
import {networkView} from '../../containers/network-view.js'
import {ensureDefaultBridge} from '../../networks/drivers/bridge.js'
import {findNetwork} from '../../networks/records.js'
import {findOverlay} from '../../networks/manage.js'
import {UserError} from '../../errors.js'
import {shown} from '../../containers/validate.js'

export default class NetworkInspect extends Command {
  static description = "Show networks' details as JSON (Docker's shape)"
  static strict = false
  static examples = ["<%= config.bin %> network inspect bridge | jq '.[0].IPAM.Config[0].Subnet'", "<%= config.bin %> network inspect -f '{{(index .IPAM.Config 0).Subnet}}' bridge"]
  static flags = {'cluster-store': clusterStoreFlag, format: Flags.string({char: 'f', description: 'a Go template applied to each network, e.g. {{.Name}} {{range .IPAM.Config}}{{.Subnet}}{{end}}'})}
  static args = {name: Args.string({required: true})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(NetworkInspect)
    useClusterStore(flags['cluster-store'])
    const out = []
    for (const ref of argv as string[]) {
      const net = ref === 'bridge' ? await ensureDefaultBridge() : ((await findNetwork(ref)) ?? (await findOverlay(ref)))
      if (!net) throw new UserError(`network ${ref.length > 80 ? shown(ref) : ref} not found (see minirun network ls)`)
      out.push(await networkView(net))
    }
    await printInspected(out, flags.format)
  }
}
