import path from 'node:path'
import {stringify} from 'yaml'
import {findContainer} from '../containers/find.js'
import {resolveImage} from '../images/store.js'
import {UserError} from '../errors.js'
import {type ImageDefaults, kubePod} from './kube.js'
import {podMembers} from './pods.js'
import {findPod, podDir} from './records.js'
import {byText} from '../util/compare.js'

/** `pod generate kube POD`: the pod as Kubernetes v1 Pod YAML (kube.ts builds it). */
export async function generateKube(ref: string, warn: (m: string) => void): Promise<string> {
  const pod = await findPod(ref)
  const infra = await findContainer(pod.infraId).catch(() => {
    throw new UserError(`pod ${pod.name} has no pause container any more; remove it (minirun pod rm -f ${pod.name})`)
  })
  const members = (await podMembers(pod)).sort((a, b) => byText(a.created, b.created))
  if (members.length === 0) throw new UserError(`pod ${pod.name} has no containers; a Kubernetes Pod needs at least one (minirun run -d --pod ${pod.name} IMAGE ...)`)
  const images = new Map<string, ImageDefaults>()
  for (const m of members) images.set(m.id, await resolveImage(m.image).then((i) => i.config as ImageDefaults).catch(() => ({})))
  const {manifest, warnings} = kubePod({name: pod.name, infra, members, images, emptyDirRoot: path.join(podDir(pod.name), 'volumes')})
  for (const w of warnings) warn(`WARNING: ${w}`)
  return `# Made by minirun pod generate kube ${pod.name}; minirun pod play FILE brings it back\n${stringify(manifest)}`
}
