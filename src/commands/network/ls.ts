import {Command, Flags} from '@oclif/core'
import {clusterStoreFlag, useClusterStore} from '../../cli/flags.js'
import {formatList} from '../../cli/format.js'
import {goTime} from '../../cli/views/container-row.js'
import {listNetworks} from '../../networks/records.js'
import {byText} from '../../util/compare.js'

const FORMAT = {
  typeName: '*formatter.networkContext',
  columns: [
    {field: 'ID', header: 'NETWORK ID'},
    {field: 'Name', header: 'NAME'},
    {field: 'Driver', header: 'DRIVER'},
    {field: 'Scope', header: 'SCOPE'},
    {field: 'Subnet', header: 'SUBNET'},
  ],
  extra: [
    {field: 'Gateway', header: 'GATEWAY'},
    {field: 'IPv6', header: 'IPV6'},
    {field: 'Internal', header: 'INTERNAL'},
    {field: 'Labels', header: 'LABELS'},
    {field: 'CreatedAt', header: 'CREATED AT'},
  ],
}

export default class NetworkLs extends Command {
  static description = 'List networks'
  static aliases = ['network:list']
  static examples = ['<%= config.bin %> network ls', '<%= config.bin %> network ls -q', "<%= config.bin %> network ls --format '{{.Name}} {{.Driver}}'", '<%= config.bin %> network ls --format json']
  static flags = {
    'cluster-store': clusterStoreFlag,
    quiet: Flags.boolean({char: 'q', description: 'only network ids'}),
    format: Flags.string({description: 'table, json (one object per line), or a Go template: {{.ID}} {{.Name}} {{.Driver}} {{.Scope}}...'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(NetworkLs)
    useClusterStore(flags['cluster-store'])
    const nets = await listNetworks()
    // the CNI configuration directory's lists, as networks usable by name (stored on first use)
    const {confDirNetworks} = await import('../../networks/drivers/cni.js')
    for (const c of await confDirNetworks()) if (!nets.some((n) => n.name === c.name)) nets.push({id: '', name: c.name, driver: 'cni', options: {}, created: ''})
    // overlays live in the cluster store: every host lists them, joined or not
    // (etcd away: the local networks are still listed, with one warning)
    if (process.env.MINIRUN_CLUSTER_STORE) {
      const cluster = await (await import('../../networks/drivers/overlay/manage.js')).clusterNetworks().catch((error: Error) => {
        process.stderr.write(`WARNING: overlay networks not listed: ${error.message}\n`)
        return []
      })
      for (const o of cluster) if (!nets.some((n) => n.name === o.name)) nets.push(o)
      nets.sort((a, b) => byText(a.name, b.name))
    }
    if (!nets.some((n) => n.name === 'bridge')) nets.unshift({id: '', name: 'bridge', driver: 'bridge', options: {}, created: '', isDefault: true})
    if (flags.quiet) {
      process.stdout.write(nets.map((n) => (n.id.slice(0, 12) || n.name) + '\n').join(''))
      return
    }
    const rows = nets.map((n) => ({
      ID: n.id.slice(0, 12) || (flags.format ? '' : '(on first use)'),
      Name: n.name,
      Driver: n.driver,
      Scope: n.driver === 'overlay' ? 'global' : 'local',
      Subnet: n.subnet ?? '',
      Gateway: n.gateway ?? '',
      IPv6: 'false',
      Internal: 'false',
      Labels: '',
      CreatedAt: goTime(n.created),
    }))
    process.stdout.write(await formatList(flags.format, rows, FORMAT))
  }
}
