import {Args, Command, Flags} from '@oclif/core'
import {splitAtPositional} from '../cli/argv.js'
import {explainFlag, startExplain} from '../cli/explain.js'
import {runContainer} from '../containers/lifecycle.js'
import {UserError} from '../errors.js'

export default class Run extends Command {
  static description = 'Run a command in a new container'
  static examples = [
    '<%= config.bin %> run --rm busybox sh -c \'echo $$; hostname\'',
    '<%= config.bin %> run -d --name web -p 18080:80 busybox httpd -f -p 80 -h /www',
    '<%= config.bin %> run --rm --network container:web busybox wget -qO- http://127.0.0.1/',
    '<%= config.bin %> run --explain --rm --network none busybox ip -o link',
  ]

  static flags = {
    detach: Flags.boolean({char: 'd', description: 'run in the background and print the container id'}),
    rm: Flags.boolean({description: 'remove the container when it exits'}),
    interactive: Flags.boolean({char: 'i', description: 'keep stdin open'}),
    tty: Flags.boolean({char: 't', description: 'allocate a terminal (uses the calling terminal)'}),
    name: Flags.string({description: 'container name'}),
    env: Flags.string({char: 'e', multiple: true, multipleNonGreedy: true, description: 'environment variable K=V (or K to copy it from here)'}),
    workdir: Flags.string({char: 'w', description: 'working directory inside the container'}),
    hostname: Flags.string({char: 'h', description: 'container hostname (default: the short id)'}),
    publish: Flags.string({char: 'p', multiple: true, multipleNonGreedy: true, description: 'publish a port: [IP:]HOSTPORT:CTRPORT[/tcp|/udp]'}),
    'publish-all': Flags.boolean({char: 'P', description: "publish the image's exposed ports on free host ports"}),
    network: Flags.string({aliases: ['net'], description: 'bridge | host | none | container:NAME_OR_ID | NETWORK_NAME', default: 'bridge'}),
    ip: Flags.string({description: 'static IPv4 address on the network'}),
    volume: Flags.string({char: 'v', multiple: true, multipleNonGreedy: true, description: 'bind mount HOSTPATH:CTRPATH[:ro]'}),
    pod: Flags.string({description: "join a pod's network, UTS and IPC namespaces"}),
    init: Flags.boolean({description: 'run an init process as PID 1 that reaps zombies'}),
    memory: Flags.string({char: 'm', description: 'memory limit (bytes, or with k/m/g)'}),
    'pids-limit': Flags.integer({description: 'maximum number of processes'}),
    cpus: Flags.string({description: 'CPU time limit in CPUs, e.g. 0.5'}),
    'cap-add': Flags.string({multiple: true, multipleNonGreedy: true, description: 'add a Linux capability'}),
    'cap-drop': Flags.string({multiple: true, multipleNonGreedy: true, description: 'drop a Linux capability'}),
    privileged: Flags.boolean({description: 'all capabilities, writable /sys, no no_new_privs'}),
    explain: explainFlag,
  }

  static args = {
    image: Args.string({required: true, description: 'image name[:tag] (busybox is built in)'}),
    command: Args.string({description: 'command and its arguments (everything after the image)'}),
  }

  async run(): Promise<void> {
    const split = splitAtPositional(this.argv, Run.flags as never)
    const {flags} = await this.parse(Run, split.positional === undefined ? split.own : [...split.own, '--', split.positional])
    const image = split.positional!
    const command = split.rest
    startExplain(flags.explain)
    if (flags.detach && flags.rm && flags.interactive) throw new UserError('-d with -i has nothing to read from; drop -i')
    const {rec, exitCode} = await runContainer({
      image,
      command,
      name: flags.name,
      env: flags.env ?? [],
      workdir: flags.workdir,
      hostname: flags.hostname,
      tty: flags.tty,
      interactive: flags.interactive,
      detach: flags.detach,
      autoRemove: flags.rm,
      network: flags.pod ? undefined : flags.network,
      ip: flags.ip,
      publish: flags.publish ?? [],
      publishAll: flags['publish-all'],
      volumes: flags.volume ?? [],
      capAdd: flags['cap-add'] ?? [],
      capDrop: flags['cap-drop'] ?? [],
      privileged: flags.privileged,
      init: flags.init,
      memory: flags.memory ? parseBytes(flags.memory) : undefined,
      pidsLimit: flags['pids-limit'],
      cpus: flags.cpus === undefined ? undefined : parseCpus(flags.cpus),
      pod: flags.pod,
      warn: (m) => process.stderr.write(m + '\n'),
    }).catch((error) => {
      // Docker's convention: 125 when the runtime itself failed, 127 when the command is missing.
      if (error instanceof UserError && error.exitCode === 1) throw new UserError(error.message, 125)
      throw error
    })
    if (flags.detach) this.log(rec.id)
    else process.exitCode = exitCode
  }
}

function parseCpus(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v.trim())) throw new UserError(`invalid --cpus "${v}": use a number of CPUs, e.g. 0.5`)
  return Number(v)
}

export function parseBytes(v: string): number {
  const m = /^(\d+)([bkmg]?)b?$/i.exec(v.trim())
  if (!m) throw new UserError(`invalid size "${v}": use a number of bytes or a suffix k, m, g (e.g. 32m)`)
  const mult = {'': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3}[m[2].toLowerCase() as '' | 'b' | 'k' | 'm' | 'g']
  return Number(m[1]) * mult
}
