import {createHash} from 'node:crypto'
import {UserError} from '../errors.js'
import {parseImageRef} from './refs.js'

// The client side of the OCI distribution protocol (GET /v2/<name>/manifests/<ref>, GET
// /v2/<name>/blobs/<digest>), with the bearer-token dance registries use for anonymous pulls:
// a 401 carrying `WWW-Authenticate: Bearer realm=...,service=...,scope=...` means "fetch a token
// from realm and retry". Node's built-in fetch; nothing here writes to disk.

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
const MAX_MANIFEST = 4 * 1024 * 1024

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

/** One line for a failed fetch(): what went wrong talking to the registry, and what to try. */
export function networkError(registry: string, error: unknown): UserError {
  const cause = (error as {cause?: {code?: string; message?: string}}).cause
  const code = cause?.code ?? (error as {code?: string}).code ?? ''
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused; is it running? (use --tls-verify=false for a plain-http registry)'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'cannot resolve the host name; check the registry name and the network'
        : /SSL|TLS|CERT|EPROTO/i.test(code + (cause?.message ?? ''))
          ? `TLS failed (${cause?.message ?? code}); for a plain-http or self-signed registry use --tls-verify=false`
          : code === 'ECONNRESET'
            ? 'the connection was reset; retry'
            : (cause?.message ?? (error as Error).message)
  return new UserError(`cannot reach registry ${registry}: ${why}`)
}

/** The registry's own error text ({"errors":[{"code","message"}]}) when it sent one. */
async function registryMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '')
  try {
    const e = (JSON.parse(text) as {errors?: Array<{code?: string; message?: string}>}).errors?.[0]
    if (e) return `${e.code ?? ''}${e.message ? `: ${e.message}` : ''}`.replace(/^: /, '')
  } catch {}
  return `HTTP ${res.status} ${res.statusText}`.trim()
}

export class RegistryClient {
  private token?: string
  readonly base: string

  constructor(
    readonly registry: string,
    readonly repository: string,
    opts: {tlsVerify?: boolean} = {},
  ) {
    this.base = registryBase(registry, opts.tlsVerify ?? true)
  }

  private async send(url: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await fetch(url, {headers: this.token ? {...headers, Authorization: `Bearer ${this.token}`} : headers, redirect: 'follow'})
    } catch (error) {
      throw networkError(this.registry, error)
    }
  }

  /** GET a registry path, fetching a bearer token once if the registry asks for one. */
  async get(pathname: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = `${this.base}/v2/${this.repository}/${pathname}`
    let res = await this.send(url, headers)
    if (res.status === 401 && !this.token) {
      const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '')
      await res.body?.cancel()
      if (challenge?.scheme !== 'bearer' || !challenge.params.realm) {
        throw new UserError(`registry ${this.registry} requires a login (${challenge?.scheme ?? 'no'} auth) for ${this.repository}; minirun pulls only public images`)
      }
      this.token = await this.fetchToken(challenge.params)
      res = await this.send(url, headers)
    }
    if (res.status === 401 || res.status === 403) {
      const msg = await registryMessage(res)
      throw new UserError(`registry ${this.registry} refused access to ${this.repository} (${msg}); check the name (private images need a login minirun does not support)`)
    }
    return res
  }

  private async fetchToken(params: Record<string, string>): Promise<string> {
    const url = new URL(params.realm)
    if (params.service) url.searchParams.set('service', params.service)
    url.searchParams.set('scope', params.scope ?? `repository:${this.repository}:pull`)
    let res: Response
    try {
      res = await fetch(url)
    } catch (error) {
      throw networkError(url.host, error)
    }
    if (!res.ok) throw new UserError(`registry ${this.registry}: the token service ${url.host} answered ${await registryMessage(res)}; cannot pull ${this.repository}`)
    const body = (await res.json().catch(() => ({}))) as {token?: unknown; access_token?: unknown}
    const token = typeof body.token === 'string' ? body.token : body.access_token
    if (typeof token !== 'string' || token === '') throw new UserError(`registry ${this.registry}: the token service ${url.host} returned no token`)
    return token
  }

  /** A manifest or index by tag or digest, its bytes hashed: when asked by digest they must match it. */
  async manifest(reference: string, display: string): Promise<Manifest> {
    const res = await this.get(`manifests/${reference}`, {Accept: ACCEPT})
    if (res.status === 404) {
      await res.body?.cancel()
      throw new UserError(`manifest for ${display} not found on ${this.registry}; check the name and tag`)
    }
    if (!res.ok) throw new UserError(`registry ${this.registry}: cannot get the manifest of ${display}: ${await registryMessage(res)}`)
    const length = Number(res.headers.get('content-length') ?? 0)
    if (length > MAX_MANIFEST) throw new UserError(`registry ${this.registry}: the manifest of ${display} is ${length} bytes, more than the ${MAX_MANIFEST} allowed`)
    const bytes = Buffer.from(await res.arrayBuffer())
    if (bytes.length > MAX_MANIFEST) throw new UserError(`registry ${this.registry}: the manifest of ${display} is larger than ${MAX_MANIFEST} bytes`)
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
    const headerType = (res.headers.get('content-type') ?? '').split(';')[0].trim()
    const mediaType = typeof body.mediaType === 'string' ? body.mediaType : headerType
    return {mediaType, digest, body}
  }

  /** GET a blob, optionally from byte `from` on (206 when the registry honours the Range). */
  async blob(digest: string, from = 0): Promise<Response> {
    const res = await this.get(`blobs/${digest}`, from > 0 ? {Range: `bytes=${from}-`} : {})
    // A resumed range past the end (the partial file was complete or bogus): start over.
    if (from > 0 && res.status === 416) {
      await res.body?.cancel()
      return this.blob(digest, 0)
    }
    if (res.status === 404) {
      await res.body?.cancel()
      throw new UserError(`registry ${this.registry}: blob ${digest} of ${this.repository} not found; the image is incomplete on the registry`)
    }
    if (!res.ok) throw new UserError(`registry ${this.registry}: cannot get blob ${digest}: ${await registryMessage(res)}`)
    return res
  }
}
