import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {TestHost} from '../test/helpers/host.js'

// `npm run bench`: every figure beside its floor, measured side by side in one run inside a
// throwaway host namespace (as the tests do; nothing touches the machine's own network). Medians
// of repeated runs; prints a table and writes docs/BENCHMARKS.md. Tests never assert timings:
// the targets are checked here and reported, holding or not.

// BENCH_QUICK=1 (CI, test/integration/bench.test.ts): every row once or twice, small sizes, no
// docs written. It checks that the bench still runs, not how fast anything is.
const QUICK = process.env.BENCH_QUICK === '1'
const REPEAT = Number(process.env.BENCH_REPEAT || (QUICK ? 2 : 9))
const SCALE = QUICK ? 6 : 100 // detached containers on one bridge
const PORTS_EACH = 5 // so the scale run leaves SCALE * PORTS_EACH published ports in place
const IMPORT_DIRS = QUICK ? 2 : 40 // × 50 files of 32 KiB
// BENCH_ROWS=startup,exit,images (a comma list of the sections below): measure only those while
// working on one figure; docs/BENCHMARKS.md is then left alone.
const ONLY = process.env.BENCH_ROWS ? new Set(process.env.BENCH_ROWS.split(',')) : undefined

interface Row {
  figure: string
  value: string
  floor: string
  ratio: number
  target: string
  /** undefined: no target, the figure is informative */
  holds?: boolean
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ms = (x: number) => `${x.toFixed(0)} ms`
const log = (m: string) => process.stderr.write(`bench: ${m}\n`)

/** ms that `fn` took; or, when it returns a number, that: it timed its own part (not its clean-up). */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  const own = await fn()
  return typeof own === 'number' ? own : Number(process.hrtime.bigint() - t0) / 1e6
}

async function timeIt(fn: () => Promise<unknown>, repeat = REPEAT): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < repeat; i++) samples.push(await timed(fn))
  return median(samples)
}

/**
 * Several commands measured in turns (a, b, c, a, b, c...): the machine's load drifts, and each
 * then sees the same drift. Returns each command's samples, in turn order.
 */
async function alternate(fns: Array<() => Promise<unknown>>, repeat = REPEAT): Promise<number[][]> {
  const samples = fns.map(() => [] as number[])
  for (let i = 0; i < repeat; i++) for (const [k, fn] of fns.entries()) samples[k].push(await timed(fn))
  return samples
}

/**
 * Figures of commands measured in turns, paired turn by turn: the median of each turn's ratio
 * (b / a) and difference (b - a). On this kind of machine two commands' medians drift apart by
 * more than the gap being measured; the turns' own ratios and differences do not.
 */
const paired = (a: number[], b: number[]) => ({ratio: median(b.map((x, i) => x / a[i])), extra: median(b.map((x, i) => x - a[i]))})

/** Poll (every millisecond) until `done`, and return when it became true, in ms since `t0` (hrtime). */
async function until(t0: bigint, done: () => boolean, timeoutMs = 10_000): Promise<number> {
  while (!done()) {
    if (Number(process.hrtime.bigint() - t0) / 1e6 > timeoutMs) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 1))
  }
  return Number(process.hrtime.bigint() - t0) / 1e6
}

/** Proportional set size of a process, in KiB (shared pages divided among their users). */
function pssKiB(pid: number): number {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
  return Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0)
}

