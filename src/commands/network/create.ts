import {Args, Command, Flags} from '@oclif/core'
import {explainFlag, clusterStoreFlag, useClusterStore} from '../../cli/flags.js'
import {startExplain} from '../../cli/explain.js'
import {createNetwork, parseOptions} from '../../networks/manage.js'
import {validateRefLength} from '../../containers/validate.js'

export default class NetworkCreate extends Command {
  static description = 'Create a network (a Linux bridge, macvlan on a parent interface, or an overlay across hosts through etcd)'
  static examples = [
    '<%= config.bin %> network create my_bridge',
    '<%= config.bin %> network create --subnet 10.10.0.0/24 --gateway 10.10.0.1 -o com.docker.network.bridge.name=br-demo demo',
    '<%= config.bin %> network create -d macvlan --subnet 192.168.50.0/24 --gateway 192.168.50.1 -o parent=lanA pub_net',
    '<%= config.bin %> network create -d cni --opt config=examples/cni/bridge.conflist cninet',
    'MINIRUN_CLUSTER_STORE=etcd://192.168.250.2:2379 <%= config.bin %> network create -d overlay --subnet 10.50.0.0/16 multi',
  ]

  static flags = {
    driver: Flags.string({char: 'd', description: 'bridge, macvlan, cni (CNI plugins: --opt config=FILE) or overlay (across hosts, needs MINIRUN_CLUSTER_STORE)', default: 'bridge'}),
    subnet: Flags.string({description: 'IPv4 subnet in CIDR form'}),
    gateway: Flags.string({description: 'gateway address (default: the first host of the subnet)'}),
    'ip-range': Flags.string({description: 'allocate container addresses from this sub-range (macvlan)'}),
    opt: Flags.string({char: 'o', multiple: true, multipleNonGreedy: true, description: 'driver option KEY=VALUE'}),
    explain: explainFlag,
    'cluster-store': clusterStoreFlag,
  }

  static args = {name: Args.string({required: true})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NetworkCreate)
    useClusterStore(flags['cluster-store'])
    startExplain(flags.explain)
    const options = parseOptions(flags.opt ?? [])
    if (flags['ip-range']) options['ip-range'] = flags['ip-range']
    validateRefLength('network name', args.name, 64) // before any lookup: no ENAMETOOLONG, no 5000-character echo
    const rec = await createNetwork({name: args.name, driver: flags.driver, subnet: flags.subnet, gateway: flags.gateway, options})
    this.log(rec.id)
  }
}
