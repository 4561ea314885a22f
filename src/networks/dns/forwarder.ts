import {randomInt} from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import {signal} from '../../kernel/proc.js'
import type {Rollback} from '../../kernel/rollback.js'
import {already, note, phase, run} from '../../kernel/runner.js'
import {listDir, readJson, writeJsonAtomic} from '../../state/files.js'
import {runtimeDir} from '../../state/paths.js'
import {FORWARDER_ADDRESS, forwarderConf, forwarderRedirect, forwarderServers, needsForwarder, type ForwarderFiles, type ResolverNetwork} from './config.js'
import {DNSMASQ, isOurDnsmasq, pidFromFile, readableByNobody, requireDnsmasq, startDnsmasq, stopDnsmasq, writeReadable} from './dnsmasq.js'

// A container's own DNS forwarder (config.ts forwarderConf): one dnsmasq inside its network
// namespace, on 127.0.0.11:53, while it is on two or more networks with a resolver. Started
// from the host (nsenter into the network namespace alone: it sees the host's files, never the
// container's), it runs as nobody. Its files are RUNTIME/dns-forwarders/<container id>/; it is
// tracked by PID and start time and checked against /proc before it is signalled, as the
// networks' resolvers are. It holds the namespace alive while it runs, so it is stopped before
// the namespace file goes (lifecycle, salvage, system prune).

const root = () => path.join(runtimeDir(), 'dns-forwarders')
const dirOf = (id: string) => path.join(root(), id)
const confFile = (id: string) => path.join(dirOf(id), 'dnsmasq.conf')
const stateFile = (id: string) => path.join(dirOf(id), 'forwarder.json')

function filesOf(id: string): ForwarderFiles {
  const dir = dirOf(id)
  return {serversFile: path.join(dir, 'servers'), pidFile: path.join(dir, 'dnsmasq.pid'), logFile: path.join(dir, 'dnsmasq.log')}
}

interface ForwarderState {
  pid: number
  pidStart: number
  netns: string
}

const isState = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as ForwarderState).pid === 'number' && typeof (v as ForwarderState).netns === 'string'

async function running(id: string, netns: string): Promise<ForwarderState | undefined> {
  const st = await readJson<ForwarderState>(stateFile(id), isState).catch(() => undefined)
  return st && st.netns === netns && (await isOurDnsmasq(confFile(id), st.pid, st.pidStart)) ? st : undefined
}

/**
 * Make container `id`'s forwarder match `resolvers` (its networks with a resolver, primary
 * first): running with their zones when there are two or more, gone otherwise. A running one
 * takes new zones by SIGHUP (network connect), never a restart. Caller holds the store lock.
 */
export async function syncForwarder(id: string, netns: string, resolvers: ResolverNetwork[], rb?: Rollback): Promise<void> {
  if (!needsForwarder(resolvers)) return stopForwarder(id, 'the container is on one network with a resolver: it asks that one directly')
  const files = filesOf(id)
  const servers = forwarderServers(resolvers)
  const st = await running(id, netns)
  if (st) {
    if ((await fsp.readFile(files.serversFile, 'utf8').catch(() => '')) === servers) return already(`${DNSMASQ} --conf-file=${confFile(id)}`, `the container's DNS forwarder answers on ${FORWARDER_ADDRESS}:53 (pid ${st.pid})`)
    phase('names', `the DNS forwarder of container ${id.slice(0, 12)}`)
    note(`cat > ${files.serversFile} <<'EOF'\n${servers.replace(/\n$/, '')}\nEOF\nkill -HUP ${st.pid}`, "the zones of the container's networks now, each to its network's resolver (dnsmasq re-reads the file on SIGHUP)")
    await writeReadable(files.serversFile, servers)
    signal(st.pid, 'SIGHUP', st.pidStart)
    return
  }
  if (!fs.existsSync(netns)) return
  await requireDnsmasq('containers on several networks')
  // one a crash left behind (its pid file still names it) goes first
  await stopForwarder(id, 'left behind by a crash')
  phase('names', `the DNS forwarder of container ${id.slice(0, 12)}: dnsmasq on ${FORWARDER_ADDRESS}:53 inside its network namespace`)
  rb?.push('dns forwarder', () => stopForwarder(id, 'the container did not start'))
  note(`mkdir -p ${dirOf(id)}`, "the forwarder's files, on the host: the container never sees them")
  await fsp.mkdir(dirOf(id), {recursive: true})
  await readableByNobody([root(), dirOf(id)])
  note(`cat > ${files.serversFile} <<'EOF'\n${servers.replace(/\n$/, '')}\nEOF`, "each network's zone (and reverse zone) to that network's resolver, from the container's address on it; the rest to the first network's resolver")
  await writeReadable(files.serversFile, servers)
  // a high port of the namespace's, not 53: a port the container already uses is tried again
  for (let attempt = 1; ; attempt++) {
    const port = 20000 + randomInt(40000)
    const conf = forwarderConf({container: id.slice(0, 12), port, files})
    note(`cat > ${confFile(id)} <<'EOF'\n${conf.replace(/\n$/, '')}\nEOF`, `the forwarder's configuration: ${FORWARDER_ADDRESS}:${port} in the container's namespace only, no DHCP, no cache`)
    await fsp.writeFile(confFile(id), conf)
    const started = await startDnsmasq({
      confFile: confFile(id),
      pidFile: files.pidFile,
      netns,
      why: `the container's DNS forwarder, as Docker's 127.0.0.11: it binds ${FORWARDER_ADDRESS}:${port} in the container's network namespace (nothing else of the container's), then answers as nobody`,
      failure: (why) => `cannot start the DNS forwarder of container ${id.slice(0, 12)} on ${FORWARDER_ADDRESS}:${port}: ${why}; remove the container and run it again`,
    }).catch((error) => {
      if (attempt < 3 && /in use/i.test((error as Error).message)) return undefined
      throw error
    })
    if (!started) continue
    await writeJsonAtomic(stateFile(id), {...started, netns} satisfies ForwarderState)
    await run(['nsenter', `--net=${netns}`, '--', 'nft', '-f', '-'], {input: forwarderRedirect(port), why: `inside the container's namespace: its queries to ${FORWARDER_ADDRESS}:53 go to the forwarder's port ${port}`})
    return
  }
}

/** SIGTERM to the container's forwarder (verified against /proc), then its files go. Idempotent, one stat when there is none. */
export async function stopForwarder(id: string, why: string): Promise<void> {
  if (!fs.existsSync(dirOf(id))) return
  const st = await readJson<ForwarderState>(stateFile(id), isState).catch(() => undefined)
  phase('names', `the DNS forwarder of container ${id.slice(0, 12)}`)
  await stopDnsmasq(confFile(id), [[st?.pid ?? 0, st?.pidStart], [await pidFromFile(filesOf(id).pidFile), undefined]], `stop the DNS forwarder of container ${id.slice(0, 12)}: ${why}`)
  note(`rm -rf ${dirOf(id)}`)
  await fsp.rm(dirOf(id), {recursive: true, force: true})
}

/** `system prune`: forwarders whose container is gone (a crash before its cleanup). Before the namespaces go: they hold them. */
export async function pruneForwarders(isLive: (id: string) => boolean): Promise<string[]> {
  const out: string[] = []
  for (const id of await listDir(root())) {
    if (isLive(id)) continue
    await stopForwarder(id, 'its container is gone')
    out.push(`dns forwarder ${id.slice(0, 12)}`)
  }
  return out
}
