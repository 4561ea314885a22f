import path from 'node:path'
import type {ContainerRecord} from '../containers/record.js'
import {hostnameFor} from '../containers/validate.js'
import {parseRestartPolicy} from '../containers/restart-policy.js'

// `pod generate kube`: a pod's records as a Kubernetes v1 Pod that `pod play` brings back and an
// API server accepts (names are DNS labels, ports have containerPort). Pure: records in, an
// object out, plus warnings for what a manifest cannot say.

export interface ImageDefaults {
  Env?: string[]
  Entrypoint?: string[] | null
  Cmd?: string[] | null
  WorkingDir?: string
}

export interface KubeInput {
  name: string
  infra: ContainerRecord
  members: ContainerRecord[]
  /** each member's image config (keyed by container id): only what differs from it is written */
  images: Map<string, ImageDefaults>
  /** where `pod play` keeps emptyDir volumes of this pod: such binds become emptyDir again */
  emptyDirRoot: string
}

/** A Kubernetes name (DNS label): lowercase, a-z 0-9 and '-', at most 63 characters. */
export function dnsLabel(s: string): string {
  const v = s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '')
  return v || 'x'
}

const RESTART = {no: 'Never', always: 'Always', 'unless-stopped': 'Always', 'on-failure': 'OnFailure'} as const
const same = (a: readonly string[] | null | undefined, b: readonly string[] | null | undefined) => JSON.stringify(a ?? []) === JSON.stringify(b ?? [])

export function kubePod(input: KubeInput): {manifest: Record<string, unknown>; warnings: string[]} {
  const warnings: string[] = []
  const name = dnsLabel(input.name)
  if (name !== input.name) warnings.push(`pod name ${input.name} is not a Kubernetes name; the manifest calls it ${name}`)
  const volumes = new Map<string, Record<string, unknown>>()
  const volumeFor = (hostPath: string): string => {
    const inPod = path.relative(input.emptyDirRoot, hostPath)
    const isEmptyDir = !inPod.startsWith('..') && !path.isAbsolute(inPod) && !inPod.includes('/') && inPod !== ''
    for (const [n, v] of volumes) if ((v.hostPath as {path?: string} | undefined)?.path === hostPath || (isEmptyDir && n === inPod)) return n
    let n = dnsLabel(isEmptyDir ? inPod : path.basename(hostPath) || 'root')
    for (let i = 2; volumes.has(n); i++) n = `${dnsLabel(isEmptyDir ? inPod : path.basename(hostPath)).slice(0, 58)}-${i}`
    volumes.set(n, isEmptyDir ? {name: n, emptyDir: {}} : {name: n, hostPath: {path: hostPath}})
    return n
  }
  const names = new Set<string>()
  const policies = new Set<string>()
  const containers = input.members.map((rec, i) => {
    const img = input.images.get(rec.id) ?? {}
    let cname = dnsLabel(rec.name.startsWith(`${input.name}-`) ? rec.name.slice(input.name.length + 1) : rec.name)
    for (let k = 2; names.has(cname); k++) cname = `${cname.slice(0, 58)}-${k}`
    names.add(cname)
    const c: Record<string, unknown> = {name: cname, image: rec.image}
    // Kubernetes: command replaces the image's Entrypoint, args its Cmd
    if (!same(rec.config.entrypoint, img.Entrypoint)) {
      if (rec.config.entrypoint.length === 0) warnings.push(`container ${rec.name}: an empty entrypoint cannot be written in a Pod; the image's is used`)
      else c.command = rec.config.entrypoint
    }
    if (!same(rec.config.cmd, img.Cmd) || c.command) if (rec.config.cmd.length > 0) c.args = rec.config.cmd
    const base = new Set(img.Env ?? [])
    const env = rec.config.env.filter((e) => !base.has(e) && !(e.startsWith('PATH=') && !(img.Env ?? []).some((b) => b.startsWith('PATH='))))
    if (env.length > 0) c.env = env.map((e) => ({name: e.slice(0, e.indexOf('=')), value: e.slice(e.indexOf('=') + 1)}))
    if (rec.config.workdir !== (img.WorkingDir || '/')) c.workingDir = rec.config.workdir
    // the pod's ports are its pause container's; a manifest puts them on a container
    if (i === 0 && input.infra.hostConfig.ports.length > 0) {
      c.ports = input.infra.hostConfig.ports.map((p) => ({
        containerPort: p.containerPort,
        ...(p.hostPort ? {hostPort: p.hostPort} : {}),
        ...(p.hostIp && p.hostIp !== '0.0.0.0' ? {hostIP: p.hostIp} : {}),
        protocol: p.protocol.toUpperCase(),
      }))
    }
    if (rec.hostConfig.binds.length > 0) {
      c.volumeMounts = rec.hostConfig.binds.map((b) => ({name: volumeFor(b.hostPath), mountPath: b.containerPath, ...(b.readOnly ? {readOnly: true} : {})}))
    }
    policies.add(RESTART[parseRestartPolicy(rec.hostConfig.restart).name as keyof typeof RESTART] ?? 'Never')
    return c
  })
  if (policies.size > 1) warnings.push(`members have different restart policies; a Pod has one: ${[...policies][0]}`)
  const spec: Record<string, unknown> = {}
  const hostname = input.infra.config.hostname
  if (hostname !== (hostnameFor(input.name) ?? input.infra.id.slice(0, 12)) || name !== input.name) spec.hostname = hostname
  spec.restartPolicy = [...policies][0] ?? 'Never'
  spec.containers = containers
  if (volumes.size > 0) spec.volumes = [...volumes.values()]
  return {manifest: {apiVersion: 'v1', kind: 'Pod', metadata: {name, labels: {app: name}}, spec}, warnings}
}
