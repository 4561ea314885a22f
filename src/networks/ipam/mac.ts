import {parseIp} from './cidr.js'

/**
 * Docker's MAC for an IPv4 address: 02:42 then the four address bytes, lowercase hex
 * (172.17.0.2 → 02:42:ac:11:00:02). 02 = locally administered, unicast: never a vendor's MAC.
 */
export function macFromIp(ip: string): string {
  const bytes = parseIp(ip).split('.').map((o) => Number(o).toString(16).padStart(2, '0'))
  return ['02', '42', ...bytes].join(':')
}
