import fs from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../../errors.js'
import type {Rollback} from '../../kernel/rollback.js'
import {run} from '../../kernel/runner.js'
import {listDir, readJson, writeJsonAtomic} from '../../state/files.js'
import {rootDir} from '../../state/paths.js'
import {withLock} from '../../state/lock.js'
import {assertNameFree, networkId, writeNetwork, type NetworkRecord} from '../records.js'
import {attachmentFromResult, type CniConfigList, type CniPlugin, pluginError, pluginInput, type RuntimeConfig, runtimeConfig, unsupportedCapabilities} from './cni-config.js'
import type {Endpoint, NetworkAttachment, NetworkDriver, NetworkFactory} from '../driver.js'

// CNI plugins as a network driver, the way libcni runs them: each plugin of the list in turn
// for ADD (with the previous plugin's result), in reverse for DEL; the environment and stdin
// of the CNI 1.0 spec; the config and result cached per attachment so DEL gets exactly what ADD
// got, even after a crash or a change of the file. Plugins come from MINIRUN_CNI_PATH.

export const cniPath = () => process.env.MINIRUN_CNI_PATH || '/usr/lib/cni'
export const cniConfDir = () => process.env.MINIRUN_CNI_CONF_DIR || '/etc/cni/net.d'
const cacheDir = () => path.join(rootDir(), 'cni', 'results')
const cacheFile = (network: string, containerId: string, ifname: string) => path.join(cacheDir(), `${network}-${containerId}-${ifname}.json`)

interface Cache {
  kind: 'cniCacheV1'
  containerId: string
  ifName: string
  networkName: string
  netns: string
  config: CniConfigList
  runtimeConfig: RuntimeConfig
  result?: unknown
}

async function pluginBinary(type: string): Promise<string> {
  for (const dir of cniPath().split(':').filter(Boolean)) {
    const p = path.join(dir, type)
    if (await fs.access(p, fs.constants.X_OK).then(() => true, () => false)) return p
  }
  throw new UserError(`CNI plugin ${type} not found in ${cniPath()}; install containernetworking-plugins or set MINIRUN_CNI_PATH`)
}

async function invoke(command: 'ADD' | 'DEL' | 'CHECK', c: Cache, plugin: CniPlugin, prevResult: unknown): Promise<unknown> {
  const bin = await pluginBinary(plugin.type)
  const env = {CNI_COMMAND: command, CNI_CONTAINERID: c.containerId, CNI_NETNS: c.netns, CNI_IFNAME: c.ifName, CNI_PATH: cniPath()}
  const out = await run([bin], {env, input: pluginInput(c.config, plugin, prevResult, c.runtimeConfig), allowFail: true, why: `CNI ${command}: plugin ${plugin.type} of network ${c.networkName}`})
  if (out.exitCode !== 0) throw new UserError(pluginError(plugin.type, command, out.stdout, out.stderr, out.exitCode))
  if (command !== 'ADD') return prevResult
  try {
    return JSON.parse(out.stdout)
  } catch {
    throw new UserError(`CNI plugin ${plugin.type} printed no JSON result on ADD`)
  }
}

/** DEL every plugin in reverse, with what ADD was given; idempotent, the first error reported after all ran. */
async function del(c: Cache): Promise<void> {
  let first: unknown
  for (const plugin of [...c.config.plugins].reverse()) await invoke('DEL', c, plugin, c.result).catch((error) => (first ??= error))
  await fs.rm(cacheFile(c.networkName, c.containerId, c.ifName), {force: true})
  if (first) throw first
}

