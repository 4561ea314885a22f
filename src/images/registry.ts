import {createHash} from 'node:crypto'
import {UserError} from '../errors.js'
import {httpGet, networkError, readCapped, timeoutsFromEnv, type HttpResponse, type Timeouts} from './http.js'
import {parseImageRef} from './refs.js'

export {networkError} from './http.js'

// The client side of the OCI distribution protocol (GET /v2/<name>/manifests/<ref>, GET
// /v2/<name>/blobs/<digest>), with the bearer-token dance registries use for anonymous pulls:
// a 401 carrying `WWW-Authenticate: Bearer realm=...,service=...,scope=...` means "fetch a token
// from realm and retry". Requests go through http.ts (timeouts, redirects, bounded bodies);
// nothing here writes to disk, and nothing a registry sends is held in memory past its cap.

export interface RegistryRef {
  /** Host[:port] as the user wrote it (docker.io when none). */
  registry: string
  /** Repository path on that registry ("library/busybox" on Docker Hub). */
  repository: string
  /** Tag or "sha256:..." digest to ask the registry for. */
  reference: string
  /** The digest the user pinned, if any: the manifest must hash to it. */
  digest?: string
  /** "name:tag" stored in the image's repoTags; undefined for a digest-only reference. */
  localTag?: string
}

const HUB = 'docker.io'
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io'])

