import fs from 'node:fs'
import http from 'node:http'

// A small HTTP proxy put in front of the test's real registry (run inside the test host's
// namespace: `node registry-proxy.js LISTEN UPSTREAM MODE LOG [HEX]`). It logs one line per
// request ("GET /v2/... range=bytes=N-") and, by MODE:
//   pass    forwards everything unchanged;
//   corrupt flips one byte in the body of blob sha256:HEX (headers unchanged, so only the digest can tell);
//   auth    demands a bearer token like Docker Hub: 401 + WWW-Authenticate, token served at /token.

const [listen, upstream, mode, log, corruptHex] = process.argv.slice(2)
const TOKEN = 'test-token-42'
const note = (line: string) => fs.appendFileSync(log, line + '\n')

const server = http.createServer((req, res) => {
  const url = req.url ?? '/'
  note(`${req.method} ${url}${req.headers.range ? ` range=${req.headers.range}` : ''}${req.headers.authorization ? ' auth' : ''}`)
  if (mode === 'auth') {
    if (url.startsWith('/token')) {
      const q = new URL(url, 'http://x').searchParams
      const ok = q.get('service') === 'test-registry' && /^repository:[^:]+:pull$/.test(q.get('scope') ?? '')
      res.writeHead(ok ? 200 : 400, {'content-type': 'application/json'})
      res.end(JSON.stringify(ok ? {token: TOKEN} : {error: 'bad service or scope'}))
      return
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      const repo = /^\/v2\/(.+?)\/(?:manifests|blobs)\//.exec(url)?.[1] ?? ''
      res.writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': `Bearer realm="http://127.0.0.1:${listen}/token",service="test-registry",scope="repository:${repo}:pull"`,
      })
      res.end(JSON.stringify({errors: [{code: 'UNAUTHORIZED', message: 'authentication required'}]}))
      return
    }
  }
  const headers = {...req.headers}
  delete headers.authorization
  const up = http.request({host: '127.0.0.1', port: Number(upstream), method: req.method, path: url, headers}, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.headers)
    let flipped = mode !== 'corrupt' || !url.includes(`/blobs/sha256:${corruptHex}`)
    upRes.on('data', (chunk: Buffer) => {
      if (!flipped && chunk.length > 0) {
        chunk = Buffer.from(chunk)
        chunk[chunk.length >> 1] ^= 0xff
        flipped = true
      }
      res.write(chunk)
    })
    upRes.on('end', () => res.end())
  })
  up.on('error', (error) => {
    res.writeHead(502)
    res.end(String(error))
  })
  req.pipe(up)
})
server.listen(Number(listen), '127.0.0.1', () => note('listening'))
