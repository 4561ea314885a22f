import fs from 'node:fs/promises'
import http from 'node:http'
import os from 'node:os'
import {findContainer} from '../containers/find.js'
import {inspectView} from '../containers/inspect.js'
import type {ContainerRecord} from '../containers/record.js'
import {UserError} from '../errors.js'
import {paths} from '../state/paths.js'
import {allowedHosts, type Listen} from './listen.js'
import {fingerprint, ratesOf, readLinkCounters, readPortCounts, watchedLinks, type Counter, type LinkCounters} from './live.js'
import type {Topology} from './model.js'
import {PAGE_CSS, PAGE_HTML, PAGE_JS} from './page.js'
import {readTopology} from './read.js'
import {renderSvg} from './render.js'

// `network diagram --serve`: one page, the SVG of the live topology, and server-sent events
// that redraw it when containers come and go (a fingerprint checked every 300 ms) and carry the
// traffic every second. Read-only: GET only, nothing on the page can change anything; the Host
// header must be this server's (DNS rebinding), and a strict CSP keeps anything that slipped
// into the SVG from running.

const WATCH_MS = 300
const TRAFFIC_MS = 1000
const MAX_CLIENTS = 32
const MAX_TRANSCRIPT = 1 << 20
const MAX_BACKLOG = 1 << 20

const HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
}