export const cniDriver: NetworkDriver = {
  name: 'cni',
  // -p and --ip go to the plugins as capability args (portMappings, ips); whether the list
  // honours them is checked against its capabilities
  capabilities: {netns: 'own', publishing: 'plugin', names: true, staticIps: true},
  validate(net, req) {
    const config = net?.cni
    if (!net || !config) throw new UserError(`network ${net?.name} has no CNI configuration; recreate it with network create -d cni --opt config=FILE`)
    if (req.ports.some((p) => p.hostPort === 0)) throw new UserError(`network ${net.name} (CNI) needs explicit host ports: -p HOSTPORT:${req.ports[0].containerPort}`)
    const missing = unsupportedCapabilities(config, runtimeConfig(req.ports, req.requestedIp))
    if (missing.length > 0) {
      const what = {portMappings: '-p needs a plugin with capabilities {"portMappings": true} (portmap)', ips: '--ip needs an ipam with capabilities {"ips": true} (host-local, static)'}
      throw new UserError(`network ${net.name}: ${missing.map((m) => what[m as keyof typeof what] ?? m).join('; ')}`)
    }
    return {ports: req.ports, warnings: []}
  },

  async setup(ep: Endpoint, rb: Rollback): Promise<NetworkAttachment> {
    cniDriver.validate(ep.network, {ports: ep.ports, requestedIp: ep.requestedIp, mode: ep.network.name})
    const config = ep.network.cni!
    const rc = runtimeConfig(ep.ports, ep.requestedIp)
    const c: Cache = {kind: 'cniCacheV1', containerId: ep.containerId, ifName: ep.ifname, networkName: ep.network.name, netns: ep.netns, config, runtimeConfig: rc}
    // the cache first, so DEL (rollback, rm, prune) gets the same config even after a crash mid-ADD
    await fs.mkdir(cacheDir(), {recursive: true})
    await writeJsonAtomic(cacheFile(c.networkName, c.containerId, c.ifName), c)
    rb.push(`CNI DEL on ${c.networkName}`, () => del(c))
    let result: unknown
    for (const plugin of config.plugins) result = await invoke('ADD', c, plugin, result)
    c.result = result
    await writeJsonAtomic(cacheFile(c.networkName, c.containerId, c.ifName), c)
    const a = attachmentFromResult(result, ep.ifname, config.plugins.at(-1)!.type)
    return {networkId: ep.network.id, networkName: ep.network.name, ifname: ep.ifname, ip: a.ip, prefixLen: a.prefixLen, gateway: a.gateway, mac: a.mac, aliases: ep.aliases, ...(ep.ports.length > 0 ? {ports: ep.ports} : {})}
  },

  async teardown(ep: Endpoint, att: NetworkAttachment | undefined): Promise<void> {
    const cached = await readJson<Cache>(cacheFile(ep.network.name, ep.containerId, ep.ifname)).catch(() => undefined)
    if (!cached && !ep.network.cni) return
    await del(cached ?? {kind: 'cniCacheV1', containerId: ep.containerId, ifName: ep.ifname, networkName: ep.network.name, netns: ep.netns, config: ep.network.cni!, runtimeConfig: runtimeConfig(att?.ports ?? ep.ports)})
  },

  describe: () => ({}),
}

/** CHECK every plugin, in order, against the cached result (the spec's health check). */
export async function checkAttachment(network: string, containerId: string, ifname: string): Promise<void> {
  const c = await readJson<Cache>(cacheFile(network, containerId, ifname))
  if (!c) throw new UserError(`no CNI attachment of container ${containerId.slice(0, 12)} on network ${network}`)
  for (const plugin of c.config.plugins) await invoke('CHECK', c, plugin, c.result)
}

/** `system prune`: DEL what cached attachments of containers that are gone still hold. */
export async function pruneCni(liveIds: Set<string>): Promise<string[]> {
  const done: string[] = []
  // under the store lock no cache write is in flight: a temporary file is a writer's that was
  // killed before its rename (the file it was to replace, if any, still describes the ADD)
  for (const f of await fs.readdir(cacheDir()).catch(() => [] as string[])) {
    if (f.endsWith('.tmp')) await fs.rm(path.join(cacheDir(), f), {force: true})
  }
  for (const f of await listDir(cacheDir())) {
    const c = await readJson<Cache>(path.join(cacheDir(), f)).catch(() => undefined)
    if (!c || liveIds.has(c.containerId)) continue
    await del(c).catch(() => fs.rm(path.join(cacheDir(), f), {force: true}))
    done.push(`CNI attachment ${c.networkName}/${c.containerId.slice(0, 12)}/${c.ifName}`)
  }
  return done
}

/** The conflists of the CNI configuration directory (network ls lists them; --network finds them). */
export async function confDirNetworks(): Promise<CniConfigList[]> {
  const {parseCniConfig} = await import('./cni-config.js')
  const out: CniConfigList[] = []
  for (const f of (await fs.readdir(cniConfDir()).catch(() => [] as string[])).sort()) {
    if (!/\.(conflist|conf|json)$/.test(f)) continue
    try {
      out.push(parseCniConfig(await fs.readFile(path.join(cniConfDir(), f), 'utf8'), path.join(cniConfDir(), f)))
    } catch {
      // a broken file there is not ours to fail on
    }
  }
  return out
}

/** -d cni --opt config=FILE: the list is read and checked now and kept in the record. */
export const cniNetworks: NetworkFactory = {
  async create(req) {
    const file = req.options.config
    if (!file || Object.keys(req.options).some((k) => k !== 'config')) throw new UserError('-d cni takes one option: --opt config=FILE (a .conflist or .conf)')
    if (req.subnet || req.gateway) throw new UserError('-d cni: the subnet comes from the configuration\'s ipam section, not --subnet/--gateway')
    const {parseCniConfig} = await import('./cni-config.js')
    const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`cannot read CNI configuration ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
    })
    const cni = parseCniConfig(text, file)
    return withLock(async () => {
      await assertNameFree(req.name)
      const rec: NetworkRecord = {id: networkId(req.name), name: req.name, driver: 'cni', cni, options: req.options, created: new Date().toISOString()}
      await writeNetwork(rec)
      return rec
    })
  },
  remove: async () => {},
}

/** Containers with a cached attachment on `network`: its endpoints, as the cache files name them. */
export async function cniEndpoints(network: string): Promise<string[]> {
  const out: string[] = []
  for (const f of await listDir(cacheDir())) {
    const c = await readJson<Cache>(path.join(cacheDir(), f)).catch(() => undefined)
    if (c?.networkName === network) out.push(c.containerId)
  }
  return out
}
