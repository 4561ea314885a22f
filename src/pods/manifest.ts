import {parse as parseYaml} from 'yaml'
import {z} from 'zod'
import {UserError} from '../errors.js'
import {envNameProblem, hostnameProblem, mountDestinationProblem} from '../containers/validate.js'

// A Kubernetes v1 Pod manifest, the subset that makes sense on one machine (CLI.md "Pods").
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
            containerPort: port,
            hostPort: port.optional(),
            hostIP: z.string().optional(),
            protocol: z.enum(['TCP', 'UDP']).optional(),
            name: z.string().optional(),
          })
          .passthrough(),
      )
      .optional(),
    volumeMounts: z.array(z.object({name: z.string(), mountPath: z.string().superRefine(problem(mountDestinationProblem)), readOnly: z.boolean().optional()}).passthrough()).optional(),
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
}

export interface PodPlan {
  name: string
  /** spec.hostname: the pod's (shared) hostname */
  hostname?: string
  publish: string[]
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

export function planPod(text: string): PodPlan {
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (error) {
    throw new UserError(`the manifest is not valid YAML: ${(error as Error).message.split('\n')[0]}`)
  }
  const res = PodSchema.safeParse(doc)
  if (!res.success) {
    const issue = res.error.issues[0]
    throw new UserError(`invalid Pod manifest: ${pathText(issue.path) || '(top level)'}: ${issue.message}`)
  }
  const m = res.data
  const warnings: string[] = []
  const unknown: string[] = []
  unknownFields(PodSchema, doc, [], unknown)
  for (const f of unknown) if (!/^metadata\.(annotations|uid|creationTimestamp)$/.test(f)) warnings.push(`field ${f} is not supported by minirun and is ignored`)
  if (m.spec.restartPolicy && m.spec.restartPolicy !== 'Never') warnings.push(`field spec.restartPolicy=${m.spec.restartPolicy} is not supported by minirun (containers are not restarted)`)

  const volumes = (m.spec.volumes ?? []).map((v, i) => {
    if (!v.hostPath && v.emptyDir === undefined) throw new UserError(`invalid Pod manifest: spec.volumes[${i}]: needs hostPath or emptyDir (the only volume types minirun supports)`)
    return {name: v.name, hostPath: v.hostPath?.path, emptyDir: !v.hostPath}
  })
  const seenVolumes = new Set<string>()
  volumes.forEach((v, i) => {
    if (seenVolumes.has(v.name)) throw new UserError(`invalid Pod manifest: spec.volumes[${i}].name: duplicate volume name "${v.name}"`)
    seenVolumes.add(v.name)
  })
  const seen = new Set<string>()
  const publish: string[] = []
  const containers = m.spec.containers.map((c, i) => {
    if (seen.has(c.name)) throw new UserError(`invalid Pod manifest: spec.containers[${i}].name: duplicate container name "${c.name}"`)
    seen.add(c.name)
    for (const p of c.ports ?? []) {
      if (p.hostPort !== undefined) publish.push(`${p.hostIP ? `${p.hostIP}:` : ''}${p.hostPort}:${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`)
    }
    const mounts = (c.volumeMounts ?? []).map((vm, j) => {
      if (!seenVolumes.has(vm.name)) throw new UserError(`invalid Pod manifest: spec.containers[${i}].volumeMounts[${j}].name: no volume named "${vm.name}" in spec.volumes`)
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
    }
  })
  return {name: m.metadata.name, hostname: m.spec.hostname, publish, containers, volumes, warnings}
}
