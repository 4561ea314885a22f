import {createOnly, runContainer} from '../../containers/lifecycle.js'
import {runRequest as runRequestOf, type RunRequest} from '../../containers/create.js'
import {parsePublish} from '../../networks/ports.js'
import {parseMountFlag, parseVolumeFlag} from '../../volumes/spec.js'
import {UserError} from '../../errors.js'
import {isTmpfsMount, parseAddHost, parseLabels, parseSignal, parseTmpfs, parseTmpfsMount, parseUlimit} from '../../containers/run-options.js'
import {keepTranscript, startExplain} from '../explain.js'
import {parseDnsSettings, parseNetworkAliases} from '../../networks/dns/config.js'
import {envFiles, requireTerminal} from './exec.js'
import {paths} from '../../state/paths.js'

// run and exec, once their flags are parsed (by oclif or by the fast path, cli/fast.ts): both
// take the words after the image / container as the command, untouched.

export interface RunFlags {
  detach?: boolean
  rm?: boolean
  interactive?: boolean
  tty?: boolean
  name?: string
  env?: string[]
  workdir?: string
  hostname?: string
  publish?: string[]
  'publish-all'?: boolean
  network?: string
  ip?: string
  volume?: string[]
  mount?: string[]
  pod?: string
  init?: boolean
  memory?: string
  'pids-limit'?: string
  cpus?: string
  'cap-add'?: string[]
  'cap-drop'?: string[]
  privileged?: boolean
  'security-opt'?: string[]
  restart?: string
  entrypoint?: string
  user?: string
  'env-file'?: string[]
  label?: string[]
  expose?: string[]
  'read-only'?: boolean
  tmpfs?: string[]
  'shm-size'?: string
  ulimit?: string[]
  'add-host'?: string[]
  dns?: string[]
  'dns-search'?: string[]
  'dns-option'?: string[]
  'network-alias'?: string[]
  'stop-signal'?: string
  'stop-timeout'?: string
  explain?: boolean
}

export async function run(image: string, command: string[], flags: RunFlags): Promise<void> {
  startExplain(flags.explain)
  if (flags.tty && flags.interactive && !flags.detach) requireTerminal()
  if (flags.detach && flags.rm && flags.interactive) throw new UserError('-d with -i has nothing to read from; drop -i')
  const {rec, exitCode} = await runRequest(image, command, flags).then(runContainer).catch(as125)
  if (flags.explain) keepTranscript(paths.container(rec.id))
  if (flags.detach) process.stdout.write(rec.id + '\n')
  else process.exitCode = exitCode
}

/** `create`: the same request as `run`, made into a record only; prints the id. */
export async function create(image: string, command: string[], flags: RunFlags): Promise<void> {
  startExplain(flags.explain)
  const rec = await runRequest(image, command, {...flags, detach: true}).then(createOnly).catch(as125)
  if (flags.explain) keepTranscript(paths.container(rec.id))
  process.stdout.write(rec.id + '\n')
}

/** Docker's convention: 125 when the runtime itself failed, 127 when the command is missing. */
function as125(error: unknown): never {
  if (error instanceof UserError && error.exitCode === 1) throw new UserError(error.message, 125)
  throw error
}

/** The RunRequest of `run` and `create` flags. */
async function runRequest(image: string, command: string[], flags: RunFlags): Promise<RunRequest> {
  if (flags.rm && flags.restart && flags.restart !== 'no') throw new UserError('--restart and --rm conflict: a container removed on exit cannot be restarted; drop one')
  const stopTimeout = flags['stop-timeout'] === undefined ? undefined : Number(flags['stop-timeout'])
  if (stopTimeout !== undefined && !(Number.isInteger(stopTimeout) && stopTimeout >= -1)) throw new UserError(`invalid --stop-timeout "${flags['stop-timeout']}": a whole number of seconds`)
  return runRequestOf({
    image,
    command,
    name: flags.name,
    // Docker's --entrypoint is one word (no shell splitting); "" clears the image's
    entrypoint: flags.entrypoint === undefined ? undefined : flags.entrypoint === '' ? [] : [flags.entrypoint],
    env: [...(await envFiles(flags['env-file'] ?? [])), ...(flags.env ?? [])],
    user: flags.user,
    labels: parseLabels(flags.label ?? []),
    expose: (flags.expose ?? []).map((e) => (e.includes('/') ? e : `${e}/tcp`)),
    readOnly: flags['read-only'] ?? false,
    tmpfs: Object.fromEntries([...(flags.tmpfs ?? []).map((t) => parseTmpfs(t)), ...(flags.mount ?? []).filter(isTmpfsMount).map(parseTmpfsMount)].map((t) => [t.path, t.options])),
    shmSize: flags['shm-size'] === undefined ? undefined : parseBytes(flags['shm-size']),
    ulimits: (flags.ulimit ?? []).map((u) => parseUlimit(u)),
    extraHosts: (flags['add-host'] ?? []).map((h) => parseAddHost(h)).map((h) => `${h.name}:${h.ip}`),
    dns: parseDnsSettings(flags),
    networkAliases: parseNetworkAliases(flags['network-alias'] ?? []),
    stopSignal: flags['stop-signal'] === undefined ? undefined : parseSignal(flags['stop-signal']),
    stopTimeout,
    workdir: flags.workdir,
    hostname: flags.hostname,
    tty: flags.tty,
    interactive: flags.interactive,
    detach: flags.detach,
    autoRemove: flags.rm,
    network: flags.pod ? undefined : flags.network,
    ip: flags.ip,
    publish: (flags.publish ?? []).flatMap((p) => parsePublish(p)),
    publishAll: flags['publish-all'],
    mounts: [...(flags.volume ?? []).map(parseVolumeFlag), ...(flags.mount ?? []).filter((m) => !isTmpfsMount(m)).map(parseMountFlag)],
    capAdd: flags['cap-add'],
    capDrop: flags['cap-drop'],
    privileged: flags.privileged,
    securityOpt: flags['security-opt'],
    init: flags.init,
    memory: flags.memory ? parseBytes(flags.memory) || undefined : undefined, // 0: unlimited, as Docker
    pidsLimit: flags['pids-limit'] === undefined ? undefined : parsePidsLimit(flags['pids-limit']),
    cpus: flags.cpus === undefined ? undefined : parseCpus(flags.cpus),
    pod: flags.pod,
    restart: flags.restart,
    warn: (m) => process.stderr.write(m + '\n'),
  })
}

function parseCpus(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v.trim())) throw new UserError(`invalid --cpus "${v}": use a number of CPUs, e.g. 0.5`)
  return Number(v)
}

/** The range (-1 for no limit) is checked with the other limits (kernel/cgroups.ts). */
function parsePidsLimit(v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new UserError(`invalid --pids-limit "${v}": use a whole number of processes, e.g. 100`)
  return Number(v)
}

export function parseBytes(v: string): number {
  const m = /^(\d+)([bkmg]?)b?$/i.exec(v.trim())
  if (!m) throw new UserError(`invalid size "${v}": use a number of bytes or a suffix k, m, g (e.g. 32m)`)
  const mult = {'': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3}[m[2].toLowerCase() as '' | 'b' | 'k' | 'm' | 'g']
  return Number(m[1]) * mult
}
