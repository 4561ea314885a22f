import net from 'node:net'
import {UserError} from '../errors.js'

// --listen for `network diagram --serve`: an IP literal and a port, never a host name (a name
// could resolve anywhere). Pure.

export const DEFAULT_LISTEN = '127.0.0.1:18400'

export interface Listen {
  host: string
  port: number
  loopback: boolean
}

export function isLoopback(ip: string): boolean {
  if (net.isIPv4(ip)) return ip.startsWith('127.')
  return ip === '::1'
}

/** "127.0.0.1:18400", "[::1]:18400" or "18400" (loopback). */
export function parseListen(value: string): Listen {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(value) ?? /^()()(\d{1,5})$/.exec(value)
  const host = m ? m[1] || m[2] || '127.0.0.1' : ''
  const port = m ? Number(m[3]) : 0
  if (!m || !net.isIP(host) || port < 1 || port > 65535) {
    throw new UserError(`--listen ${JSON.stringify(value)} is not IP:PORT (an address, not a name; e.g. ${DEFAULT_LISTEN})`)
  }
  return {host, port, loopback: isLoopback(host)}
}

/**
 * The Host header values a page from this server carries. Anything else is refused: a page of
 * another site that rebinds its name to 127.0.0.1 (DNS rebinding) must not read the topology.
 * On 0.0.0.0 or :: (every address), that is each address of the host (`local`, e.g. from
 * os.networkInterfaces()) and localhost: still IP literals, never a name.
 */
export function allowedHosts(l: Listen, local: string[] = []): Set<string> {
  const literal = (ip: string) => `${net.isIPv6(ip) ? `[${ip}]` : ip}:${l.port}`
  const any = l.host === '0.0.0.0' || l.host === '::'
  const out = new Set(any ? local.filter((ip) => net.isIPv4(ip) || l.host === '::').map(literal) : [literal(l.host)])
  if (l.loopback || any) out.add(`localhost:${l.port}`)
  return out
}