/** What clicking a container shows: the parts of `inspect` a presenter talks about. */
export function containerSummary(rec: ContainerRecord): object {
  const v = inspectView(rec)
  return {
    Id: rec.id.slice(0, 12),
    Name: rec.name,
    Image: rec.image,
    Status: v.State.Status,
    Pid: v.State.Pid,
    StartedAt: v.State.StartedAt,
    Command: rec.config.argv,
    NetworkMode: rec.hostConfig.networkMode,
    Pod: rec.hostConfig.pod,
    Networks: Object.fromEntries(Object.entries(rec.networks).map(([n, a]) => [n, {IPAddress: `${a.ip}/${a.prefixLen}`, Gateway: a.gateway, MacAddress: a.mac, Interface: a.ifname, HostInterface: a.hostIfname}])),
    Ports: rec.hostConfig.ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`),
    Labels: rec.config.labels ?? {},
  }
}

interface Traffic {
  links: Record<string, {rx: Counter; tx: Counter}>
  ports: Record<string, Counter & {rate: Counter}>
}

export async function serve(listen: Listen, network: string | undefined, print: (line: string) => void): Promise<void> {
  // the loops retry every few hundred ms: a lasting error is printed once, not at each retry
  let lastLine = ''
  const log = (line: string) => {
    if (line !== lastLine) print(line)
    lastLine = line
  }
  const clients = new Set<http.ServerResponse>()
  let topo: Topology = await readTopology(network)
  let svg = renderSvg(topo)
  let version = 1
  let traffic: Traffic = {links: {}, ports: {}}
  const hosts = allowedHosts(listen, Object.values(os.networkInterfaces()).flatMap((as) => (as ?? []).map((a) => a.address)))

  const send = (res: http.ServerResponse, event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  const topologyEvent = () => ({svg, version, containers: topo.containers.length})
  const broadcast = (event: string, data: unknown) => {
    for (const c of clients) {
      // a viewer that stopped reading (a stalled tab, a paused socket) is dropped, not buffered for
      if (c.writableLength > MAX_BACKLOG) (clients.delete(c), c.destroy())
      else send(c, event, data)
    }
  }

  const server = http.createServer(async (req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(405, {...HEADERS, Allow: 'GET', 'Content-Type': 'text/plain'}).end('read-only: GET only\n')
      return
    }
    if (!hosts.has(req.headers.host ?? '')) {
      res.writeHead(421, {...HEADERS, 'Content-Type': 'text/plain'}).end(`wrong Host header: use http://${[...hosts][0]}/\n`)
      return
    }
    const url = new URL(req.url ?? '/', 'http://x')
    const body = (type: string, text: string, status = 200) => res.writeHead(status, {...HEADERS, 'Content-Type': type}).end(text)
    try {
      if (url.pathname === '/') return body('text/html; charset=utf-8', PAGE_HTML)
      if (url.pathname === '/app.js') return body('text/javascript; charset=utf-8', PAGE_JS)
      if (url.pathname === '/app.css') return body('text/css; charset=utf-8', PAGE_CSS)
      if (url.pathname === '/topology.svg') return body('image/svg+xml', svg)
      if (url.pathname === '/events') {
        if (clients.size >= MAX_CLIENTS) return body('text/plain', 'too many viewers\n', 503)
        res.writeHead(200, {...HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive'})
        res.write('retry: 1000\n\n')
        send(res, 'topology', topologyEvent())
        send(res, 'traffic', traffic)
        clients.add(res)
        req.on('close', () => clients.delete(res))
        return
      }
      const m = /^\/container\/([^/]{1,200})$/.exec(url.pathname)
      if (m) {
        const json = (status: number, data: unknown) => body('application/json', JSON.stringify(data), status)
        let rec: ContainerRecord
        try {
          rec = await findContainer(decodeURIComponent(m[1]))
        } catch {
          return json(404, {error: 'no such container'})
        }
        const transcript = await readTranscript(rec.id)
        return json(200, {summary: containerSummary(rec), transcript})
      }
      body('text/plain', 'not found\n', 404)
    } catch (error) {
      if (!res.headersSent) body('text/plain', 'error\n', 500)
      log(`Error: ${(error as Error).message}`)
    }
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new UserError(`cannot listen on ${listen.host}:${listen.port}: ${error.code === 'EADDRINUSE' ? 'address in use' : error.message} (choose another with --listen)`)),
    )
    server.listen(listen.port, listen.host, () => resolve())
  })
  log(`serving the live topology on http://${[...hosts][0]}/ (read-only; Ctrl-C to stop)`)
  if (!listen.loopback) log(`warning: ${listen.host} is not a loopback address: whoever can reach it sees the topology`)

  let stopped = false
  const stop = () => {
    stopped = true
    for (const c of clients) c.end()
    server.close()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)

  // Redraw when the fingerprint moves: the kernel is read only then.
  const watch = async () => {
    let fp = await fingerprint()
    while (!stopped) {
      await sleep(WATCH_MS)
      try {
        const now = await fingerprint()
        if (now === fp) continue
        fp = now
        topo = await readTopology(network)
        const next = renderSvg(topo)
        if (next === svg) continue
        svg = next
        version++
        broadcast('topology', topologyEvent())
      } catch (error) {
        log(`Error: reading the topology: ${(error as Error).message}`)
      }
    }
  }
  const count = async () => {
    let prevLinks: Record<string, LinkCounters> | undefined
    let prevPorts: Record<string, Counter> | undefined
    let prevAt = Date.now()
    while (!stopped) {
      try {
        const protocols = [...new Set(topo.containers.flatMap((c) => (c.publish ?? []).map((p) => p.protocol)))]
        const [links, ports] = await Promise.all([readLinkCounters(watchedLinks(topo)), readPortCounts(protocols)])
        const at = Date.now()
        const rx = ratesOf(prevLinks ? pick(prevLinks, 'rx') : undefined, pick(links, 'rx'), at - prevAt)
        const tx = ratesOf(prevLinks ? pick(prevLinks, 'tx') : undefined, pick(links, 'tx'), at - prevAt)
        const portRates = ratesOf(prevPorts, ports, at - prevAt)
        traffic = {
          links: Object.fromEntries(Object.keys(links).map((k) => [k, {rx: rx[k], tx: tx[k]}])),
          ports: Object.fromEntries(Object.entries(ports).map(([k, c]) => [k, {...c, rate: portRates[k]}])),
        }
        prevLinks = links
        prevPorts = ports
        prevAt = at
        broadcast('traffic', traffic)
      } catch (error) {
        log(`Error: reading the counters: ${(error as Error).message}`)
      }
      await sleep(TRAFFIC_MS)
    }
  }
  await Promise.all([watch(), count(), new Promise((resolve) => server.once('close', resolve))])
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const pick = (links: Record<string, LinkCounters>, dir: 'rx' | 'tx'): Record<string, Counter> =>
  Object.fromEntries(Object.entries(links).map(([k, v]) => [k, v[dir]]))

/** The --explain transcript kept beside the container's record, if it was made with --explain. */
async function readTranscript(id: string): Promise<string | undefined> {
  try {
    const fh = await fs.open(`${paths.container(id)}/explain.sh`, 'r')
    try {
      const buf = Buffer.alloc(MAX_TRANSCRIPT)
      const {bytesRead} = await fh.read(buf, 0, MAX_TRANSCRIPT, 0)
      return buf.subarray(0, bytesRead).toString('utf8')
    } finally {
      await fh.close()
    }
  } catch {
    return undefined
  }
}