// 1, 2: start-up against its floors; the bridge's extra cost against --network none; exec; run -d + rm -f.
async function startup(host: TestHost, rows: Row[]): Promise<void> {
  log('start-up')
  await host.ok('run', '--rm', '--network', 'none', 'busybox', 'true') // builds the image once
  await host.ok('run', '--rm', 'busybox', 'true') // and the default bridge, kept from then on (as docker0 is)
  const node = () => host.exec([process.execPath, '-e', '0'])
  // the floor: the same namespaces on the same rootfs, straight from unshare(1)
  const rootfs = `${host.root}/images/${fs.readdirSync(`${host.root}/images`)[0]}/rootfs`
  const unshare = () => host.exec(['unshare', '--fork', '--pid', '--mount', '--uts', '--ipc', '--net', `--root=${rootfs}`, '/bin/busybox', 'true'])
  const runNone = () => host.mr('run', '--rm', '--network', 'none', 'busybox', 'true')
  const runBridge = () => host.mr('run', '--rm', 'busybox', 'true')
  const [nodeRuns, psRuns] = await alternate([node, () => host.mr('ps')])
  const ps = paired(nodeRuns, psRuns).ratio
  rows.push({figure: 'minirun ps (empty store)', value: ms(median(psRuns)), floor: `node -e 0: ${ms(median(nodeRuns))}`, ratio: ps, target: '≤ 1.5', holds: ps <= 1.5})
  const [nodeAgain, rawUnshare, noneRuns, bridgeRuns] = await alternate([node, unshare, runNone, runBridge])
  const floorRuns = nodeAgain.map((x, i) => x + rawUnshare[i])
  const none = median(noneRuns)
  const noneRatio = paired(floorRuns, noneRuns).ratio
  rows.push({figure: 'run --rm --network none busybox true', value: ms(none), floor: `node -e 0 + raw unshare: ${ms(median(floorRuns))}`, ratio: noneRatio, target: '≤ 2.0', holds: noneRatio <= 2.0})
  const lone = paired(noneRuns, bridgeRuns)
  rows.push({figure: 'run --rm busybox true, default bridge, no other container: extra over none', value: `+${ms(lone.extra)}`, floor: `none mode: ${ms(none)}`, ratio: lone.ratio, target: '≤ +40 ms', holds: lone.extra <= 40})
  // the bridge made and removed around the run: what the first run after a prune pays
  const fresh: number[] = []
  for (let i = 0; i < Math.max(1, Math.ceil(REPEAT / 3)); i++) {
    await host.ok('system', 'prune', '-f')
    fresh.push(await timed(runBridge))
  }
  rows.push({figure: 'the same, first run after system prune (bridge and nft table made)', value: `+${ms(median(fresh) - none)}`, floor: `none mode: ${ms(none)}`, ratio: median(fresh) / none, target: '—'})
  const keeper = await host.ok('run', '-d', '--name', 'keeper', 'busybox', 'sleep', '600')
  const [none2, bridgeKept] = await alternate([runNone, runBridge])
  const kept = paired(none2, bridgeKept)
  rows.push({figure: 'the same with another container on the bridge: extra over none', value: `+${ms(kept.extra)}`, floor: `none mode: ${ms(median(none2))}`, ratio: kept.ratio, target: '≤ +20 ms', holds: kept.extra <= 20})
  const [nodeExec, execRuns] = await alternate([node, () => host.mr('exec', keeper, 'true')])
  const exec = paired(nodeExec, execRuns).ratio
  rows.push({figure: 'exec C true', value: ms(median(execRuns)), floor: `node -e 0: ${ms(median(nodeExec))}`, ratio: exec, target: '≤ 1.5', holds: exec <= 1.5})
  await host.ok('rm', '-f', keeper)
  const detachedPair = async () => {
    const id = await host.ok('run', '-d', 'busybox', 'sleep', '600')
    await host.ok('rm', '-f', id)
  }
  // the same containers removed as `docker rm -f $(docker ps -aq)` does: one rm for all of them
  const BATCH = QUICK ? 2 : 10
  const batch = async () => {
    const ids: string[] = []
    for (let i = 0; i < BATCH; i++) ids.push(await host.ok('run', '-d', 'busybox', 'sleep', '600'))
    await host.ok('rm', '-f', ...ids)
  }
  const [rmRuns, pairRuns] = await alternate([runBridge, detachedPair])
  const pair = paired(rmRuns, pairRuns).ratio
  rows.push({figure: 'run -d busybox sleep, then rm -f (per container, default bridge)', value: ms(median(pairRuns)), floor: `run --rm busybox true: ${ms(median(rmRuns))}`, ratio: pair, target: '≤ 1.2', holds: pair <= 1.2})
  const [rmRuns2, batchRuns] = await alternate([runBridge, batch], Math.max(1, Math.ceil(REPEAT / 3)))
  const perContainer = batchRuns.map((x) => x / BATCH)
  rows.push({figure: `the same, ${BATCH} run -d then one rm -f of all ${BATCH} (per container)`, value: ms(median(perContainer)), floor: `run --rm busybox true: ${ms(median(rmRuns2))}`, ratio: paired(rmRuns2, perContainer).ratio, target: '—'})
}