/** Split a pull reference into registry, repository and tag/digest, Docker's way (library/ on Docker Hub). */
export function parseRegistryRef(ref: string): RegistryRef {
  const parsed = parseImageRef(ref)
  const parts = parsed.name.split('/')
  const hasHost = parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost' || /[A-Z]/.test(parts[0]))
  const registry = hasHost ? parts.shift()! : HUB
  const hub = HUB_ALIASES.has(registry)
  const repository = hub && parts.length === 1 ? `library/${parts[0]}` : parts.join('/')
  // Docker Hub images are stored under their short name ("busybox:latest"), as docker does.
  const localName = hub ? repository.replace(/^library\//, '') : `${registry}/${repository}`
  const explicitTag = /:[^/]*$/.test(ref.split('@')[0])
  const localTag = parsed.digest && !explicitTag ? undefined : `${localName}:${parsed.tag}`
  return {registry: hub ? HUB : registry, repository, reference: parsed.digest ?? parsed.tag, digest: parsed.digest, localTag}
}

/** The base URL of a registry's API: plain http for loopback hosts or when TLS verification is off. */
export function registryBase(registry: string, tlsVerify: boolean): string {
  if (registry === HUB) return 'https://registry-1.docker.io'
  const host = registry.replace(/:\d+$/, '')
  const loopback = host === 'localhost' || /^127\./.test(host) || host === '[::1]'
  return `${!tlsVerify || loopback ? 'http' : 'https'}://${registry}`
}

export interface Challenge {
  scheme: string
  params: Record<string, string>
}

/** Parse `WWW-Authenticate: Bearer realm="...",service="...",scope="..."` (quoted or bare values). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header)
  if (!m) return undefined
  const params: Record<string, string> = {}
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/g
  for (let p = re.exec(m[2]); p; p = re.exec(m[2])) params[p[1].toLowerCase()] = p[2] === undefined ? p[3] : p[2].replace(/\\(.)/g, '$1')
  return {scheme: m[1].toLowerCase(), params}
}

export const MANIFEST_TYPES = {
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerV2: 'application/vnd.docker.distribution.manifest.v2+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
}
const ACCEPT = Object.values(MANIFEST_TYPES).join(', ')
/**
 * Manifests and indexes: 4 MiB, the limit the reference registry (distribution) puts on pushed
 * manifests, so no registry can serve a legitimate bigger one. Configs: 8 MiB; they carry the
 * build history and run larger than manifests, yet real ones are tens of KiB. Both are read into
 * memory, so both are capped while they stream, whatever Content-Length says or does not say.
 */
export const MAX_MANIFEST = 4 * 1024 * 1024
export const MAX_CONFIG = 8 * 1024 * 1024
/** Tokens and error texts: small by nature. */
const MAX_SMALL = 1024 * 1024

export interface Descriptor {
  mediaType?: string
  digest: string
  size?: number
  urls?: string[]
  platform?: {os?: string; architecture?: string; variant?: string}
}

export interface Manifest {
  mediaType: string
  digest: string
  body: Record<string, unknown>
}

export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

/** The registry's own error text ({"errors":[{"code","message"}]}) when it sent one (read up to 1 MiB). */
async function registryMessage(res: HttpResponse): Promise<string> {
  const text = await readCapped(res, MAX_SMALL, () => new UserError('too long'))
    .then((b) => b.toString('utf8'))
    .catch(() => '')
  try {
    const e = (JSON.parse(text) as {errors?: Array<{code?: string; message?: string}>}).errors?.[0]
    if (e && (typeof e.code === 'string' || typeof e.message === 'string')) {
      // One line, and not a novel: the text is the registry's, so it is trimmed and flattened.
      return `${e.code ?? ''}${e.message ? `: ${e.message}` : ''}`.replace(/^: /, '').replace(/\s+/g, ' ').slice(0, 200)
    }
  } catch {}
  return `HTTP ${res.status} ${res.statusText}`.trim()
}

/** Read a body already bounded by readCapped; any other failure (reset, idle) as one line. */
async function bounded(registry: string, res: HttpResponse, cap: number, tooBig: (bytes?: number) => UserError): Promise<Buffer> {
  try {
    return await readCapped(res, cap, tooBig)
  } catch (error) {
    throw networkError(registry, error)
  }
}

export class RegistryClient {
  private token?: string
  readonly base: string
  readonly timeouts: Timeouts
  private readonly tlsVerify: boolean

  constructor(
    readonly registry: string,
    readonly repository: string,
    opts: {tlsVerify?: boolean; timeouts?: Timeouts} = {},
  ) {
    this.tlsVerify = opts.tlsVerify ?? true
    this.base = registryBase(registry, this.tlsVerify)
    this.timeouts = opts.timeouts ?? timeoutsFromEnv()
  }

  private send(url: string, headers: Record<string, string>, what: string): Promise<HttpResponse> {
    return httpGet(url, {
      headers,
      authorization: this.token ? `Bearer ${this.token}` : undefined,
      authOrigin: new URL(this.base).origin,
      timeouts: this.timeouts,
      registry: this.registry,
      what,
      tlsVerify: this.tlsVerify,
    })
  }

  /** GET a registry path, fetching a bearer token once if the registry asks for one. `what` names it in errors. */
  async get(pathname: string, headers: Record<string, string> = {}, what = pathname): Promise<HttpResponse> {
    const url = `${this.base}/v2/${this.repository}/${pathname}`
    let res = await this.send(url, headers, what)
    if (res.status === 401 && !this.token) {
      const challenge = parseChallenge(res.header('www-authenticate') ?? '')
      res.discard()
      if (challenge?.scheme !== 'bearer' || !challenge.params.realm) {
        throw new UserError(`registry ${this.registry} requires a login (${challenge?.scheme ?? 'no'} auth) for ${this.repository}; minirun pulls only public images`)
      }
      this.token = await this.fetchToken(challenge.params)
      res = await this.send(url, headers, what)
    }
    if (res.status === 401 || res.status === 403) {
      const msg = await registryMessage(res)
      throw new UserError(`registry ${this.registry} refused access to ${this.repository} (${msg}); check the name (private images need a login minirun does not support)`)
    }
    return res
  }

  private async fetchToken(params: Record<string, string>): Promise<string> {
    let url: URL
    try {
      url = new URL(params.realm)
    } catch {
      throw new UserError(`registry ${this.registry} names an invalid token service "${params.realm.slice(0, 100)}"; cannot pull ${this.repository}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`registry ${this.registry} names a token service that is not http(s); cannot pull ${this.repository}`)
    if (params.service) url.searchParams.set('service', params.service)
    url.searchParams.set('scope', params.scope ?? `repository:${this.repository}:pull`)
    const res = await httpGet(url.href, {timeouts: this.timeouts, registry: url.host, what: `a token for ${this.repository}`})
    if (res.status < 200 || res.status > 299) throw new UserError(`registry ${this.registry}: the token service ${url.host} answered ${await registryMessage(res)}; cannot pull ${this.repository}`)
    const text = await bounded(url.host, res, MAX_SMALL, () => new UserError(`registry ${this.registry}: the token service ${url.host} sent more than ${MAX_SMALL} bytes; cannot pull ${this.repository}`))
    let body: {token?: unknown; access_token?: unknown} = {}
    try {
      body = JSON.parse(text.toString('utf8')) as typeof body
    } catch {}
    const token = typeof body.token === 'string' ? body.token : body.access_token
    if (typeof token !== 'string' || token === '') throw new UserError(`registry ${this.registry}: the token service ${url.host} returned no token`)
    return token
  }

  /**
   * A manifest or index by tag or digest, its bytes hashed: when asked by digest they must match
   * it, and be `size` bytes when a descriptor gave one. Read up to MAX_MANIFEST, never more.
   */
  async manifest(reference: string, display: string, size?: number): Promise<Manifest> {
    const res = await this.get(`manifests/${reference}`, {Accept: ACCEPT}, `the manifest of ${display}`)
    if (res.status === 404) {
      res.discard()
      throw new UserError(`manifest for ${display} not found on ${this.registry}; check the name and tag`)
    }
    if (res.status < 200 || res.status > 299) throw new UserError(`registry ${this.registry}: cannot get the manifest of ${display}: ${await registryMessage(res)}`)
    const cap = Math.min(size ?? MAX_MANIFEST, MAX_MANIFEST)
    const bytes = await bounded(this.registry, res, cap, (n) =>
      size !== undefined && size <= MAX_MANIFEST
        ? new UserError(`registry ${this.registry}: the manifest of ${display} is larger than the ${size} bytes its index says; refusing it`)
        : new UserError(`registry ${this.registry}: the manifest of ${display} is ${n === undefined ? 'larger than' : `${n} bytes, more than`} the ${MAX_MANIFEST} bytes allowed; refusing it`),
    )
    if (size !== undefined && bytes.length !== size) throw new UserError(`registry ${this.registry}: the manifest of ${display} is ${bytes.length} bytes, not the ${size} its index says; refusing it`)
    const digest = sha256Digest(bytes)
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new UserError(`registry ${this.registry}: manifest ${reference} of ${display} does not match its digest (content is ${digest}); refusing it`)
    }
    let body: Record<string, unknown>
    try {
      body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>
    } catch {
      throw new UserError(`registry ${this.registry}: the manifest of ${display} is not JSON`)
    }
    const headerType = (res.header('content-type') ?? '').split(';')[0].trim()
    const mediaType = typeof body.mediaType === 'string' ? body.mediaType : headerType
    return {mediaType, digest, body}
  }

  /** GET a blob, optionally from byte `from` on (206 when the registry honours the Range); `what` names it in errors. */
  async blob(digest: string, from = 0, what = `blob ${digest}`): Promise<HttpResponse> {
    const res = await this.get(`blobs/${digest}`, from > 0 ? {Range: `bytes=${from}-`} : {}, what)
    // A resumed range past the end (the partial file was complete or bogus): start over.
    if (from > 0 && res.status === 416) {
      res.discard()
      return this.blob(digest, 0, what)
    }
    if (res.status === 404) {
      res.discard()
      throw new UserError(`registry ${this.registry}: blob ${digest} of ${this.repository} not found; the image is incomplete on the registry`)
    }
    if (res.status < 200 || res.status > 299) throw new UserError(`registry ${this.registry}: cannot get blob ${digest}: ${await registryMessage(res)}`)
    return res
  }

  /** A small blob (the config) read whole: exactly `size` bytes, at most `cap`, and matching its digest. */
  async smallBlob(digest: string, size: number, cap: number, what: string): Promise<Buffer> {
    if (size > cap) throw new UserError(`registry ${this.registry}: ${what} is ${size} bytes, more than the ${cap} allowed; refusing it`)
    const res = await this.blob(digest, 0, what)
    const bytes = await bounded(this.registry, res, size, () => new UserError(`registry ${this.registry}: ${what} is larger than the ${size} bytes its manifest says; refusing it`))
    if (bytes.length !== size) throw new UserError(`registry ${this.registry}: ${what} is ${bytes.length} bytes, not the ${size} its manifest says; refusing it`)
    const actual = sha256Digest(bytes)
    if (actual !== digest) throw new UserError(`registry ${this.registry}: ${what} does not match its digest ${digest} (content is ${actual}); nothing was stored`)
    return bytes
  }
}
