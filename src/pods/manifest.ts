import {parseAllDocuments} from 'yaml'
import {z} from 'zod'
import {UserError} from '../errors.js'
import {isIp} from '../networks/ipam/cidr.js'
import {ANY_IP, type PortMapping} from '../networks/ports.js'
import {envNameProblem, hostnameProblem, mountDestinationProblem} from '../containers/validate.js'

// A Kubernetes v1 Pod manifest, the subset that makes sense on one machine (docs/CLI.md "Pods").
// Pure: text in, a validated plan out, plus warnings naming every field minirun ignores.

/** A zod check from one of containers/validate.ts's "why is this wrong" functions. */
function problem(why: (v: string) => string | undefined) {
  return (v: string, ctx: z.RefinementCtx) => {
    const p = why(v)
    if (p) ctx.addIssue({code: z.ZodIssueCode.custom, message: `${JSON.stringify(v.length > 60 ? v.slice(0, 60) + '...' : v)}: ${p}`})
  }
}

const name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase DNS label (a-z, 0-9, -)').max(63)
const port = z.number().int().min(1).max(65535)

const ContainerSchema = z
  .object({
    name,
    image: z.string().min(1).max(1024),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    workingDir: z.string().optional(),
    env: z.array(z.object({name: z.string().superRefine(problem(envNameProblem)), value: z.string().optional()}).passthrough()).optional(),
    ports: z
      .array(
        z
          .object({
            // podman: a port with only hostPort publishes it on the same container port
            containerPort: port.optional(),
            hostPort: port.optional(),
            hostIP: z.string().optional(),
            protocol: z.enum(['TCP', 'UDP']).optional(),
            name: z.string().optional(),
          })
          .passthrough(),
      )
      .optional(),
    // podman's SELinux relabel suffixes (:z, :Z) mean nothing here: accepted and dropped
    volumeMounts: z.array(z.object({name: z.string(), mountPath: z.string().transform((v) => v.replace(/:[zZ]$/, '')).pipe(z.string().superRefine(problem(mountDestinationProblem))), readOnly: z.boolean().optional()}).passthrough()).optional(),
  })
  .passthrough()

const VolumeSchema = z
  .object({
    name: z.string().min(1),
    hostPath: z.object({path: z.string().startsWith('/'), type: z.string().optional()}).passthrough().optional(),
    emptyDir: z.object({}).passthrough().nullable().optional(),
  })
  .passthrough()

const PodSchema = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('Pod'),
    metadata: z.object({name, labels: z.record(z.string()).optional(), namespace: z.string().optional()}).passthrough(),
    spec: z
      .object({
        containers: z.array(ContainerSchema).min(1),
        volumes: z.array(VolumeSchema).optional(),
        restartPolicy: z.string().optional(),
        hostname: z.string().superRefine(problem(hostnameProblem)).optional(),
      })
      .passthrough(),
  })
  .passthrough()

export type PodManifest = z.infer<typeof PodSchema>

export interface PlannedContainer {
  name: string
  image: string
  entrypoint?: string[]
  command: string[]
  env: string[]
  workdir?: string
  volumes: Array<{volume: string; mountPath: string; readOnly: boolean}>
  /** spec.restartPolicy as a --restart policy */
  restart?: string
}

export interface PodPlan {
  name: string
  /** spec.hostname: the pod's (shared) hostname */
  hostname?: string
  publish: PortMapping[]
  containers: PlannedContainer[]
  volumes: Array<{name: string; hostPath?: string; emptyDir: boolean}>
  warnings: string[]
}

function pathText(path: Array<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
}

/** Fields present in `value` that `schema` does not know, as dotted paths. */
function unknownFields(schema: z.ZodTypeAny, value: unknown, at: Array<string | number>, out: string[]): void {
  let s = schema
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap()
  if (s instanceof z.ZodObject && value && typeof value === 'object' && !Array.isArray(value)) {
    const shape = s.shape as Record<string, z.ZodTypeAny>
    for (const [k, v] of Object.entries(value)) {
      if (k in shape) unknownFields(shape[k], v, [...at, k], out)
      else out.push(pathText([...at, k]))
    }
  } else if (s instanceof z.ZodArray && Array.isArray(value)) {
    value.forEach((v, i) => unknownFields(s.element, v, [...at, i], out))
  }
}

const RESTART: Record<string, string> = {Always: 'always', OnFailure: 'on-failure', Never: 'no'}

/** ConfigMaps and Secrets are other API objects minirun does not keep: where is one referenced? */
function objectReference(value: unknown, at: Array<string | number>): {path: string; kind: string} | undefined {
  if (!value || typeof value !== 'object') return undefined
  for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    if (typeof k === 'string' && /^(configMap|configMapRef|configMapKeyRef)$/.test(k)) return {path: pathText([...at, k]), kind: 'ConfigMap'}
    if (typeof k === 'string' && /^(secret|secretRef|secretKeyRef)$/.test(k)) return {path: pathText([...at, k]), kind: 'Secret'}
    const hit = objectReference(v, [...at, k])
    if (hit) return hit
  }
  return undefined
}

