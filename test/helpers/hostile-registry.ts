import fs from 'node:fs'
import http from 'node:http'

// A registry that lies, run inside a test host's namespace on 127.0.0.1:
//   node hostile-registry.js PORT ROUTES.json LOG
// ROUTES maps a request path to what it gets (anything else: 404 with a registry error body):
//   {body, type?}          the bytes (base64), with Content-Length: an honest answer;
//   {body, extra}          the bytes, then `extra` more, without Content-Length: longer than said;
//   {endless, type?}       `endless` bytes of filler, chunked, no Content-Length (a 1 GB "manifest");
//   {stall}                headers and the first bytes (base64), then nothing, connection held open;
//   {silent: true}         accepts the request and never answers;
//   {redirect}             302 to that location.
// One log line per request ("GET /v2/...") so tests can tell what was fetched.

type Route = {body?: string; type?: string; extra?: number; endless?: number; stall?: string; silent?: boolean; redirect?: string}

const [port, routesFile, log] = process.argv.slice(2)
const routes = JSON.parse(fs.readFileSync(routesFile, 'utf8')) as Record<string, Route>
const note = (line: string) => fs.appendFileSync(log, line + '\n')

/** Write `total` bytes of filler, honouring backpressure, until done or the client goes away. */
function fill(res: http.ServerResponse, total: number): void {
  const chunk = Buffer.alloc(1024 * 1024, 0x20)
  let sent = 0
  const pump = () => {
    while (sent < total && !res.destroyed) {
      const n = Math.min(chunk.length, total - sent)
      sent += n
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump)
    }
    if (!res.destroyed) res.end()
  }
  pump()
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '/'
  note(`${req.method} ${url}`)
  res.on('error', () => {})
  if (url === '/v2/') return void res.end('{}')
  const r = routes[url]
  if (!r) {
    res.writeHead(404, {'content-type': 'application/json'})
    return void res.end(JSON.stringify({errors: [{code: 'NOT_FOUND', message: 'no such thing'}]}))
  }
  const type = {'content-type': r.type ?? 'application/octet-stream'}
  if (r.silent) return // the socket stays open; the client's idle timer must end it
  if (r.redirect) {
    res.writeHead(302, {location: r.redirect})
    return void res.end()
  }
  if (r.stall !== undefined) {
    res.writeHead(200, type)
    res.write(Buffer.from(r.stall, 'base64'))
    return
  }
  if (r.endless !== undefined) {
    res.writeHead(200, type)
    return fill(res, r.endless)
  }
  const body = Buffer.from(r.body ?? '', 'base64')
  if (r.extra !== undefined) {
    res.writeHead(200, type)
    res.write(body)
    return fill(res, r.extra)
  }
  res.writeHead(200, {...type, 'content-length': String(body.length)})
  res.end(body)
})
server.listen(Number(port), '127.0.0.1', () => note('listening'))
