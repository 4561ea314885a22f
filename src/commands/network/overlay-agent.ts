import {Command} from '@oclif/core'

export default class NetworkOverlayAgent extends Command {
  static description = "This host's overlay agent: renews its etcd lease and follows peers and names (started and stopped by minirun itself)"
  static hidden = true

  async run(): Promise<void> {
    const [{runAgent}, {listContainers}] = await Promise.all([
      import('../../networks/drivers/overlay/agent.js'),
      import('../../containers/find.js'),
    ])
    const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`)
    log(`overlay agent ${process.pid} started`)
    await runAgent({
      async localEndpoints(network, host) {
        return (await listContainers()).flatMap((c) => {
          const a = c.networks[network]
          return a && c.state.status === 'running' ? [{id: c.id, name: c.name, ip: a.ip, mac: a.mac, host, aliases: a.aliases}] : []
        })
      },
      log,
    })
    log('overlay agent stopped: no overlay network left on this host')
  }
}
