import fs from 'node:fs'
import os from 'node:os'
import {Cluster} from '../test/helpers/cluster.js'
import type {TestHost} from '../test/helpers/host.js'

// `node dist/bench/overlay.js` (after `npm run build`): the overlay beside the bridge, on the
// three-namespace cluster of the overlay test (test/helpers/cluster.ts), nothing on the machine's
// own network. iperf3 runs from the host in each container's network namespace (busybox has no
// iperf3). Writes its section of docs/BENCHMARKS.md between the overlay markers.
//   1. TCP throughput container → container: over a plain bridge on one host; over the overlay
//      from host 1 to host 2 (VXLAN through the underlay); the underlay alone host to host.
//   2. A new container on host 2 becomes reachable from a container on host 1: by address (a
//      curl loop already running in host 1's container's namespace), and by name (its hosts file
//      in host 1's resolver directory for the overlay, written by host 1's agent from the etcd
//      watch; dnsmasq reads it by inotify).

const REPEAT = Number(process.env.BENCH_REPEAT || 5)
const SECONDS = Number(process.env.BENCH_IPERF_SECONDS || 3)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const log = (m: string) => process.stderr.write(`bench: ${m}\n`)

const netnsOf = async (h: TestHost, ref: string) => `${h.runtime}/netns/${JSON.parse(await h.ok('inspect', ref))[0].Id}`
const ipOf = async (h: TestHost, ref: string, net: string) => JSON.parse(await h.ok('inspect', ref))[0].NetworkSettings.Networks[net].IPAddress as string

/** Gbit/s of one iperf3 run from `client`'s namespace to `server`'s; a fresh one-off server per attempt. */
async function iperf(serverHost: TestHost, serverNs: string, clientHost: TestHost, clientNs: string, ip: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const s = await serverHost.sh(`nsenter --net=${serverNs} iperf3 -s -1 -p 25201 >/dev/null 2>&1 & echo $!`)
    const pid = Number(s.stdout.trim())
    try {
      await new Promise((res) => setTimeout(res, 200))
      const r = await clientHost.sh(`nsenter --net=${clientNs} iperf3 -c ${ip} -p 25201 -t ${SECONDS} -J`)
      const bps = r.exitCode === 0 ? (JSON.parse(r.stdout) as {end?: {sum_received?: {bits_per_second?: number}}}).end?.sum_received?.bits_per_second : undefined
      if (bps) return bps / 1e9
    } finally {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
    }
  }
  throw new Error(`iperf3 to ${ip} never completed`)
}

