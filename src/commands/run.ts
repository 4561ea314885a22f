import {Args, Command, Flags} from '@oclif/core'
import {splitAtPositional} from '../cli/argv.js'
import {explainFlag} from '../cli/flags.js'
import {run} from '../cli/handlers/run.js'

export default class Run extends Command {
  static description = 'Run a command in a new container'
  static aliases = ['container:run']
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
    tty: Flags.boolean({char: 't', description: "allocate a pseudo-terminal of the container's own (/dev/pts/N inside)"}),
    name: Flags.string({description: 'container name'}),
    env: Flags.string({char: 'e', multiple: true, multipleNonGreedy: true, description: 'environment variable K=V (or K to copy it from here)'}),
    workdir: Flags.string({char: 'w', description: 'working directory inside the container'}),
    hostname: Flags.string({char: 'h', description: 'container hostname (default: the short id)'}),
    publish: Flags.string({char: 'p', multiple: true, multipleNonGreedy: true, description: 'publish a port: [IP:]HOSTPORT:CTRPORT[/tcp|/udp]'}),
    'publish-all': Flags.boolean({char: 'P', description: "publish the image's exposed ports on free host ports"}),
    network: Flags.string({aliases: ['net'], description: 'bridge (the default) | host | none | container:NAME_OR_ID | NETWORK_NAME'}),
    ip: Flags.string({description: 'static IPv4 address on the network'}),
    volume: Flags.string({char: 'v', multiple: true, multipleNonGreedy: true, description: 'bind mount /HOSTPATH:CTRPATH[:ro], named volume NAME:CTRPATH[:ro], or anonymous volume CTRPATH'}),
    mount: Flags.string({multiple: true, multipleNonGreedy: true, description: 'type=bind|volume,src=SOURCE,dst=CTRPATH[,readonly]'}),
    pod: Flags.string({description: "join a pod's network, UTS and IPC namespaces"}),
    init: Flags.boolean({description: 'run an init process as PID 1 that reaps zombies'}),
    memory: Flags.string({char: 'm', description: 'memory limit (bytes, or with k/m/g)'}),
    'pids-limit': Flags.string({description: 'maximum number of processes'}),
    cpus: Flags.string({description: 'CPU time limit in CPUs, e.g. 0.5'}),
    'cap-add': Flags.string({multiple: true, multipleNonGreedy: true, description: 'add a Linux capability'}),
    'cap-drop': Flags.string({multiple: true, multipleNonGreedy: true, description: 'drop a Linux capability'}),
    privileged: Flags.boolean({description: 'all capabilities, writable /sys and /proc/sys, no seccomp, no no_new_privs'}),
    restart: Flags.string({description: 'restart policy: no, on-failure[:N], always, unless-stopped'}),
    entrypoint: Flags.string({description: "replace the image's entrypoint (one word; \"\" clears it)"}),
    user: Flags.string({char: 'u', description: "NAME, UID, NAME:GROUP or UID:GID, from the image's /etc/passwd"}),
    'env-file': Flags.string({multiple: true, multipleNonGreedy: true, description: 'read KEY=VALUE lines from a file'}),
    label: Flags.string({char: 'l', multiple: true, multipleNonGreedy: true, description: 'a label KEY=VALUE'}),
    expose: Flags.string({multiple: true, multipleNonGreedy: true, description: 'a port (80 or 80/udp) for -P beyond those the image declares'}),
    'read-only': Flags.boolean({description: "the container's root filesystem read-only (volumes and --tmpfs stay writable)"}),
    tmpfs: Flags.string({multiple: true, multipleNonGreedy: true, description: 'a tmpfs at PATH[:OPTIONS], e.g. /run:rw,size=64m'}),
    'shm-size': Flags.string({description: 'size of /dev/shm (bytes, or with k/m/g; default 64m)'}),
    ulimit: Flags.string({multiple: true, multipleNonGreedy: true, description: 'a resource limit NAME=SOFT[:HARD], e.g. nofile=1024:2048'}),
    'add-host': Flags.string({multiple: true, multipleNonGreedy: true, description: 'an /etc/hosts entry NAME:IP'}),
    dns: Flags.string({multiple: true, multipleNonGreedy: true, description: "a nameserver for the container's /etc/resolv.conf (replaces its network's resolver)"}),
    'dns-search': Flags.string({multiple: true, multipleNonGreedy: true, description: 'a search domain for /etc/resolv.conf (. for none)'}),
    'dns-option': Flags.string({multiple: true, multipleNonGreedy: true, description: 'a resolv.conf option, e.g. ndots:2'}),
    'network-alias': Flags.string({multiple: true, multipleNonGreedy: true, description: 'another DNS name of the container on its user-defined network'}),
    'stop-signal': Flags.string({description: 'the signal stop sends first (default SIGTERM)'}),
    'stop-timeout': Flags.string({description: 'seconds stop waits before SIGKILL (default 10)'}),
    'security-opt': Flags.string({multiple: true, multipleNonGreedy: true, description: 'seccomp=unconfined (no seccomp filter) or no-new-privileges (always on)'}),
    explain: explainFlag,
  }

  static args = {
    image: Args.string({required: true, description: 'image name[:tag] (busybox is built in)'}),
    command: Args.string({description: 'command and its arguments (everything after the image)'}),
  }

  async run(): Promise<void> {
    const split = splitAtPositional(this.argv, Run.flags as never)
    const {flags} = await this.parse(Run, split.positional === undefined ? split.own : [...split.own, '--', split.positional])
    await run(split.positional!, split.rest, flags)
  }
}