// A detached container's exit: PID 1 killed → the monitor writes the exit code → `container
// cleanup` (run by the monitor) releases the kernel state and writes the record.
async function exitPath(host: TestHost, rows: Row[]): Promise<void> {
  log('exit path')
  const toCode: number[] = []
  const toRecord: number[] = []
  for (let i = 0; i < REPEAT; i++) {
    const id = await host.ok('run', '-d', 'busybox', 'sleep', '600')
    const dir = `${host.root}/containers/${id}`
    const rec = JSON.parse(fs.readFileSync(`${dir}/container.json`, 'utf8'))
    const exited = () => {
      try {
        return JSON.parse(fs.readFileSync(`${dir}/container.json`, 'utf8')).state.status === 'exited'
      } catch {
        return false
      }
    }
    const t0 = process.hrtime.bigint()
    process.kill(rec.state.pid, 'SIGKILL')
    toCode.push(await until(t0, () => fs.existsSync(`${dir}/exitcode`) || exited()))
    toRecord.push(await until(t0, exited))
    await host.ok('rm', id)
  }
  const [code, record] = [median(toCode), median(toRecord)]
  rows.push({figure: 'detached container exit → exit code written (by its monitor; ps and inspect read it)', value: ms(code), floor: '—', ratio: code / 30, target: '≤ 30 ms', holds: code <= 30})
  rows.push({figure: 'detached container exit → container cleanup done (veth, netns, mounts released; record written)', value: ms(record), floor: `node -e 0 is part of it`, ratio: record / 30, target: '—'})
}

/** Publish `count` ports from `first` on, one -p each to container ports 80, 81... */
const publishArgs = (first: number, count: number) => Array.from({length: count}, (_, k) => ['-p', `${first + k}:${80 + k}`]).flat()

/** Published TCP ports in the store's nft maps, read back from the kernel. */
async function publishedInKernel(host: TestHost): Promise<number> {
  const ruleset = JSON.parse((await host.sh('nft -j list ruleset')).stdout) as {nftables: Array<{map?: {name: string; elem?: unknown[]}}>}
  return ruleset.nftables.filter((o) => o.map?.name === 'pub_tcp').reduce((n, o) => n + (o.map!.elem?.length ?? 0), 0)
}

// 3: 100 containers one after another on one bridge; publishing with 500 ports in place.
async function scale(host: TestHost, rows: Row[]): Promise<void> {
  log(`scale: ${SCALE} detached containers, ${PORTS_EACH} published ports each`)
  await host.ok('run', '-d', '--name', 'anchor', 'busybox', 'sleep', '3600') // the bridge and the nft table stay up
  const publishOne = async () => {
    let id = ''
    const t = await timed(async () => (id = await host.ok('run', '-d', ...publishArgs(30000, 1), 'busybox', 'sleep', '600')))
    await host.ok('rm', '-f', id)
    return t
  }
  const before: number[] = []
  for (let i = 0; i < (QUICK ? 1 : 5); i++) before.push(await publishOne())
  const starts: number[] = []
  for (let i = 0; i < SCALE; i++) {
    starts.push(await timed(() => host.ok('run', '-d', ...publishArgs(20000 + i * PORTS_EACH, PORTS_EACH), 'busybox', 'sleep', '3600')))
    if ((i + 1) % 25 === 0) log(`  ${i + 1} started`)
  }
  const inPlace = await publishedInKernel(host)
  const after: number[] = []
  for (let i = 0; i < (QUICK ? 1 : 5); i++) after.push(await publishOne())
  const span = Math.min(10, Math.floor(SCALE / 2))
  const first10 = median(starts.slice(0, span))
  const last10 = median(starts.slice(-span))
  rows.push({figure: `run -d (bridge, ${PORTS_EACH} ports): containers ${SCALE - span + 1}–${SCALE}`, value: ms(last10), floor: `containers 1–${span}: ${ms(first10)}`, ratio: last10 / first10, target: '≤ 1.2', holds: last10 / first10 <= 1.2})
  const t0 = median(before)
  const t500 = median(after)
  rows.push({figure: `run -d -p (one more port) with ${inPlace} ports published`, value: ms(t500), floor: `with 0 ports: ${ms(t0)}`, ratio: t500 / t0, target: '≤ 1.2 (flat)', holds: t500 / t0 <= 1.2})
  log('  removing them')
  await host.clear()
}