async function main(): Promise<void> {
  const c = await Cluster.create('bench-ov', 2, {MINIRUN_OVERLAY_TTL: '10'})
  const [h1, h2] = c.hosts
  const rows: string[][] = []
  try {
    await h1.ok('network', 'create', '-d', 'overlay', '--subnet', '10.50.0.0/16', 'ov')
    // throughput
    await h1.ok('run', '-d', '--name', 'b1', 'busybox', 'sleep', '3600')
    await h1.ok('run', '-d', '--name', 'b2', 'busybox', 'sleep', '3600')
    await h1.ok('run', '-d', '--name', 'o1', '--network', 'ov', 'busybox', 'sleep', '3600')
    await h2.ok('run', '-d', '--name', 'o2', '--network', 'ov', 'busybox', 'sleep', '3600')
    const [b1, b2, o1, o2] = await Promise.all([netnsOf(h1, 'b1'), netnsOf(h1, 'b2'), netnsOf(h1, 'o1'), netnsOf(h2, 'o2')])
    const b2ip = await ipOf(h1, 'b2', 'bridge')
    const o2ip = await ipOf(h2, 'o2', 'ov')
    const bridge: number[] = []
    const overlay: number[] = []
    const underlay: number[] = []
    const h1net = `/proc/${h1.pid}/ns/net`
    const h2net = `/proc/${h2.pid}/ns/net`
    for (let i = 0; i < REPEAT; i++) {
      bridge.push(await iperf(h1, b2, h1, b1, b2ip))
      overlay.push(await iperf(h2, o2, h1, o1, o2ip))
      underlay.push(await iperf(h2, h2net, h1, h1net, c.addr(2)))
      log(`throughput ${i + 1}/${REPEAT}: bridge ${bridge.at(-1)!.toFixed(2)}, overlay ${overlay.at(-1)!.toFixed(2)}, underlay ${underlay.at(-1)!.toFixed(2)} Gbit/s`)
    }
    const [mb, mo, mu] = [median(bridge), median(overlay), median(underlay)]
    rows.push([`TCP container → container over the overlay (host 1 → host 2, VXLAN, MTU 1450), iperf3 ${SECONDS} s`, `${mo.toFixed(2)} Gbit/s`, `plain bridge on one host: ${mb.toFixed(2)} Gbit/s`, (mo / mb).toFixed(2)])
    rows.push(['the underlay alone, host 1 → host 2 (veth pair + bridge, MTU 1500)', `${mu.toFixed(2)} Gbit/s`, `plain bridge on one host: ${mb.toFixed(2)} Gbit/s`, (mu / mb).toFixed(2)])

    // reachability of a new container on another host
    const byIp: number[] = []
    const byName: number[] = []
    const runD: number[] = []
    const block = JSON.parse(await h2.ok('network', 'inspect', 'ov'))[0].IPAM.Config[0].IPRange as string
    const target = block.replace(/\.\d+\/\d+$/, '.200')
    for (let i = 0; i < REPEAT; i++) {
      const name = `new${i}`
      // the loop prints the wall clock (ms) of its first answer; it runs on before the container exists
      const probe = h1.sh(`until nsenter --net=${o1} curl -s -o /dev/null --max-time 0.1 http://${target}/; do :; done; echo $(( $(date +%s%N) / 1000000 ))`)
      await new Promise((res) => setTimeout(res, 300)) // the loop is running
      const t0 = Date.now()
      const id = (await h2.ok('run', '-d', '--name', name, '--ip', target, '--network', 'ov', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')).trim()
      const tRun = Date.now()
      const hostsFile = `${h1.runtime}/dns/ov/hosts/remote.${id}`
      const named = () => fs.existsSync(hostsFile) && new RegExp(`\\s${name}(\\s|$)`, 'm').test(fs.readFileSync(hostsFile, 'utf8'))
      while (!named()) await new Promise((res) => setTimeout(res, 5))
      byName.push(Date.now() - t0)
      byIp.push(Number((await probe).stdout.trim()) - t0)
      runD.push(tRun - t0)
      await h2.ok('rm', '-f', name)
      log(`reachable ${i + 1}/${REPEAT}: run -d ${runD.at(-1)} ms, http ${byIp.at(-1)} ms, name ${byName.at(-1)} ms`)
    }
    rows.push(['new container on host 2 (busybox httpd) → answers HTTP from host 1\'s container (from the start of run -d)', `${median(byIp)} ms`, `run -d itself: ${median(runD)} ms`, (median(byIp) / median(runD)).toFixed(2)])
    rows.push(['… → its name in host 1\'s resolver (agent: etcd watch → hosts file of the overlay\'s dnsmasq)', `${median(byName)} ms`, `run -d itself: ${median(runD)} ms`, (median(byName) / median(runD)).toFixed(2)])
  } finally {
    await c.close()
  }
  const table = [['figure', 'value', 'floor', 'ratio'], ['---', '---', '---', '---'], ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, kernel ${os.release()}, load average ${os.loadavg()[0].toFixed(1)} at the end; medians of ${REPEAT}`
  process.stdout.write(`${table}\n\n${machine}\n`)
  if (process.env.BENCH_QUICK === '1') return
  const section = `<!-- overlay: written by node dist/bench/overlay.js -->\n## Overlay (bench/overlay.ts, ${new Date().toISOString().slice(0, 10)})\n\nTwo test hosts on one underlay bridge, etcd in a third namespace (the overlay test's cluster). ${machine}.\n\n${table}\n\nThe overlay costs what VXLAN costs: encapsulation on both ends, two more bridges and the underlay's veth pair on the way, and a 1450-byte MTU; nothing of minirun's is on the data path. A new container answers as soon as its run -d is done (flood entries per host, learning: no etcd round trip before the first packet); its name follows through the etcd watch.\n<!-- /overlay -->\n`
  const doc = fs.readFileSync('docs/BENCHMARKS.md', 'utf8')
  const re = /<!-- overlay:[\s\S]*<!-- \/overlay -->\n/
  fs.writeFileSync('docs/BENCHMARKS.md', re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}`)
}

await main()
