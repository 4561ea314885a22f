import fs from 'node:fs/promises'
import path from 'node:path'
import {runContainer} from '../containers/lifecycle.js'
import {resolveImage} from '../images/store.js'
import {UserError} from '../errors.js'
import {planPod} from './manifest.js'
import {createPod, removePod} from './pods.js'
import {podDir, readPod, type PodRecord} from './records.js'

// `pod play FILE.yaml`: a Kubernetes Pod manifest, run unchanged on one machine.
export async function playPod(file: string, warn: (m: string) => void): Promise<{pod: PodRecord; containers: string[]}> {
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw new UserError(`cannot read manifest ${file}`)
  })
  const plan = planPod(text)
  for (const w of plan.warnings) warn(`WARNING: ${w}`)
  if (await readPod(plan.name)) throw new UserError(`pod ${plan.name} already exists; remove it first (minirun pod rm -f ${plan.name})`)
  for (const v of plan.volumes) {
    if (v.hostPath && !(await fs.stat(v.hostPath).catch(() => undefined))) {
      throw new UserError(`volume ${v.name}: hostPath ${v.hostPath} does not exist; create it first`)
    }
  }
  // Every image must resolve before anything is made.
  for (const c of plan.containers) await resolveImage(c.image)
  const pod = await createPod({name: plan.name, hostname: plan.hostname, publish: plan.publish, warn})
  const ids: string[] = []
  try {
    const sources = new Map<string, string>()
    for (const v of plan.volumes) {
      const src = v.hostPath ?? path.join(podDir(pod.name), 'volumes', v.name)
      if (v.emptyDir) await fs.mkdir(src, {recursive: true})
      sources.set(v.name, src)
    }
    for (const c of plan.containers) {
      const {rec} = await runContainer({
        image: c.image,
        entrypoint: c.entrypoint,
        command: c.command,
        name: `${pod.name}-${c.name}`,
        env: c.env,
        workdir: c.workdir,
        tty: false,
        interactive: false,
        detach: true,
        autoRemove: false,
        publish: [],
        publishAll: false,
        volumes: c.volumes.map((m) => `${sources.get(m.volume)}:${m.mountPath}${m.readOnly ? ':ro' : ''}`),
        capAdd: [],
        capDrop: [],
        privileged: false,
        init: false,
        pod: pod.name,
        warn,
      })
      ids.push(rec.id)
    }
  } catch (error) {
    await removePod(pod.name, true).catch(() => {})
    throw error
  }
  return {pod, containers: ids}
}