/** Requests per second against `url`, from inside the host namespace: wrk, or a Node client without it. */
async function requestsPerSecond(host: TestHost, url: string, useWrk: boolean): Promise<number> {
  if (useWrk) {
    const r = await host.exec(['wrk', '-t', '2', '-c', '8', '-d', QUICK ? '1s' : '3s', url])
    const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout)
    if (!m) throw new Error(`wrk printed no rate: ${r.stdout}${r.stderr}`)
    return Number(m[1])
  }
  const client = `
    const http = require('node:http'); let n = 0; const end = Date.now() + 3000
    const one = () => new Promise((ok) => http.get(${JSON.stringify(url)}, {agent: false}, (res) => { res.resume(); res.on('end', ok) }).on('error', ok))
    const loop = async () => { while (Date.now() < end) { await one(); n++ } }
    Promise.all(Array.from({length: 8}, loop)).then(() => console.log(n / 3))`
  return Number((await host.exec([process.execPath, '-e', client])).stdout.trim())
}

// 4: a published port against the container's own address.
async function throughput(host: TestHost, rows: Row[]): Promise<void> {
  const useWrk = (await host.sh('command -v wrk')).exitCode === 0
  log(`published-port throughput (${useWrk ? 'wrk' : 'Node client: wrk is not installed'})`)
  // Two identical servers, one per path, measured in turns: each path's closed connections
  // (TIME_WAIT, conntrack) then never slow the other one down.
  const serve = ['busybox', 'sh', '-c', 'mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www']
  await host.ok('run', '-d', '--name', 'web-direct', ...serve)
  await host.ok('run', '-d', '--name', 'web', '-p', '28080:80', ...serve)
  const ip = JSON.parse(await host.ok('inspect', 'web-direct'))[0].NetworkSettings.IPAddress as string
  await host.sh(`curl -s --retry 20 --retry-connrefused --retry-delay 1 -o /dev/null http://127.0.0.1:28080/ http://${ip}/`)
  // Every request is a new connection (busybox httpd closes it), and their TIME_WAIT sockets
  // exhaust the client's ports after a few runs. Linux reuses them by default only on loopback
  // (tcp_tw_reuse=2), which favours the published path: reuse them on both (this namespace only).
  await host.sh('sysctl -qw net.ipv4.tcp_tw_reuse=1')
  const [directs, publisheds]: number[][] = [[], []]
  for (let round = 0; round < (QUICK ? 1 : 5); round++) {
    directs.push(await requestsPerSecond(host, `http://${ip}:80/`, useWrk))
    publisheds.push(await requestsPerSecond(host, 'http://127.0.0.1:28080/', useWrk))
  }
  const [direct, published] = [median(directs), median(publisheds)]
  rows.push({figure: `HTTP via 127.0.0.1:28080 (nft DNAT), ${useWrk ? 'wrk -c 8' : 'Node client, 8 at once'}`, value: `${published.toFixed(0)} req/s`, floor: `container IP directly: ${direct.toFixed(0)} req/s`, ratio: published / direct, target: '≥ 0.9', holds: published / direct >= 0.9})
  await host.ok('rm', '-f', 'web', 'web-direct')
}

