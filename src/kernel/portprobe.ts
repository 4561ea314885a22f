import dgram from 'node:dgram'
import net from 'node:net'

// DNAT has no listening socket, so the kernel would happily publish a port a host process
// already serves (and silently steal its traffic). Probe by binding it ourselves.
export function portFree(hostIp: string, port: number, protocol: 'tcp' | 'udp'): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const s = dgram.createSocket('udp4')
      s.once('error', () => resolve(false))
      s.bind({address: hostIp, port, exclusive: true}, () => s.close(() => resolve(true)))
      return
    }
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen({host: hostIp, port, exclusive: true}, () => srv.close(() => resolve(true)))
  })
}
