import dgram from 'node:dgram'
import net from 'node:net'

// DNAT has no listening socket, so the kernel would happily publish a port a host process
// already serves (and silently steal its traffic). Probe by binding it ourselves.
// 'no-address': the host has no such address (EADDRNOTAVAIL), which is not "in use".
export type PortProbe = 'free' | 'in-use' | 'no-address'

const verdict = (err: NodeJS.ErrnoException): PortProbe => (err.code === 'EADDRNOTAVAIL' ? 'no-address' : 'in-use')

export function probePort(hostIp: string, port: number, protocol: 'tcp' | 'udp'): Promise<PortProbe> {
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const s = dgram.createSocket('udp4')
      s.once('error', (err) => resolve(verdict(err)))
      s.bind({address: hostIp, port, exclusive: true}, () => s.close(() => resolve('free')))
      return
    }
    const srv = net.createServer()
    srv.once('error', (err) => resolve(verdict(err)))
    srv.listen({host: hostIp, port, exclusive: true}, () => srv.close(() => resolve('free')))
  })
}