/** Every Pod of a (multi-document) manifest; all are checked before any is run. */
export function planPods(text: string): PodPlan[] {
  let docs: unknown[]
  try {
    const parsed = parseAllDocuments(text)
    if (!Array.isArray(parsed)) throw new Error('not a YAML stream')
    for (const d of parsed) if (d.errors.length > 0) throw d.errors[0]
    docs = parsed.map((d) => d.toJS({maxAliasCount: 100})).filter((d) => d !== null && d !== undefined)
  } catch (error) {
    throw new UserError(`the manifest is not valid YAML: ${(error as Error).message.split('\n')[0]}`)
  }
  if (docs.length === 0) throw new UserError('the manifest is empty: it needs a document with kind: Pod')
  const plans = docs.map((d, i) => planOne(d, docs.length > 1 ? ` (document ${i + 1})` : ''))
  const names = new Set<string>()
  for (const p of plans) {
    if (names.has(p.name)) throw new UserError(`invalid Pod manifest: two Pods are named "${p.name}"`)
    names.add(p.name)
  }
  return plans
}

/** A manifest of exactly one Pod. */
export function planPod(text: string): PodPlan {
  const plans = planPods(text)
  if (plans.length !== 1) throw new UserError(`the manifest has ${plans.length} Pods; one was expected`)
  return plans[0]
}

function planOne(doc: unknown, where: string): PodPlan {
  const invalid = (at: string, why: string) => new UserError(`invalid Pod manifest${where}: ${at}: ${why}`)
  const kind = (doc as {kind?: unknown})?.kind
  if (typeof kind === 'string' && kind !== 'Pod') throw invalid('kind', `${JSON.stringify(kind.slice(0, 60))} is not supported: minirun plays kind: Pod only`)
  const ref = objectReference((doc as {spec?: unknown})?.spec, ['spec'])
  if (ref) throw invalid(ref.path, `${ref.kind}s are not supported by minirun; put the values in the Pod itself (env[].value, a hostPath volume)`)
  const res = PodSchema.safeParse(doc)
  if (!res.success) {
    const issue = res.error.issues[0]
    throw invalid(pathText(issue.path) || '(top level)', issue.message)
  }
  const m = res.data
  const warnings: string[] = []
  const unknown: string[] = []
  unknownFields(PodSchema, doc, [], unknown)
  for (const f of unknown) if (!/^metadata\.(annotations|uid|creationTimestamp)$/.test(f)) warnings.push(`field ${f} is not supported by minirun and is ignored`)
  const restart = m.spec.restartPolicy === undefined ? undefined : RESTART[m.spec.restartPolicy]
  if (m.spec.restartPolicy !== undefined && !restart) throw invalid('spec.restartPolicy', `${JSON.stringify(m.spec.restartPolicy.slice(0, 60))}: use Always, OnFailure or Never`)

  const volumes = (m.spec.volumes ?? []).map((v, i) => {
    if (!v.hostPath && v.emptyDir === undefined) throw invalid(`spec.volumes[${i}]`, 'needs hostPath or emptyDir (the only volume types minirun supports)')
    return {name: v.name, hostPath: v.hostPath?.path, emptyDir: !v.hostPath}
  })
  const seenVolumes = new Set<string>()
  volumes.forEach((v, i) => {
    if (seenVolumes.has(v.name)) throw invalid(`spec.volumes[${i}].name`, `duplicate volume name "${v.name}"`)
    seenVolumes.add(v.name)
  })
  const seen = new Set<string>()
  const publish: PortMapping[] = []
  const containers = m.spec.containers.map((c, i) => {
    if (seen.has(c.name)) throw invalid(`spec.containers[${i}].name`, `duplicate container name "${c.name}"`)
    seen.add(c.name)
    for (const [j, p] of (c.ports ?? []).entries()) {
      if (p.containerPort === undefined && p.hostPort === undefined) throw invalid(`spec.containers[${i}].ports[${j}]`, 'needs containerPort or hostPort')
      if (p.hostIP !== undefined && !isIp(p.hostIP)) throw invalid(`spec.containers[${i}].ports[${j}].hostIP`, `"${p.hostIP}" is not an IPv4 address`)
      if (p.hostPort !== undefined) publish.push({hostIp: p.hostIP ?? ANY_IP, hostPort: p.hostPort, containerPort: p.containerPort ?? p.hostPort, protocol: p.protocol === 'UDP' ? 'udp' : 'tcp'})
    }
    const mounts = (c.volumeMounts ?? []).map((vm, j) => {
      if (!seenVolumes.has(vm.name)) throw invalid(`spec.containers[${i}].volumeMounts[${j}].name`, `no volume named "${vm.name}" in spec.volumes`)
      return {volume: vm.name, mountPath: vm.mountPath, readOnly: vm.readOnly ?? false}
    })
    return {
      name: c.name,
      image: c.image,
      // Kubernetes: command replaces the image's Entrypoint, args replace its Cmd.
      entrypoint: c.command,
      command: c.args ?? [],
      env: (c.env ?? []).map((e) => `${e.name}=${e.value ?? ''}`),
      workdir: c.workingDir,
      volumes: mounts,
      restart,
    }
  })
  return {name: m.metadata.name, hostname: m.spec.hostname, publish, containers, volumes, warnings}
}
