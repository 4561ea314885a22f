import http, {type IncomingMessage} from 'node:http'
import https from 'node:https'
import {UserError} from '../errors.js'

// One GET to a registry, trusting nothing the other end does (it may be hostile or just broken):
//  - a connect timeout (DNS + TCP + TLS) and an idle timeout (no byte for N ms, before the
//    headers or in the body): a registry that stops sending cannot hang a pull;
//  - redirects followed by hand: at most MAX_REDIRECTS in one request's chain, http(s) only,
//    never from https down to http, and the bearer token is not sent to another origin;
//  - the body is a stream that the caller bounds: readCapped() for manifests, configs, tokens
//    and error texts, blobs.ts up to the descriptor's size. Nothing is buffered unbounded.
// node:http rather than fetch(): it tells connecting from waiting, and its socket timeout sees
// every byte (fetch's own timeouts are fixed inside undici, 10 s to connect and 300 s idle).

export interface Timeouts {
  connectMs: number
  idleMs: number
}

/** 30 s each, Docker's dial timeout; a registry that sends nothing for 30 s is not coming back. */
export const DEFAULT_TIMEOUTS: Timeouts = {connectMs: 30_000, idleMs: 30_000}
export const MAX_REDIRECTS = 5

/** The defaults, or MINIRUN_PULL_CONNECT_TIMEOUT / MINIRUN_PULL_IDLE_TIMEOUT in ms (tests use short ones). */
export function timeoutsFromEnv(env: NodeJS.ProcessEnv = process.env): Timeouts {
  const ms = (v: string | undefined, dflt: number) => (v && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : dflt)
  return {connectMs: ms(env.MINIRUN_PULL_CONNECT_TIMEOUT, DEFAULT_TIMEOUTS.connectMs), idleMs: ms(env.MINIRUN_PULL_IDLE_TIMEOUT, DEFAULT_TIMEOUTS.idleMs)}
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`
}

/** Where a redirect goes, or a UserError: no Location, too many hops, not http(s), or https -> http. */
export function nextHop(from: URL, location: string | undefined, hops: number, registry: string): URL {
  if (hops >= MAX_REDIRECTS) throw new UserError(`registry ${registry} redirected more than ${MAX_REDIRECTS} times; refusing to follow`)
  if (!location) throw new UserError(`registry ${registry} sent a redirect without a Location; cannot pull`)
  let to: URL
  try {
    to = new URL(location, from)
  } catch {
    throw new UserError(`registry ${registry} redirected to an invalid address; cannot pull`)
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') throw new UserError(`registry ${registry} redirected to a ${to.protocol} address; only http(s) is followed`)
  if (from.protocol === 'https:' && to.protocol === 'http:') throw new UserError(`registry ${registry} redirected from https to plain http (${to.host}); refusing the downgrade`)
  return to
}

/** One line for a failed request: what went wrong talking to the registry, and what to try. */
export function networkError(registry: string, error: unknown): UserError {
  if (error instanceof UserError) return error
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

export interface HttpResponse {
  status: number
  statusText: string
  url: URL
  header(name: string): string | undefined
  body: IncomingMessage
  /** Drop the rest of the body and the connection. */
  discard(): void
}

export interface GetOptions {
  headers?: Record<string, string>
  /** Sent only to `authOrigin` (the registry itself), never to another host a redirect names. */
  authorization?: string
  authOrigin?: string
  timeouts: Timeouts
  /** Names the registry in errors. */
  registry: string
  /** What this request is for, in errors: "registry X sent no data for 30s while pulling WHAT". */
  what: string
  tlsVerify?: boolean
}

/** GET url, following redirects (see top); resolves once a non-redirect response's headers are in. */
export async function httpGet(url: string, opts: GetOptions): Promise<HttpResponse> {
  let at = new URL(url)
  for (let hops = 0; ; hops++) {
    const res = await once(at, opts)
    if (![301, 302, 303, 307, 308].includes(res.status)) return res
    res.discard()
    at = nextHop(at, res.header('location'), hops, opts.registry)
  }
}

function once(url: URL, opts: GetOptions): Promise<HttpResponse> {
  const headers: Record<string, string> = {...opts.headers}
  if (opts.authorization && url.origin === opts.authOrigin) headers.Authorization = opts.authorization
  const secure = url.protocol === 'https:'
  return new Promise((resolve, reject) => {
    let res: IncomingMessage | undefined
    let settled = false
    const fail = (error: Error) => {
      res?.destroy(error)
      req.destroy(error)
      if (!settled) {
        settled = true
        reject(error)
      }
    }
    const request = secure ? https.request : http.request
    // agent: false: one connection per request, so every request gets its own connect and idle timers.
    const req = request(url, {method: 'GET', headers, agent: false, ...(secure ? {rejectUnauthorized: opts.tlsVerify ?? true} : {})}, (r) => {
      res = r
      settled = true
      resolve({
        status: r.statusCode ?? 0,
        statusText: r.statusMessage ?? '',
        url,
        header: (name) => {
          const v = r.headers[name.toLowerCase()]
          return Array.isArray(v) ? v[0] : v
        },
        body: r,
        discard: () => {
          r.destroy()
          req.destroy()
        },
      })
    })
    req.on('socket', (socket) => {
      if (!socket.connecting) return
      const timer = setTimeout(
        () => fail(new UserError(`cannot reach registry ${opts.registry}: no connection to ${url.host} within ${seconds(opts.timeouts.connectMs)}; check the address and the network, then try again`)),
        opts.timeouts.connectMs,
      )
      socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(timer))
      socket.once('close', () => clearTimeout(timer))
    })
    // The socket's idle timer counts every byte in either direction, headers and body alike.
    req.setTimeout(opts.timeouts.idleMs, () =>
      fail(new UserError(`registry ${opts.registry} sent no data for ${seconds(opts.timeouts.idleMs)} while pulling ${opts.what}; try again`)),
    )
    req.on('error', (error) => {
      if (!settled) fail(networkError(opts.registry, error))
    })
    req.end()
  })
}

/**
 * The whole body, refused (UserError from tooBig) as soon as it passes `cap` bytes: a declared
 * Content-Length over the cap before reading anything, a body without one while it streams.
 */
export async function readCapped(res: HttpResponse, cap: number, tooBig: (bytes?: number) => UserError): Promise<Buffer> {
  const declared = res.header('content-length')
  if (declared !== undefined && Number(declared) > cap) {
    res.discard()
    throw tooBig(Number(declared))
  }
  const chunks: Buffer[] = []
  let n = 0
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    n += chunk.length
    if (n > cap) {
      res.discard()
      throw tooBig()
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}
