import {UserError} from '../errors.js'

// A small etcd v3 client over etcd's own JSON gateway (/v3/kv/range, /v3/kv/txn, /v3/lease/*,
// /v3/watch): Node's fetch and nothing else, so loading it costs nothing beyond this file and
// only overlay work loads it. Keys and values travel base64-encoded, numbers as strings (the
// gateway's proto3 JSON); fields at their default value (false, 0, empty) are left out by etcd.

export interface KeyValue {
  key: string
  value: string
  createRevision: string
  modRevision: string
  lease?: string
}

export interface WatchEvent {
  type: 'PUT' | 'DELETE'
  kv: KeyValue
}

/**
 * One request's budget when etcd does not answer at all (a stopped etcd refuses the connection
 * at once): overlay commands fail with one clear line within seconds, yet a busy etcd has time.
 */
const TIMEOUT_MS = Number(process.env.MINIRUN_CLUSTER_TIMEOUT_MS) || 5000

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8')

/** The end of a prefix range: the prefix with its last byte incremented (etcd's WithPrefix). */
export function prefixEnd(prefix: string): string {
  const buf = Buffer.from(prefix, 'utf8')
  for (let i = buf.length - 1; i >= 0; i--) {
    if (buf[i] < 0xff) {
      buf[i]++
      return buf.subarray(0, i + 1).toString('base64')
    }
  }
  return Buffer.from([0]).toString('base64')
}

interface RawKv {
  key?: string
  value?: string
  create_revision?: string
  mod_revision?: string
  lease?: string
}

const toKv = (k: RawKv): KeyValue => ({
  key: unb64(k.key),
  value: unb64(k.value),
  createRevision: k.create_revision ?? '0',
  modRevision: k.mod_revision ?? '0',
  lease: k.lease && k.lease !== '0' ? k.lease : undefined,
})

/** Parse `etcd://HOST:PORT[,HOST:PORT…]` into http base URLs. Pure. */
export function parseStoreUrl(spec: string): string[] {
  const m = /^etcd:\/\/(.+)$/.exec(spec.trim())
  if (!m) throw new UserError(`MINIRUN_CLUSTER_STORE "${spec}" is not etcd://HOST:PORT[,HOST:PORT…]; e.g. etcd://192.168.1.10:2379`)
  return m[1].split(',').map((hp) => {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(hp) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(hp)) {
      throw new UserError(`cluster store address "${hp}" is not HOST:PORT; e.g. etcd://192.168.1.10:2379`)
    }
    return `http://${hp}`
  })
}

export class EtcdClient {
  constructor(
    readonly endpoints: string[],
    private readonly spec = endpoints.map((e) => e.replace(/^http:\/\//, '')).join(','),
  ) {}

  /** The error every overlay command shows when etcd cannot be reached. */
  unreachable(detail: string): UserError {
    return new UserError(`cannot reach the cluster store etcd://${this.spec} (${detail}); start etcd or fix MINIRUN_CLUSTER_STORE — bridge, host, none and macvlan networks keep working without it`)
  }

  /** POST to the first endpoint that answers; the next one is tried when one does not. */
  private async call<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    let last = ''
    for (const base of this.endpoints) {
      let res: Response
      try {
        res = await fetch(base + path, {method: 'POST', body: JSON.stringify(body), headers: {'content-type': 'application/json'}, signal: signal ?? AbortSignal.timeout(TIMEOUT_MS)})
      } catch (error) {
        const e = error as Error & {cause?: {code?: string}}
        last = e.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS} ms` : (e.cause?.code ?? e.message)
        continue
      }
      const text = await res.text()
      if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status}: ${text.slice(0, 200)}`)
      return JSON.parse(text) as T
    }
    throw this.unreachable(last)
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const r = await this.call<{kvs?: RawKv[]}>('/v3/kv/range', {key: b64(key)})
    return r.kvs?.[0] ? toKv(r.kvs[0]) : undefined
  }

