import {Command, Flags} from '@oclif/core'
import fs from 'node:fs'
import os from 'node:os'
import {printInspected} from '../cli/handlers/show.js'

export default class Version extends Command {
  static description = 'Show the minirun version (Docker layout: Client and, daemonless, the same process as Server)'
  static examples = ['<%= config.bin %> version', "<%= config.bin %> version --format '{{.Client.Version}}'"]
  static flags = {format: Flags.string({char: 'f', description: 'a Go template, e.g. {{.Client.Version}}; json'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(Version)
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {version: string}
    const arch = {x64: 'amd64', arm64: 'arm64'}[process.arch as string] ?? process.arch
    const side = {Version: pkg.version, ApiVersion: '1.43', NodeVersion: process.version, Os: 'linux', Arch: arch, KernelVersion: os.release()}
    const v = {Client: side, Server: {...side, Components: [{Name: 'minirun (daemonless)', Version: pkg.version}]}}
    if (flags.format === 'json') return void process.stdout.write(JSON.stringify(v) + '\n')
    if (flags.format) return printInspected([v], flags.format)
    const block = (title: string) =>
      [`${title}:`, ` Version:           ${side.Version}`, ` API version:       ${side.ApiVersion}`, ` Node version:      ${side.NodeVersion}`, ` OS/Arch:           ${side.Os}/${side.Arch}`, ` Kernel version:    ${side.KernelVersion}`].join('\n')
    this.log(`${block('Client')}\n\n${block('Server: minirun (no daemon: the same process)')}`)
  }
}
