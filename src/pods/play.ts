import fs from 'node:fs/promises'
import path from 'node:path'
import {runRequest} from '../containers/create.js'
import {runContainer} from '../containers/lifecycle.js'
import {publishSpec} from '../networks/ports.js'
import {resolveImage} from '../images/store.js'
import {UserError} from '../errors.js'
import {planPods, type PodPlan} from './manifest.js'
import {createPod, removePod} from './pods.js'
import {podDir, readPod, type PodRecord} from './records.js'

// `pod play FILE.yaml|-`: the Pods of a Kubernetes manifest, run unchanged on one machine.
// Every Pod is checked (names, volumes, images) before the first is made, and a failure
// removes every Pod this call made: nothing half-made is left.

/** A manifest is small; anything bigger is refused before it is parsed. */
const MAX_MANIFEST = 4 * 1024 * 1024

export async function readManifest(file: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = []
    let size = 0
    for await (const c of stdin) {
      size += (c as Buffer).length
      if (size > MAX_MANIFEST) throw new UserError(`the manifest on standard input is larger than ${MAX_MANIFEST} bytes; refusing it`)
      chunks.push(c as Buffer)
    }
    return Buffer.concat(chunks).toString('utf8')
  }
  const st = await fs.stat(file).catch(() => undefined)
  if (!st?.isFile()) throw new UserError(`cannot read manifest ${file}: no such file (give a path, or - for standard input)`)
  if (st.size > MAX_MANIFEST) throw new UserError(`manifest ${file} is larger than ${MAX_MANIFEST} bytes; refusing it`)
  return fs.readFile(file, 'utf8').catch(() => {
    throw new UserError(`cannot read manifest ${file}`)
  })
}

export interface Played {
  pod: PodRecord
  containers: string[]
}

export async function playPods(text: string, opts: {replace: boolean; warn: (m: string) => void}): Promise<Played[]> {
  const plans = planPods(text)
  for (const plan of plans) for (const w of plan.warnings) opts.warn(`WARNING: ${plans.length > 1 ? `pod ${plan.name}: ` : ''}${w}`)
  for (const plan of plans) {
    if (!opts.replace && (await readPod(plan.name))) throw new UserError(`pod ${plan.name} already exists; remove it first (minirun pod rm -f ${plan.name}) or use pod play --replace`)
    for (const v of plan.volumes) {
      if (v.hostPath && !(await fs.stat(v.hostPath).catch(() => undefined))) {
        throw new UserError(`pod ${plan.name}: volume ${v.name}: hostPath ${v.hostPath} does not exist; create it first`)
      }
    }
    // Every image must resolve before anything is made.
    for (const c of plan.containers) await resolveImage(c.image)
  }
  if (opts.replace) for (const plan of plans) if (await readPod(plan.name)) await removePod(plan.name, true)
  const done: Played[] = []
  try {
    for (const plan of plans) done.push(await playOne(plan, opts.warn))
  } catch (error) {
    for (const p of done) await removePod(p.pod.name, true).catch(() => {})
    throw error
  }
  return done
}

/** `pod play --down`: remove the Pods the manifest names (those that exist). */
export async function downPods(text: string, warn: (m: string) => void): Promise<PodRecord[]> {
  const out: PodRecord[] = []
  for (const plan of planPods(text)) {
    if (!(await readPod(plan.name))) {
      warn(`WARNING: pod ${plan.name} does not exist; nothing to remove`)
      continue
    }
    out.push(await removePod(plan.name, true))
  }
  return out
}

async function playOne(plan: PodPlan, warn: (m: string) => void): Promise<Played> {
  const pod = await createPod({name: plan.name, hostname: plan.hostname, publish: plan.publish, ports: plan.publish.map(publishSpec), createCommand: ['minirun', ...process.argv.slice(2)], warn})
  const ids: string[] = []
  try {
    const sources = new Map<string, string>()
    for (const v of plan.volumes) {
      const src = v.hostPath ?? path.join(podDir(pod.name), 'volumes', v.name)
      if (v.emptyDir) await fs.mkdir(src, {recursive: true})
      sources.set(v.name, src)
    }
    for (const c of plan.containers) {
      const {rec} = await runContainer(
        runRequest({
          image: c.image,
          entrypoint: c.entrypoint,
          command: c.command,
          name: `${pod.name}-${c.name}`,
          env: c.env,
          workdir: c.workdir,
          detach: true,
          mounts: c.volumes.map((m) => ({type: 'bind', source: sources.get(m.volume)!, target: m.mountPath, readOnly: m.readOnly})),
          restart: c.restart,
          pod: pod.name,
          warn,
        }),
      )
      ids.push(rec.id)
    }
  } catch (error) {
    await removePod(pod.name, true).catch(() => {})
    throw error
  }
  return {pod, containers: ids}
}