// 5: memory minirun keeps beside the containers.
async function memory(host: TestHost, rows: Row[]): Promise<void> {
  log('memory')
  // PSS divides shared pages among their users, so it depends on how many run: 10 here.
  const ids: string[] = []
  for (let i = 0; i < 10; i++) ids.push(await host.ok('run', '-d', '--network', 'none', 'busybox', 'sleep', '600'))
  const recs = ids.map((id) => JSON.parse(fs.readFileSync(`${host.root}/containers/${id}/container.json`, 'utf8')))
  // The launcher's host side is the monitor (supervisorPid = launcherPid): each process counted once.
  const kept = Math.round(recs.reduce((sum, rec) => sum + [...new Set([rec.state.supervisorPid, rec.state.launcherPid])].reduce((k, pid) => k + pssKiB(pid), 0), 0) / recs.length)
  rows.push({figure: 'host memory kept per detached container, 10 running (its monitor, the launcher\'s host side, PSS)', value: `${kept} KiB`, floor: 'containerd shim ≈ 13 MB', ratio: kept / 13000, target: '< 1024 KiB', holds: kept < 1024})
  await host.ok('pod', 'create', '--name', 'benchpod')
  const pod = JSON.parse(await host.ok('pod', 'inspect', 'benchpod'))
  const infra = JSON.parse(fs.readFileSync(`${host.root}/containers/${pod.InfraContainerID}/container.json`, 'utf8'))
  const pause = [...new Set([infra.state.pid, infra.state.supervisorPid, infra.state.launcherPid])].reduce((k, pid) => k + pssKiB(pid), 0)
  rows.push({figure: "a pod's pause container, beside them (pause + its monitor PSS)", value: `${pause} KiB`, floor: 'Kubernetes pause ≈ 1 MiB', ratio: pause / 1024, target: '< 1024 KiB', holds: pause < 1024})
  await host.ok('pod', 'rm', '-f', 'benchpod')
  await host.ok('rm', '-f', ...ids)
}

// 6: image import against tar -x of the same archive; a run of a big image against busybox.
async function images(host: TestHost, rows: Row[]): Promise<void> {
  log('image import')
  const src = path.join(host.dir, 'bigroot')
  fs.cpSync(`${host.root}/images/${fs.readdirSync(`${host.root}/images`)[0]}/rootfs`, src, {recursive: true, verbatimSymlinks: true})
  const chunk = Buffer.alloc(32 * 1024)
  for (let d = 0; d < IMPORT_DIRS; d++) {
    fs.mkdirSync(path.join(src, 'data', String(d)), {recursive: true})
    for (let f = 0; f < 50; f++) fs.writeFileSync(path.join(src, 'data', String(d), `f${f}`), chunk.fill(d * 50 + f))
  }
  const tarball = path.join(host.dir, 'big.tar')
  await host.exec(['tar', '-cf', tarball, '-C', src, '.'])
  const mb = fs.statSync(tarball).size / 2 ** 20
  const out = path.join(host.dir, 'untar')
  let n = 0
  // in turns, as the start-up rows: tar -x of one archive varies several-fold within minutes here
  const [tarRuns, importRuns] = await alternate(
    [
      async () => {
        fs.mkdirSync(out)
        const took = await timed(() => host.exec(['tar', '-xf', tarball, '-C', out]))
        fs.rmSync(out, {recursive: true})
        return took
      },
      async () => {
        const took = await timed(() => host.ok('image', 'import', tarball, `big:${++n}`))
        await host.ok('image', 'rm', `big:${n}`)
        return took
      },
    ],
    QUICK ? 1 : 5,
  )
  const [tarX, imp] = [median(tarRuns), median(importRuns)]
  // ratio of speeds (MB/s over MB/s): higher is better
  const speed = median(tarRuns.map((x, i) => x / importRuns[i]))
  rows.push({figure: `image import of a ${mb.toFixed(0)} MB rootfs tarball (${IMPORT_DIRS * 50} files), MB/s`, value: `${ms(imp)} (${(mb / (imp / 1000)).toFixed(0)} MB/s)`, floor: `GNU tar -x: ${ms(tarX)} (${(mb / (tarX / 1000)).toFixed(0)} MB/s)`, ratio: speed, target: '≥ 0.6', holds: speed >= 0.6})
  await host.ok('image', 'import', tarball, 'big')
  const small = await timeIt(() => host.mr('run', '--rm', '--network', 'none', 'busybox', 'true'))
  const big = await timeIt(() => host.mr('run', '--rm', '--network', 'none', 'big', 'true'))
  const id = await host.ok('run', '-d', '--network', 'none', 'big', 'sleep', '600')
  const upper = Number((await host.sh(`du -sk ${host.root}/containers/${id}/upper`)).stdout.split('\t')[0])
  rows.push({figure: `run --rm of the ${mb.toFixed(0)} MB image (overlay: upper dir ${upper} KiB, nothing copied)`, value: ms(big), floor: `the 2 MB busybox: ${ms(small)}`, ratio: big / small, target: '≤ 1.2', holds: big / small <= 1.2})
  await host.ok('rm', '-f', id)
  await host.ok('image', 'rm', 'big')
}

