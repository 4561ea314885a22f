import {Command, Flags} from '@oclif/core'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {printInspected} from '../cli/handlers/show.js'
import {listContainers} from '../containers/find.js'
import {liveStatus} from '../containers/inspect.js'
import {listImages} from '../images/store.js'
import {detectLayout} from '../kernel/cgroups.js'
import {listNetworks} from '../networks/records.js'
import {instanceTag, paths} from '../state/paths.js'
import {defaultBridgeName} from '../networks/drivers/bridge.js'
import {tableName} from '../networks/firewall/nft-script.js'

export default class Info extends Command {
  static description = 'Show system-wide information: containers, images, networks, store, kernel (Docker field names)'
  static aliases = ['system:info']
  static examples = ['<%= config.bin %> info', "<%= config.bin %> info --format '{{.ContainersRunning}}'"]
  static flags = {format: Flags.string({char: 'f', description: 'a Go template, e.g. {{.Containers}} {{.DockerRootDir}}; json'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(Info)
    const containers = await listContainers()
    const states = containers.map(liveStatus)
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {version: string}
    const layout = detectLayout()
    const osName = /^PRETTY_NAME="?([^"\n]*)/m.exec(fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : '')?.[1] ?? 'Linux'
    const info = {
      Containers: containers.length,
      ContainersRunning: states.filter((s) => s === 'running').length,
      ContainersPaused: 0,
      ContainersStopped: states.filter((s) => s !== 'running').length,
      Images: (await listImages()).length,
      Networks: (await listNetworks()).length,
      Driver: 'overlay',
      CgroupVersion: layout.v2 ? '2' : '1',
      KernelVersion: os.release(),
      OperatingSystem: osName,
      OSType: 'linux',
      Architecture: os.machine(),
      NCPU: os.cpus().length,
      MemTotal: os.totalmem(),
      DockerRootDir: path.dirname(paths.images()),
      // the kernel names this root's objects carry (a non-default root tags them: state/paths.ts)
      BridgeName: defaultBridgeName(),
      NftTable: `ip ${tableName(instanceTag())}`,
      Name: os.hostname(),
      ServerVersion: pkg.version,
    }
    if (flags.format === 'json') return void process.stdout.write(JSON.stringify(info) + '\n')
    if (flags.format) return printInspected([info], flags.format)
    const lines = [
      `Containers: ${info.Containers}`,
      ` Running: ${info.ContainersRunning}`,
      ` Paused: 0`,
      ` Stopped: ${info.ContainersStopped}`,
      `Images: ${info.Images}`,
      `Networks: ${info.Networks}`,
      `Server Version: ${info.ServerVersion} (minirun, daemonless)`,
      `Storage Driver: overlay`,
      `Cgroup Version: ${info.CgroupVersion}`,
      `Kernel Version: ${info.KernelVersion}`,
      `Operating System: ${info.OperatingSystem}`,
      `OSType: linux`,
      `Architecture: ${info.Architecture}`,
      `CPUs: ${info.NCPU}`,
      `Total Memory: ${(info.MemTotal / 1024 ** 3).toFixed(2)}GiB`,
      `Name: ${info.Name}`,
      `Docker Root Dir: ${info.DockerRootDir}`,
      `Default Bridge: ${info.BridgeName}`,
      `Nft Table: ${info.NftTable}`,
    ]
    this.log(lines.join('\n'))
  }
}
