import {cgroupPlan, procsFiles, type Limits} from '../kernel/cgroups.js'
import {instanceTag} from '../state/paths.js'
import {readInRoot} from '../util/scoped-path.js'
import {effectiveCaps} from './capabilities.js'
import type {ProcessSpec} from './launch.js'
import type {ContainerRecord} from './record.js'
import {type ResolvedUser, resolveUser} from './run-options.js'

// What a container's processes get (environment, user, capabilities, limits), from its record:
// for `run` and for `exec`, which loads this and not what creating a container needs.

/** The cgroup limits of a container (kernel/cgroups.ts). */
export function limitsOf(rec: ContainerRecord): Limits {
  return {memory: rec.hostConfig.memory, pidsLimit: rec.hostConfig.pidsLimit, cpus: rec.hostConfig.cpus}
}

/** -u NAME|UID[:GROUP]: the ids from the container's own /etc/passwd and /etc/group (its files: size-capped). */
async function imageUser(rec: ContainerRecord, spec: string): Promise<ResolvedUser> {
  const read = (p: string) => readInRoot(rec.rootfs.merged, p, 1 << 20)
  return resolveUser(spec, await read('/etc/passwd'), await read('/etc/group'))
}

/** The container's environment (KEY=VALUE): the image's and -e, then Docker's defaults. */
export function containerEnv(rec: ContainerRecord, extra: string[] = [], home?: string): string[] {
  const env = new Map<string, string>()
  for (const e of [...rec.config.env, ...extra]) {
    const i = e.indexOf('=')
    env.set(e.slice(0, i), e.slice(i + 1))
  }
  if (!env.has('HOSTNAME')) env.set('HOSTNAME', rec.config.hostname)
  if (!env.has('HOME')) env.set('HOME', home || '/root')
  if (rec.config.tty && !env.has('TERM')) env.set('TERM', 'xterm')
  return [...env].map(([k, v]) => `${k}=${v}`)
}

/** What the container's processes get, for `run` and for `exec` (which may name another user). */
export async function processSpec(rec: ContainerRecord, extraEnv: string[] = [], userSpec = rec.config.user): Promise<Omit<ProcessSpec, 'argv'>> {
  const {hostConfig: h} = rec
  const user = userSpec ? await imageUser(rec, userSpec) : undefined
  return {
    env: containerEnv(rec, extraEnv, user?.home),
    user,
    rlimits: h.ulimits,
    workdir: rec.config.workdir,
    caps: effectiveCaps(h.capAdd, h.capDrop, h.privileged),
    privileged: h.privileged,
    seccomp: !(h.securityOpt ?? []).some((o) => /^seccomp[=:]unconfined$/.test(o)),
    cgroupProcs: procsFiles(cgroupPlan(rec.id, instanceTag(), limitsOf(rec))),
    tty: rec.config.tty,
    stdin: rec.config.interactive,
  }
}