// 7: names on a user-defined network (issue 15): what its resolver costs and how soon a name answers.
async function dns(host: TestHost, rows: Row[]): Promise<void> {
  log('dns')
  await host.ok('network', 'create', 'benchdns')
  const gw = JSON.parse(await host.ok('network', 'inspect', 'benchdns'))[0].IPAM.Config[0].Gateway as string
  // asked from the host's side (the resolver answers its bridge and the host): one process per ask
  const ask = async (name: string) => /^Name:/m.test((await host.sh(`busybox nslookup ${name} ${gw}`)).stdout)
  const pair = (network: string) => async () => host.ok('rm', '-f', await host.ok('run', '-d', '--network', network, 'busybox', 'sleep', '600'))
  // alone on the network, a container starts dnsmasq and its rm stops it
  const first = await timeIt(pair('benchdns'))
  const anchor = await host.ok('run', '-d', '--name', 'anchor', '--network', 'benchdns', 'busybox', 'sleep', '600')
  const [onDefault, onUser] = (await alternate([pair('bridge'), pair('benchdns')])).map(median)
  rows.push({figure: 'run -d then rm -f on a user network (resolver running, names written and removed): extra over the default bridge', value: `+${ms(onUser - onDefault)}`, floor: `default bridge: ${ms(onDefault)}`, ratio: onUser / onDefault, target: '—'})
  rows.push({figure: 'the same, the only container of its network (dnsmasq started by run, stopped by rm)', value: ms(first), floor: `resolver already running: ${ms(onUser)}`, ratio: first / onUser, target: '—'})
  const toAnswer: number[] = []
  const oneAsk: number[] = []
  const names: string[] = []
  for (let i = 0; i < REPEAT; i++) {
    names.push(`named${i}`)
    await host.ok('run', '-d', '--name', `named${i}`, '--network', 'benchdns', 'busybox', 'sleep', '600')
    const t0 = process.hrtime.bigint()
    for (let k = 0; !(await ask(`named${i}`)); k++) if (k > 200) throw new Error(`named${i} never answered`)
    toAnswer.push(Number(process.hrtime.bigint() - t0) / 1e6)
    oneAsk.push(await timed(() => ask('anchor')))
  }
  const [answer, floor] = [median(toAnswer), median(oneAsk)]
  rows.push({figure: 'user network: run -d returned → its name answers (busybox nslookup from the host, asked until it does)', value: ms(answer), floor: `one ask of a known name: ${ms(floor)}`, ratio: answer / floor, target: '≤ 1.5 (the first ask answers)', holds: answer / floor <= 1.5})
  const resolver = JSON.parse(fs.readFileSync(`${host.runtime}/dns/benchdns/resolver.json`, 'utf8')).pid as number
  const rec = JSON.parse(fs.readFileSync(`${host.root}/containers/${anchor}/container.json`, 'utf8'))
  const monitor = pssKiB(rec.state.supervisorPid)
  const pss = pssKiB(resolver)
  rows.push({figure: `resolver memory: the network's dnsmasq, ${names.length + 1} containers named (PSS)`, value: `${pss} KiB`, floor: `a detached container's monitor: ${monitor} KiB`, ratio: pss / monitor, target: '—'})
  await host.ok('rm', '-f', anchor, ...names)
  await host.ok('network', 'rm', 'benchdns')
}