  /** Every key under `prefix`, sorted by key. */
  async list(prefix: string): Promise<KeyValue[]> {
    const r = await this.call<{kvs?: RawKv[]}>('/v3/kv/range', {key: b64(prefix), range_end: prefixEnd(prefix)})
    return (r.kvs ?? []).map(toKv)
  }

  async put(key: string, value: string, lease?: string): Promise<void> {
    await this.call('/v3/kv/put', {key: b64(key), value: b64(value), ...(lease ? {lease} : {})})
  }

  async delete(key: string, opts: {prefix?: boolean} = {}): Promise<void> {
    await this.call('/v3/kv/deleterange', {key: b64(key), ...(opts.prefix ? {range_end: prefixEnd(key)} : {})})
  }

  /** Put every key only if none of them exists yet (create_revision == 0): one atomic claim. */
  async createAll(entries: Array<{key: string; value: string; lease?: string}>): Promise<boolean> {
    const r = await this.call<{succeeded?: boolean}>('/v3/kv/txn', {
      compare: entries.map((e) => ({key: b64(e.key), target: 'CREATE', result: 'EQUAL', create_revision: '0'})),
      success: entries.map((e) => ({request_put: {key: b64(e.key), value: b64(e.value), ...(e.lease ? {lease: e.lease} : {})}})),
    })
    return r.succeeded === true
  }

  /** A lease of `ttl` seconds; keys put under it vanish when it is not kept alive. */
  async grant(ttl: number): Promise<string> {
    const r = await this.call<{ID?: string; error?: string}>('/v3/lease/grant', {TTL: String(ttl)})
    if (!r.ID) throw new Error(`etcd refused a lease: ${r.error ?? 'no ID'}`)
    return r.ID
  }

  /** Renew a lease; false when it has already expired (etcd answers without a TTL). */
  async keepAlive(id: string): Promise<boolean> {
    const r = await this.call<{result?: {TTL?: string}}>('/v3/lease/keepalive', {ID: id})
    return Number(r.result?.TTL ?? 0) > 0
  }

  /** Seconds left on a lease; 0 when it is gone. */
  async timeToLive(id: string): Promise<number> {
    const r = await this.call<{TTL?: string}>('/v3/lease/timetolive', {ID: id})
    return Math.max(0, Number(r.TTL ?? -1))
  }

  async revoke(id: string): Promise<void> {
    await this.call('/v3/lease/revoke', {ID: id}).catch(() => {}) // already gone is fine
  }

  /**
   * Stream the changes under `prefix` after `fromRevision` until `signal` aborts or the stream
   * breaks (then the promise rejects and the caller reconnects). Each message is one JSON object.
   */
  async watch(prefix: string, fromRevision: string | undefined, onEvents: (events: WatchEvent[], revision: string) => void, signal: AbortSignal): Promise<void> {
    const body = {create_request: {key: b64(prefix), range_end: prefixEnd(prefix), ...(fromRevision ? {start_revision: fromRevision} : {})}}
    const res = await fetch(this.endpoints[0] + '/v3/watch', {method: 'POST', body: JSON.stringify(body), signal})
    if (!res.ok || !res.body) throw new Error(`etcd watch: HTTP ${res.status}`)
    const decoder = new TextDecoder()
    let buf = ''
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, {stream: true})
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim()
        buf = buf.slice(nl + 1)
        if (!line) continue
        const msg = JSON.parse(line) as {result?: {header?: {revision?: string}; events?: Array<{type?: string; kv?: RawKv}>}; error?: unknown}
        if (msg.error) throw new Error(`etcd watch: ${JSON.stringify(msg.error)}`)
        const events = (msg.result?.events ?? []).map((e) => ({type: e.type === 'DELETE' ? 'DELETE' : 'PUT', kv: toKv(e.kv ?? {})}) as WatchEvent)
        onEvents(events, msg.result?.header?.revision ?? '0')
      }
    }
    throw new Error('etcd watch: the stream ended')
  }
}
