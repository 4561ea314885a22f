import {Args, Command, Flags} from '@oclif/core'
import {UserError} from '../../errors.js'
import {explainFlag} from '../../cli/flags.js'
import {keepTranscript, startExplain} from '../../cli/explain.js'
import {parsePublish} from '../../networks/ports.js'
import {createPod} from '../../pods/pods.js'
import {paths} from '../../state/paths.js'
import {parseAddHost} from '../../containers/run-options.js'
import {parseDnsSettings, parseNetworkAliases} from '../../networks/dns/config.js'

export default class PodCreate extends Command {
  static description = 'Create a pod: a pause container holding a network (and UTS, IPC) namespace that members join'
  static examples = ['<%= config.bin %> pod create --name demo -p 18081:80', '<%= config.bin %> pod create demo', '<%= config.bin %> run -d --pod demo busybox httpd -f -p 80 -h /www']
  static args = {name: Args.string({description: 'pod name (or --name)'})}
  static flags = {
    name: Flags.string({description: 'pod name'}),
    publish: Flags.string({char: 'p', multiple: true, multipleNonGreedy: true, description: 'publish a port of the pod: [IP:]HOSTPORT:CTRPORT[/proto]'}),
    network: Flags.string({description: 'network of the pod (default bridge)'}),
    'add-host': Flags.string({multiple: true, multipleNonGreedy: true, description: "an /etc/hosts entry NAME:IP for the pod's containers"}),
    dns: Flags.string({multiple: true, multipleNonGreedy: true, description: "a nameserver for the pod's /etc/resolv.conf (replaces its network's resolver)"}),
    'dns-search': Flags.string({multiple: true, multipleNonGreedy: true, description: 'a search domain (. for none)'}),
    'dns-option': Flags.string({multiple: true, multipleNonGreedy: true, description: 'a resolv.conf option, e.g. ndots:2'}),
    'network-alias': Flags.string({multiple: true, multipleNonGreedy: true, description: "another DNS name of the pod on its user-defined network"}),
    explain: explainFlag,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PodCreate)
    startExplain(flags.explain)
    if (args.name !== undefined && flags.name !== undefined && args.name !== flags.name) {
      throw new UserError(`two names given (${args.name} and --name ${flags.name}); give one`)
    }
    const createCommand = ['minirun', ...process.argv.slice(2)]
    const extraHosts = (flags['add-host'] ?? []).map((h) => parseAddHost(h)).map((h) => `${h.name}:${h.ip}`)
    const dns = parseDnsSettings(flags)
    const networkAliases = parseNetworkAliases(flags['network-alias'] ?? [])
    const pod = await createPod({name: args.name ?? flags.name, publish: (flags.publish ?? []).flatMap((p) => parsePublish(p)), ports: flags.publish ?? [], network: flags.network, extraHosts, dns, networkAliases, createCommand, warn: (m) => process.stderr.write(m + '\n')})
    // kept with the pause container: the live diagram page shows it when the pod is clicked
    if (flags.explain) keepTranscript(paths.container(pod.infraId))
    this.log(pod.id)
  }
}