const NOTES = `## Reading the figures

- **Floors.** \`node -e 0\` is what any Node CLI pays before doing anything; the raw \`unshare\`
  is the same namespaces on the same rootfs without minirun. A \`run\` also makes an overlay, a
  network namespace with loopback up, the launcher's mounts, \`pivot_root\` and seccomp filter, takes the store
  lock and cleans everything up after \`--rm\`.
- **Start-up.** \`run\`, \`exec\`, \`ps\`, \`inspect\`, \`logs\`, \`stop\`, \`kill\`, \`rm\`, \`image import\`
  and \`image rm\` skip oclif (its import alone costs about as much as Node's start), and run
  from one bundle with a V8 code cache per command (compiling it on every start was a tenth of
  an \`exec\`): see "Development" in the README. Everything they load is CommonJS (the ES module
  loader cost 7-8 ms for the entry file alone), the bundle is read as a one-byte string, and
  records are read and written synchronously (a thread-pool trip per step cost 0.3-0.7 ms). The launcher loads the seccomp filter of a
  container with Docker's default capabilities as compiled in at build time (libseccomp took
  6 ms to build the same filter at every launch and exec).
- **Bridge.** The default bridge and its nft table are kept after the last container, as
  docker0 is, until \`system prune\`; a bridge run then adds a veth pair (the lock helper
  makes it by rtnetlink and sets the container side: no \`ip\` to spawn); at the exit it takes
  the host end off the bridge and down, and leaves the pair to go with the container's namespace
  (deleting it would wait out an RCU grace period). The row after a prune shows
  what making the bridge and the table costs (one \`ip -batch\`, one \`nft -f\`, sysctls written
  by Node).
- **Exit path.** The monitor writes the exit code within milliseconds; \`container cleanup\`
  (on the fast path, no oclif) then releases the kernel state and writes the record, and starting
  Node is most of that time.
- **Two processes.** \`run -d\` then \`rm -f\` is two CLI starts against one for \`run --rm\`:
  the 1.2 target leaves the second command about 40 ms, less than half of \`node -e 0\` here.
  Removed together by one \`rm -f\`, as \`docker rm -f $(docker ps -aq)\` does, the containers
  share that start (the next row).
  \`rm -f\` cleans up itself and tells the monitor so (a file it makes before the kill): the
  monitor then exits after writing the exit code instead of starting Node for \`container cleanup\`.
- **Spawns.** The store lock is held by a small static helper (one spawn per command, not two
  per locked section), and a new network namespace is set up by \`unshare --net=FILE netnsinit\`
  (IPv6 off and loopback up in one static program, not a shell running sysctl and ip).
- **Scale.** Nothing a run does reads every container: names are an index of symlinks, port
  clashes are checked against the kernel's nft maps, IPAM reads file names only, and names are
  written only for user networks. Published ports are elements of nft maps, so the rules
  never change as ports come and go.
- **Names.** A user-defined network's resolver is one dnsmasq on its gateway, started by the
  first container and stopped by the last. Each container's names are one file that \`run\`
  writes before it returns; dnsmasq reads it on its inotify event, so the first ask answers.
  The ask from the host is a process (\`nsenter\`, busybox \`nslookup\`): that is its floor.
  dnsmasq's memory is mostly its own pages (about 0.5 MiB anonymous, its cache makes no
  difference) and one per network in use.
- **Throughput.** Every request is a new connection (busybox httpd), so this measures the NAT
  cost per connection (DNAT, and SNAT of 127.0.0.1), with TIME_WAIT reuse on in the bench's own
  namespace so neither path runs out of ports.
- **Import.** Bound by the kernel creating files, which varies a lot on these machines (\`tar -x\`
  of the same archive took 0.1 to 4 s within one hour, each file's creating open(2) 0.04-0.8 ms:
  \`perf\` shows ext4 skipping, for every new inode, the inodes its group freed in the last minutes,
  so everyone's churn sets the price), so the two are measured in turns. minirun also checks every
  path (securejoin, resolved parent dirs remembered until the archive removes something), hashes
  the archive and writes the record; it writes each entry synchronously inside the parser's
  events (no await per entry), with fewer system calls per file than \`tar -x\` (open, write,
  utimensat, close; chown and chmod only when the owner or the umask need them), and counts the
  image's size as it goes. The row times \`image import\` (on the fast path: its Node start is
  in the figure) against \`tar -x\`; each one's clean-up (\`image rm\`, \`rm -r\`) is not timed.
`

