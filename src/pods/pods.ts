import {randomBytes} from 'node:crypto'
import {listContainers} from '../containers/find.js'
import {liveStatus} from '../containers/inspect.js'
import {runRequest} from '../containers/create.js'
import {removeContainer, runContainer} from '../containers/lifecycle.js'
import {DEFAULT_NETWORK} from '../networks/mode.js'
import type {PortMapping} from '../networks/ports.js'
import type {ContainerRecord} from '../containers/record.js'
import {UserError} from '../errors.js'
import {validateName} from '../util/names.js'
import {hostnameFor, validateHostname, validateRefLength} from '../containers/validate.js'
import {withLock} from '../state/lock.js'
import {comment, phase} from '../kernel/runner.js'
import {deletePodDir, findPod, listPods, readPod, writePod, type PodRecord} from './records.js'
import {byText} from '../util/compare.js'

// The pause container does nothing but hold the pod's namespaces: busybox `sleep` as PID 1,
// a few hundred KiB, like Kubernetes' pause image.
export const PAUSE_COMMAND = ['sleep', '2147483647']

export interface PodCreate {
  name?: string
  /** -p, parsed; `ports`: as the user wrote them, for pod inspect */
  publish: PortMapping[]
  ports: string[]
  network?: string
  /** the pod's hostname (Pod spec.hostname); default: its name, made a valid hostname */
  hostname?: string
  /** --add-host, --dns*, --network-alias: on the pause container; members take them from it */
  extraHosts?: string[]
  dns?: import('../networks/dns/config.js').DnsSettings
  networkAliases?: string[]
  /** the command line that made it (pod inspect's CreateCommand) */
  createCommand?: string[]
  warn: (m: string) => void
}

export async function createPod(req: PodCreate): Promise<PodRecord> {
  const name = req.name ?? `pod_${randomBytes(3).toString('hex')}`
  validateName('pod', validateRefLength('pod name', name, 64))
  const hostname = req.hostname !== undefined ? validateHostname(req.hostname) : hostnameFor(name)
  const id = randomBytes(32).toString('hex')
  await withLock(async () => {
    if (await readPod(name)) throw new UserError(`pod ${name} already exists; remove it first (minirun pod rm -f ${name})`)
    await writePod({id, name, infraId: '', created: new Date().toISOString(), network: req.network ?? DEFAULT_NETWORK, ports: req.ports})
  })
  phase('pod', `${name}: a pause container holds the namespaces its members share`)
  comment(`pod ${name}: its pause container ${name}-infra (busybox ${PAUSE_COMMAND.join(' ')}) owns the pod's network,`)
  comment(`UTS and IPC namespaces; each member (run --pod ${name}) joins them: one IP, one localhost`)
  try {
    const {rec} = await runContainer(
      runRequest({image: 'busybox', command: PAUSE_COMMAND, name: `${name}-infra`, hostname, detach: true, network: req.network, publish: req.publish, infraOf: name, extraHosts: req.extraHosts, dns: req.dns, networkAliases: req.networkAliases, warn: req.warn}),
    )
    const pod: PodRecord = {id, name, infraId: rec.id, created: new Date().toISOString(), network: req.network ?? DEFAULT_NETWORK, ports: req.ports, createCommand: req.createCommand}
    await withLock(() => writePod(pod))
    return pod
  } catch (error) {
    await deletePodDir(name)
    throw error
  }
}

export async function podMembers(pod: PodRecord): Promise<ContainerRecord[]> {
  return (await listContainers()).filter((c) => c.hostConfig.pod === pod.name && c.id !== pod.infraId)
}

export async function podSummary(pod: PodRecord) {
  const all = await listContainers()
  const infra = all.find((c) => c.id === pod.infraId)
  const members = all.filter((c) => c.hostConfig.pod === pod.name && c.id !== pod.infraId)
  const running = members.filter((m) => liveStatus(m) === 'running').length
  const infraUp = infra ? liveStatus(infra) === 'running' : false
  const status = !infraUp ? 'Exited' : members.length === 0 || running > 0 ? 'Running' : 'Degraded'
  return {pod, infra, members, ready: `${running}/${members.length}`, status, ip: infra ? Object.values(infra.networks)[0]?.ip ?? '' : ''}
}

export async function removePod(ref: string, force: boolean): Promise<PodRecord> {
  const pod = await findPod(ref)
  const members = await podMembers(pod)
  const running = members.filter((m) => liveStatus(m) === 'running')
  if (running.length > 0 && !force) {
    throw new UserError(`pod ${pod.name} has running containers (${running.map((m) => m.name).join(', ')}); stop them or use pod rm -f`)
  }
  for (const m of members) await removeContainer(m.id, true)
  if (pod.infraId) await removeContainer(pod.infraId, true, {withPod: true}).catch((error) => {
    if (!String(error.message).includes('no such container')) throw error
  })
  await withLock(() => deletePodDir(pod.name))
  return pod
}

export {listPods}

/** The namespaces a member joins (launch.ts: --netns, --uts, --ipc and the /dev/shm of --ipc). */
export const SHARED_NAMESPACES = ['ipc', 'net', 'uts']

/** `pod inspect`: podman's field names where they exist. */
export function podInspect(s: Awaited<ReturnType<typeof podSummary>>) {
  const {pod, infra} = s
  const portBindings: Record<string, Array<{HostIp: string; HostPort: string}>> = {}
  for (const p of infra?.hostConfig.ports ?? []) (portBindings[`${p.containerPort}/${p.protocol}`] ??= []).push({HostIp: p.hostIp, HostPort: String(p.hostPort)})
  return {
    Id: pod.id,
    Name: pod.name,
    Created: pod.created,
    CreateCommand: pod.createCommand ?? [],
    State: s.status,
    Hostname: infra?.config.hostname ?? pod.name,
    InfraContainerID: pod.infraId,
    InfraConfig: {
      InfraContainerID: pod.infraId,
      PortBindings: portBindings,
      Networks: [pod.network],
      HostNetwork: pod.network === 'host',
      PauseCommand: infra?.config.argv ?? [],
    },
    SharedNamespaces: SHARED_NAMESPACES,
    IPAddress: s.ip,
    Network: pod.network,
    Ports: pod.ports,
    NumContainers: s.members.length + (infra ? 1 : 0),
    Containers: [...(infra ? [infra] : []), ...[...s.members].sort((a, b) => byText(a.created, b.created))].map((c) => ({Id: c.id, Name: c.name, State: liveStatus(c)})),
  }
}
