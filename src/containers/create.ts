import {randomBytes} from 'node:crypto'
import fs from 'node:fs/promises'
import {mkdirSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {UserError} from '../errors.js'
import {resolveImage} from '../images/store.js'
import type {ImageConfig} from '../images/types.js'
import {createNetns, deleteNetns} from '../kernel/netns.js'
import {mountOverlay, unmount} from '../kernel/mount.js'
import {isAlive, pidStartTime} from '../kernel/proc.js'
import type {Rollback} from '../kernel/rollback.js'
import {comment, phase} from '../kernel/runner.js'
import {attachNetwork, ensureNetworkReady, planNetwork, type NetworkPlan} from '../networks/attach.js'
import {DEFAULT_NETWORK, parseNetworkMode, type NetworkMode} from '../networks/mode.js'
import {expandEnv, validateName} from '../util/names.js'
import {checkDuplicates, parseExposedPorts, type PortMapping} from '../networks/ports.js'
import {parseIp} from '../networks/ipam/cidr.js'
import {hasResolver, type DnsSettings} from '../networks/dns/config.js'
import {findPod} from '../pods/records.js'
import {withLock} from '../state/lock.js'
import {cgroupPlan, createCgroups, removeCgroups, validateLimits} from '../kernel/cgroups.js'
import {limitsOf} from './process-spec.js'
import {instanceTag, paths} from '../state/paths.js'
import {effectiveCaps} from './capabilities.js'
import {parseRestartPolicy} from './restart-policy.js'
import {startForwarder} from './dns-names.js'
import {writeEtcFiles} from './etc.js'
import {mountSources} from '../volumes/sources.js'
import type {MountRequest} from '../volumes/spec.js'
import {validateEnvEntry, validateHostname, validateRefLength} from './validate.js'
import {endpointOf} from './endpoint.js'
import {findContainer} from './find.js'
import {claimName, nameOwner} from './name-index.js'
import {randomName} from './names.js'
import {type Bind, type ContainerRecord, removeStateDir, writeRecord} from './record.js'

// Everything `run` does before the command starts, as the list of steps it performs.
// Each step registers its undo on the rollback stack first, so a failure leaves nothing behind.

export interface RunRequest {
  image: string
  command: string[]
  /** replaces the image's Entrypoint (a Kubernetes container's `command`) */
  entrypoint?: string[]
  name?: string
  env: string[]
  workdir?: string
  hostname?: string
  tty: boolean
  interactive: boolean
  detach: boolean
  autoRemove: boolean
  network?: string
  ip?: string
  /** -p, parsed (hostPort 0: a free one is chosen) */
  publish: PortMapping[]
  publishAll: boolean
  /** -v and --mount, parsed */
  mounts: MountRequest[]
  capAdd: string[]
  capDrop: string[]
  privileged: boolean
  /** --restart: no | always | unless-stopped | on-failure[:N] */
  restart?: string
  user?: string
  labels?: Record<string, string>
  /** --expose: more ports for -P than the image declares */
  expose?: string[]
  readOnly?: boolean
  tmpfs?: Record<string, string>
  shmSize?: number
  ulimits?: Array<{name: string; resource: number; soft: string; hard: string}>
  extraHosts?: string[]
  /** --dns, --dns-search, --dns-option */
  dns?: DnsSettings
  /** --network-alias */
  networkAliases?: string[]
  stopSignal?: string
  stopTimeout?: number
  /** --security-opt: seccomp=unconfined, no-new-privileges[=true] */
  securityOpt?: string[]
  init: boolean
  memory?: number
  pidsLimit?: number
  cpus?: number
  pod?: string
  /** this container is the pause container of that pod */
  infraOf?: string
  /** warnings for the user (stderr), e.g. ports ignored in host mode */
  warn: (msg: string) => void
}

type Defaulted = 'command' | 'env' | 'tty' | 'interactive' | 'detach' | 'autoRemove' | 'publish' | 'publishAll' | 'mounts' | 'capAdd' | 'capDrop' | 'privileged' | 'init'

/** The one RunRequest builder (run/create flags, pod create, pod play): every default lives here. */
export function runRequest(given: Omit<RunRequest, Defaulted> & Partial<Pick<RunRequest, Defaulted>>): RunRequest {
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as typeof given
  return {command: [], env: [], tty: false, interactive: false, detach: false, autoRemove: false, publish: [], publishAll: false, mounts: [], capAdd: [], capDrop: [], privileged: false, init: false, ...set}
}

/** Validate everything that can be validated without touching the machine. */
function validate(req: RunRequest) {
  validateRefLength('image reference', req.image, 1024)
  if (req.name !== undefined) validateName('container', validateRefLength('container name', req.name, 64))
  if (req.hostname !== undefined) validateHostname(req.hostname)
  if (req.pod !== undefined) validateRefLength('pod name', req.pod, 64)
  if (req.network !== undefined) validateRefLength('--network', req.network, 80)
  // Docker: a bare -e KEY copies KEY from here, and is dropped if unset.
  const env = expandEnv(req.env).map(validateEnvEntry)
  const mode = parseNetworkMode(req.network)
  checkDuplicates(req.publish)
  if (req.workdir !== undefined && !req.workdir.startsWith('/')) {
    throw new UserError(`invalid working directory "${req.workdir}": -w needs an absolute path inside the container`)
  }
  if (req.ip !== undefined) parseIp(req.ip)
  for (const o of req.securityOpt ?? []) validateSecurityOpt(o)
  parseRestartPolicy(req.restart)
  effectiveCaps(req.capAdd, req.capDrop, req.privileged) // validates the names before anything is made
  return {env, mounts: req.mounts, mode, specs: req.publish}
}

/** What `run` does before the command starts, one step a line. */
export async function createContainer(req: RunRequest, rb: Rollback): Promise<ContainerRecord> {
  const input = validate(req)
  const pod = await podOf(req, input.specs)
  phase('image', req.image)
  const image = await resolveImage(req.image)
  const binds = await mountSources(input.mounts, image.rootfs, rb)
  const plan = await planNetwork(pod ? {kind: 'container', ref: pod.infraId} : input.mode)
  const id = randomBytes(32).toString('hex')
  const net = await networkSettings(req, plan, id, pod)
  const ports = portsFor(req, input.specs, exposedOf(req, image), plan)
  const rec = newRecord(req, {id, image, binds, env: input.env, ports, net, pod: pod?.name ?? req.infraOf})
  validateLimits(limitsOf(rec))
  await storeRecord(rec, req.name, rb)
  return rec
}

/** --pod takes a name, an id or a unique id prefix, as podman's; the record keeps the name. */
async function podOf(req: RunRequest, specs: PortMapping[]): Promise<{name: string; infraId: string} | undefined> {
  if (req.pod === undefined) return undefined
  const pod = await findPod(req.pod).catch((error) => {
    throw error instanceof UserError ? new UserError(`${error.message.replace(/ \(see minirun pod ls\)$/, '')} (create it with minirun pod create ${req.pod}, see minirun pod ls)`) : error
  })
  if (!pod.infraId) throw new UserError(`pod ${pod.name} is still being created; try again`)
  if (specs.length > 0) throw new UserError(`publish ports on the pod, not its members (minirun pod create -p ... ${pod.name})`)
  if (req.hostname !== undefined) throw new UserError(`--hostname cannot be set on a member of pod ${pod.name}: members share the pod's hostname`)
  return {name: pod.name, infraId: pod.infraId}
}

/** The record's network mode (a container: mode names the namespace's owner) and hostname. */
async function networkSettings(req: RunRequest, plan: NetworkPlan, id: string, pod: unknown): Promise<{networkMode: string; hostname: string}> {
  const {mode} = plan
  if (mode.kind === 'host') return {networkMode: 'host', hostname: req.hostname ?? os.hostname()}
  if (mode.kind !== 'container') return {networkMode: plan.network?.name ?? 'none', hostname: req.hostname ?? id.slice(0, 12)}
  const target = await findContainer(mode.ref).catch(() => {
    throw new UserError(`cannot join the network of container ${mode.ref}: no such container`)
  })
  // a pod member is in the pod's UTS namespace: its /etc/hostname says what `hostname` says
  return {networkMode: `container:${target.netnsOwner ?? target.id}`, hostname: pod ? target.config.hostname : req.hostname ?? id.slice(0, 12)}
}

function exposedOf(req: RunRequest, image: {config: ImageConfig}) {
  return parseExposedPorts([...new Set([...Object.keys(image.config.ExposedPorts ?? {}), ...(req.expose ?? [])])])
}

/** -p, plus -P's exposed ports, as the network's driver takes them (dropped with a warning, or refused). */
function portsFor(req: RunRequest, specs: PortMapping[], exposed: ReturnType<typeof exposedOf>, plan: NetworkPlan): PortMapping[] {
  const ports: PortMapping[] = specs.map((s) => ({...s}))
  if (req.publishAll) {
    for (const e of exposed) {
      if (!ports.some((p) => p.containerPort === e.containerPort && p.protocol === e.protocol)) ports.push({hostIp: '0.0.0.0', hostPort: 0, ...e})
    }
  }
  if (req.networkAliases?.length && !(plan.network && hasResolver(plan.network))) {
    throw new UserError(`--network-alias needs a user-defined bridge network (minirun network create NAME, then --network NAME), not --network ${req.pod !== undefined ? `container: (pod ${req.pod})` : req.network ?? DEFAULT_NETWORK}`)
  }
  const checked = plan.driver.validate(plan.network, {ports, requestedIp: req.ip, mode: req.pod !== undefined ? `container: (pod ${req.pod})` : req.network ?? DEFAULT_NETWORK})
  for (const w of checked.warnings) req.warn(w)
  return checked.ports
}

function newRecord(
  req: RunRequest,
  o: {id: string; image: Awaited<ReturnType<typeof resolveImage>>; binds: Bind[]; env: string[]; ports: PortMapping[]; net: {networkMode: string; hostname: string}; pod?: string},
): ContainerRecord {
  const {id, image} = o
  const entrypoint = req.entrypoint ?? image.config.Entrypoint ?? []
  // As Docker: a new entrypoint drops the image's Cmd; a given command replaces it.
  const cmd = req.command.length > 0 ? req.command : req.entrypoint ? [] : image.config.Cmd ?? []
  const argv = [...entrypoint, ...cmd]
  if (argv.length === 0) throw new UserError(`no command given and image ${req.image} has no Cmd; add a command after the image name`)
  const dir = paths.container(id)
  return {
    id,
    name: '',
    created: new Date().toISOString(),
    image: req.image,
    imageId: image.id,
    rootfs: {lower: image.rootfs, upper: path.join(dir, 'upper'), work: path.join(dir, 'work'), merged: path.join(dir, 'rootfs')},
    config: {
      argv,
      entrypoint,
      cmd,
      env: mergeEnv(image.config.Env ?? [], o.env),
      workdir: req.workdir ?? (image.config.WorkingDir || '/'),
      hostname: o.net.hostname,
      tty: req.tty,
      interactive: req.interactive,
      exposedPorts: exposedOf(req, image).map((e) => `${e.containerPort}/${e.protocol}`),
      user: req.user ?? (image.config.User || undefined),
      // an image's labels and stop signal are its own data: kept only when they have the right shape
      labels: {...imageLabels(image.config.Labels), ...req.labels},
      stopSignal: req.stopSignal ?? (typeof image.config.StopSignal === 'string' && /^(SIG)?[A-Z0-9]{1,12}$/.test(image.config.StopSignal) ? image.config.StopSignal : undefined),
    },
    hostConfig: {
      networkMode: o.net.networkMode,
      ipAddress: req.ip,
      readOnly: req.readOnly,
      tmpfs: req.tmpfs,
      shmSize: req.shmSize,
      ulimits: req.ulimits,
      extraHosts: req.extraHosts,
      dns: req.dns,
      networkAliases: req.networkAliases?.length ? req.networkAliases : undefined,
      stopTimeout: req.stopTimeout,
      restart: req.restart,
      autoRemove: req.autoRemove,
      binds: o.binds,
      ports: o.ports,
      capAdd: req.capAdd,
      capDrop: req.capDrop,
      privileged: req.privileged,
      securityOpt: req.securityOpt ?? [],
      init: req.init,
      memory: req.memory,
      pidsLimit: req.pidsLimit,
      cpus: req.cpus,
      pod: o.pod,
      detached: req.detach,
    },
    state: {
      status: 'created',
      pid: 0,
      pidStart: 0,
      launcherPid: 0,
      supervisorPid: 0,
      creatorPid: process.pid,
      creatorStart: pidStartTime(process.pid),
      exitCode: 0,
      startedAt: '',
      finishedAt: '',
      error: '',
    },
    netns: null,
    networks: {},
  }
}

/** The record, under the store lock so two runs cannot take the same name. */
async function storeRecord(rec: ContainerRecord, name: string | undefined, rb: Rollback): Promise<void> {
  phase('state', 'container record')
  await withLock(async () => {
    if (name !== undefined && !(await claimName(name, rec.id))) {
      const other = (await nameOwner(name)) ?? ''
      throw new UserError(`the container name "${name}" is already in use by container ${other.slice(0, 12)}; remove it (minirun rm -f ${name}) or choose another name`)
    }
    if (name === undefined) for (let i = 0; !(await claimName((rec.name = randomName(i)), rec.id)); i++);
    else rec.name = name
    rb.push('container dir', () => removeStateDir(rec))
    mkdirSync(paths.container(rec.id), {recursive: true})
    await writeRecord(rec)
  })
}

/**
 * Everything a created or stopped container needs before its command starts, made from its
 * record: cgroups, the overlay root, the network namespace and what is wired into it (the
 * addresses a stopped container had, when they are still free), /etc files.
 */
export async function prepareContainer(rec: ContainerRecord, rb: Rollback): Promise<void> {
  // 1. Resource limits: cgroups the launcher joins before the command starts.
  const cgroups = cgroupPlan(rec.id, instanceTag(), limitsOf(rec))
  if (cgroups.leaves.length > 0) {
    phase('launch', 'resource limits')
    rb.push('cgroups', () => removeCgroups(cgroups))
    await createCgroups(cgroups)
  }

  // 2. The root filesystem: an overlay on the image, never a copy.
  phase('image', 'container root filesystem')
  rb.push('overlay', () => unmount(rec.rootfs.merged))
  await mountOverlay(rec.rootfs.lower, rec.rootfs.upper, rec.rootfs.work, rec.rootfs.merged)

  // 3. The network namespace and what is wired into it.
  rec.networks = {}
  rec.netns = null
  rec.netnsOwner = undefined
  const plan = await planNetwork(recordedMode(rec))
  if (plan.driver.capabilities.netns === 'host') {
    phase('netns', "the host's own")
    comment("--network host: no network namespace of its own; it uses the host's interfaces and ports")
  } else if (plan.driver.capabilities.netns === 'joined') await joinNetns(rec)
  else await ownNetns(rec, plan, rb)
  // on several networks with a resolver: its own DNS forwarder answers before resolv.conf names it
  await startForwarder(rec, rb)
  // ports now carry the host ports actually chosen (-P / -p CTR)
  await writeEtcFiles(rec)
  await withLock(() => writeRecord(rec))
}

/** The record's network mode as --network would say it. */
function recordedMode(rec: ContainerRecord): NetworkMode {
  const mode = rec.hostConfig.networkMode
  if (mode.startsWith('container:')) return {kind: 'container', ref: mode.slice('container:'.length)}
  return parseNetworkMode(mode)
}

/** container: mode and pods: the owner's namespace, nothing wired; the record names only the owner. */
async function joinNetns(rec: ContainerRecord): Promise<void> {
  const mode = rec.hostConfig.networkMode
  const target = await findContainer(mode.slice('container:'.length)).catch(() => {
    throw new UserError(`cannot join the network of container ${mode.slice(10, 22)}: it no longer exists`)
  })
  if (target.state.status !== 'running' || !isAlive(target.state.pid, target.state.pidStart)) {
    throw new UserError(`cannot join the network of container ${target.name}: it is not running (start it first)`)
  }
  phase('netns', rec.hostConfig.pod ? `the network namespace of pod ${rec.hostConfig.pod}` : `shared with container ${target.name}`)
  const owner = target.netnsOwner ? await findContainer(target.netnsOwner).then((o) => o.name, () => target.netnsOwner!) : target.name
  comment(`no network namespace of its own: it joins ${owner}'s (${rec.hostConfig.pod ? `the pause container of pod ${rec.hostConfig.pod}` : 'container: mode'}),`)
  comment(`so it has ${owner}'s interfaces and IP, and reaches its other members on 127.0.0.1; nothing is wired`)
  rec.netns = target.netns
  rec.netnsOwner = target.netnsOwner ?? target.id
}

/** A namespace of its own, and an endpoint on each of its networks. */
async function ownNetns(rec: ContainerRecord, plan: NetworkPlan, rb: Rollback): Promise<void> {
  phase('netns', 'a network namespace of its own')
  const netns = paths.netns(rec.id)
  rb.push('netns', () => deleteNetns(netns))
  await createNetns(netns)
  rec.netns = netns
  const primary = plan.network?.name
  // the primary network first (it carries the published ports), then those connected later
  const endpoints = rec.hostConfig.endpoints ?? (primary ? [{network: primary, ifname: 'eth0', ip: rec.hostConfig.ipAddress, aliases: [rec.name, ...(rec.hostConfig.networkAliases ?? [])]}] : [])
  if (endpoints.length === 0) comment('--network none: nothing is wired in; loopback is its only interface')
  for (const ep of endpoints) {
    const net = await ensureNetworkReady(ep.network)
    const req = endpointOf(rec, ep.ifname, {ports: ep.network === primary ? rec.hostConfig.ports : [], aliases: ep.aliases})
    // a stopped container gets its old address back when it is still free, as in Docker
    const wanted = ep.network === primary && rec.hostConfig.ipAddress ? rec.hostConfig.ipAddress : ep.ip
    let att
    try {
      att = await attachNetwork({...req, requestedIp: wanted}, net, rb)
    } catch (error) {
      if (wanted === undefined || wanted === rec.hostConfig.ipAddress) throw error
      att = await attachNetwork(req, net, rb)
    }
    rec.networks[net.name] = att
  }
}

/** Image Env first, then -e: a later KEY replaces an earlier one. */
export function mergeEnv(base: string[], extra: string[]): string[] {
  const out = new Map<string, string>()
  for (const e of [...base, ...extra]) out.set(e.split('=')[0], e)
  if (![...out.keys()].includes('PATH')) out.set('PATH', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
  return [...out.values()]
}

function imageLabels(labels: unknown): Record<string, string> {
  if (typeof labels !== 'object' || labels === null) return {}
  return Object.fromEntries(Object.entries(labels).filter(([k, v]) => typeof v === 'string' && k.length <= 255 && !/[\0\n]/.test(k + v)).slice(0, 256))
}

/** The --security-opt values minirun honours; anything else is refused rather than ignored. */
function validateSecurityOpt(opt: string): void {
  // no_new_privs is always set for non-privileged containers, so the flag is accepted as a no-op.
  if (['seccomp=unconfined', 'seccomp:unconfined', 'no-new-privileges', 'no-new-privileges=true', 'no-new-privileges:true'].includes(opt)) return
  throw new UserError(`unsupported --security-opt "${opt}": minirun knows seccomp=unconfined and no-new-privileges`)
}