async function main(): Promise<void> {
  const started = Date.now()
  const loadAtStart = os.loadavg()[0]
  const host = await TestHost.create('bench')
  const rows: Row[] = []
  try {
    const sections = {startup, exit: exitPath, memory, dns, throughput, images, scale}
    if (ONLY && !ONLY.has('startup')) await host.ok('run', '--rm', '--network', 'none', 'busybox', 'true') // builds the image
    for (const [name, section] of Object.entries(sections)) if (!ONLY || ONLY.has(name)) await section(host, rows)
  } finally {
    await host.close()
  }
  const header = ['figure', 'value', 'floor', 'ratio', 'target', 'holds']
  const cells = rows.map((r) => [r.figure, r.value, r.floor, r.ratio < 0.1 ? r.ratio.toFixed(3) : r.ratio.toFixed(2), r.target, r.holds === undefined ? '—' : r.holds ? 'yes' : '**no**'])
  const table = [header, header.map(() => '---'), ...cells].map((r) => `| ${r.join(' | ')} |`).join('\n')
  const load = `load average ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end`
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, kernel ${os.release()}, node ${process.version}; ${load}; medians of ${REPEAT} runs (5 for import); compared figures measured in turns, their ratios and extras the medians of each turn's, ${((Date.now() - started) / 1000).toFixed(0)} s in all`
  const failing = rows.filter((r) => r.holds === false).map((r) => r.figure)
  const verdict = failing.length === 0 ? 'Every target holds.' : `Not holding: ${failing.join('; ')}.`
  process.stdout.write(`${table}\n\n${machine}\n${verdict}\n`)
  if (QUICK || ONLY) return // a smoke run or a part: not the whole picture
  fs.mkdirSync('docs', {recursive: true})
  // the overlay section is written by bench/overlay.ts (it needs three hosts and etcd): keep it
  const previous = fs.existsSync('docs/BENCHMARKS.md') ? fs.readFileSync('docs/BENCHMARKS.md', 'utf8') : ''
  const overlaySection = /<!-- overlay[\s\S]*<!-- \/overlay -->\n?/.exec(previous)?.[0] ?? ''
  fs.writeFileSync(
    'docs/BENCHMARKS.md',
    `# Benchmarks\n\nGenerated by \`npm run bench\` (${new Date().toISOString().slice(0, 10)}) on ${machine}.\n` +
      'Each figure is measured beside its floor in the same run, inside a throwaway network + mount namespace; every command goes through `nsenter` into it, floors included.\n\n' +
      `${table}\n\n${verdict}\n\n${NOTES}${overlaySection ? `\n${overlaySection}` : ''}`,
  )
}

await main()
