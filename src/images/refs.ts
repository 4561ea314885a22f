import {UserError} from '../errors.js'

// Image references, Docker's grammar (distribution/reference):
//   [HOST[:PORT]/]COMPONENT[/COMPONENT...][:TAG][@sha256:HEX]
// A name component is lowercase alphanumerics joined by one separator: `.`, `_`, `__` or `-`+.

export interface ImageRef {
  name: string
  tag: string
  digest?: string
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/
const TAG = /^\w[\w.-]{0,127}$/
const DIGEST = /^sha256:[0-9a-f]{64}$/
const MAX_NAME = 255

function bad(ref: string, rule: string): never {
  throw new UserError(`invalid image reference "${ref}": ${rule}`)
}

/** Parse NAME[:TAG][@sha256:DIGEST]; the tag defaults to `latest`. Throws UserError naming the rule broken. */
export function parseImageRef(ref: string): ImageRef {
  if (ref === '') bad(ref, 'it is empty')
  let rest = ref
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at !== -1) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest)) bad(ref, 'a digest must be sha256: followed by 64 lowercase hex digits')
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) bad(ref, 'a tag is 1 to 128 characters of [A-Za-z0-9_.-] and does not start with . or -')
  }
  const name = rest
  if (name === '') bad(ref, 'the name is empty')
  if (name.length > MAX_NAME) bad(ref, `the name is longer than ${MAX_NAME} characters`)
  if (/^[0-9a-f]{64}$/.test(name)) bad(ref, 'a name cannot be a 64-character hex string (that is an image id)')
  const parts = name.split('/')
  // The first component is a registry host when it looks like one (has . or :, or is localhost).
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost' || /[A-Z]/.test(parts[0]))) {
    if (!HOST.test(parts[0])) bad(ref, `"${parts[0]}" is not a valid registry host[:port]`)
    parts.shift()
  }
  for (const part of parts) {
    if (!COMPONENT.test(part)) {
      bad(ref, `name components are lowercase letters and digits separated by ".", "_", "__" or "-" (and joined by "/"); "${part}" is not`)
    }
  }
  return digest ? {name, tag: tag ?? 'latest', digest} : {name, tag: tag ?? 'latest'}
}

/** "name:tag", the form stored in ImageRecord.repoTags. */
export function formatRef(ref: ImageRef): string {
  return `${ref.name}:${ref.tag}`
}

/** The canonical "name:tag" of a user-given reference (adds :latest). */
export function normalizeRef(ref: string): string {
  return formatRef(parseImageRef(ref))
}

/** Split a stored "name:tag" (already valid) into its two parts, for `image ls`. */
export function splitRepoTag(repoTag: string): {repository: string; tag: string} {
  const colon = repoTag.lastIndexOf(':')
  return {repository: repoTag.slice(0, colon), tag: repoTag.slice(colon + 1)}
}

/** True when `ref` could be an image id or id prefix (4 to 64 lowercase hex digits, optional sha256:). */
export function looksLikeId(ref: string): boolean {
  return /^(?:sha256:)?[0-9a-f]{4,64}$/.test(ref)
}
