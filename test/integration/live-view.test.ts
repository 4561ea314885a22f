import test from 'ava'
import {execa} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {chromium, type BrowserContext} from 'playwright-core'
import {BIN, TestHost} from '../helpers/host.js'

// Issue 20: `network diagram --serve`, in a real browser. The server and Chromium both run inside
// the test host's namespaces (nsenter), so the page, its traffic and the curl through the
// published port never leave it.

const PORT = 18401
const PUB = 18402
const URL_ = `http://127.0.0.1:${PORT}/`

let host: TestHost
test.before(async () => {
  host = await TestHost.create('live')
})
test.after.always(async () => {
  await host?.close()
})

/** The server, in the test host; resolves once it listens. Ended by PID in teardown. */
async function startServer(t: {teardown: (fn: () => Promise<void>) => void}): Promise<void> {
  const server = execa('nsenter', ['-t', String(host.pid), '-n', '-m', '--', process.execPath, BIN, 'network', 'diagram', '--serve', '--listen', `127.0.0.1:${PORT}`], {
    env: host.env(),
    reject: false,
  })
  t.teardown(async () => {
    if (server.pid) process.kill(server.pid, 'SIGTERM')
    await server
  })
  let err = ''
  await new Promise<void>((resolve, reject) => {
    server.stderr!.on('data', (d: Buffer) => {
      err += d.toString()
      if (err.includes('serving the live topology on')) resolve()
    })
    server.on('exit', () => reject(new Error(`the server exited: ${err}`)))
  })
}

/**
 * Chromium, in the test host's namespaces: a wrapper writes its PID and execs nsenter, which
 * execs chromium (same PID). A temporary profile in the host's dir; killed by PID in teardown.
 */
async function startBrowser(t: {teardown: (fn: () => Promise<void>) => void}): Promise<BrowserContext> {
  const wrapper = path.join(host.dir, 'chromium-in-host.sh')
  const pidFile = path.join(host.dir, 'chromium.pid')
  fs.writeFileSync(wrapper, `#!/bin/sh\necho $$ > ${pidFile}\nexec nsenter -t ${host.pid} -n -m -- /usr/bin/chromium "$@"\n`, {mode: 0o755})
  // root needs --no-sandbox
  const ctx = await chromium.launchPersistentContext(path.join(host.dir, 'chromium-profile'), {
    executablePath: wrapper,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    headless: true,
    viewport: {width: 1600, height: 900},
  })
  const pid = Number(fs.readFileSync(pidFile, 'utf8'))
  t.teardown(async () => {
    await ctx.close().catch(() => {})
    try {
      process.kill(pid, 'SIGKILL')
    } catch {} // already gone
  })
  return ctx
}

test.serial('--listen is validated, and a port in use is a one-line error', async (t) => {
  for (const bad of ['localhost:18400', '127.0.0.1:70000', 'example.com:80']) {
    const r = await host.mr('network', 'diagram', '--serve', '--listen', bad)
    t.not(r.exitCode, 0)
    t.regex(r.stderr, /^Error: --listen .* is not IP:PORT/m, bad)
  }
  await startServer(t)
  const again = await host.mr('network', 'diagram', '--serve', '--listen', `127.0.0.1:${PORT}`)
  t.not(again.exitCode, 0)
  t.regex(again.stderr, new RegExp(`^Error: cannot listen on 127\\.0\\.0\\.1:${PORT}: address in use`, 'm'))
})

test.serial('read-only: GET only, the Host header must be the server, strict CSP', async (t) => {
  await startServer(t)
  const code = async (args: string) => (await host.sh(`curl -s -o /dev/null -w '%{http_code}' ${args}`)).stdout
  t.is(await code(URL_), '200')
  for (const m of ['POST', 'PUT', 'DELETE', 'PATCH']) t.is(await code(`-X ${m} ${URL_}`), '405', m)
  t.is(await code(`-H 'Host: evil.example:${PORT}' ${URL_}`), '421', 'DNS rebinding: another name for 127.0.0.1 is refused')
  t.is(await code(`${URL_}nosuch`), '404')
  t.is(await code(`${URL_}container/nosuch`), '404')
  const head = (await host.sh(`curl -s -D - -o /dev/null ${URL_}`)).stdout
  t.regex(head, /^Content-Security-Policy: default-src 'none'; script-src 'self';/im)
  t.regex((await host.sh(`curl -s ${URL_}topology.svg`)).stdout, /^<svg xmlns/)
})

test.serial('the page redraws as containers come and go, and a curl through -p moves the port counter', async (t) => {
  await startServer(t)
  const browser = await startBrowser(t)
  const page = browser.pages()[0] ?? (await browser.newPage())
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(String(e)))
  await page.goto(URL_)
  await page.waitForSelector('#diagram svg')

  await host.ok('network', 'create', 'app')
  await host.ok('run', '-d', '--name', 'api', '--network', 'app', 'busybox', 'sleep', '600')
  const explain = path.join(host.dir, 'web.sh')
  const hostile = '<img src=x onerror=document.title=1>'
  await host.ok('run', `--explain=${explain}`, '-d', '--name', 'web', '-l', `note=${hostile}`, '-p', `${PUB}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www')
  // within 2 s of run returning, the page's SVG has the container
  await page.waitForFunction(() => document.querySelector('#diagram svg [data-container="web"]') !== null, undefined, {timeout: 2000})
  t.truthy(await page.$('#diagram svg [data-container="api"]'))
  await host.ok('pod', 'create', '--name', 'lpod')
  await host.ok('run', '-d', '--pod', 'lpod', '--name', 'lmember', 'busybox', 'sleep', '600')
  await page.waitForFunction(() => document.querySelector('#diagram svg [data-container="lmember"]') !== null, undefined, {timeout: 2000})
  t.regex((await page.textContent('#diagram svg')) ?? '', /pod lpod \(pause: lpod-infra\)/)

  const counter = `#diagram [data-count="${PUB}/tcp"]`
  await page.waitForSelector(counter)
  const before = Number.parseInt((await page.textContent(counter)) || '0', 10) || 0
  const curls = host.sh(`for i in $(seq 40); do curl -s --max-time 2 http://127.0.0.1:${PUB}/ >/dev/null; sleep 0.1; done; curl -s http://127.0.0.1:${PUB}/`)
  await page.waitForFunction(([sel, n]) => (Number.parseInt(document.querySelector(sel as string)?.textContent ?? '', 10) || 0) > (n as number), [counter, before], {timeout: 10_000})
  // the veth of web lights up: its rate line reads a non-zero rate while the curls run
  await page.waitForFunction(() => [...document.querySelectorAll('#diagram g[data-container="web"] [data-rate]')].some((el) => /[1-9]/.test(el.textContent ?? '')), undefined, {timeout: 10_000})
  t.truthy(await page.$('#diagram .link.hot'), 'a link with traffic is drawn hot')

  // clicking the container shows its inspect summary and the --explain transcript that made it
  await page.locator('#diagram g[data-container="web"]').first().click()
  await page.waitForFunction(() => document.querySelector('#summary')?.textContent?.includes('"Name": "web"'), undefined, {timeout: 5000})
  const summary = (await page.textContent('#summary')) ?? ''
  t.true(summary.includes(hostile), 'the label is shown as text')
  t.is(await page.$$eval('aside img, #diagram img', (els) => els.length), 0, 'and never becomes an element')
  t.not(await page.title(), '1')
  const transcript = (await page.textContent('#transcript')) ?? ''
  t.is(transcript.trim(), fs.readFileSync(path.join(host.root, 'containers', (await host.ok('inspect', '-f', '{{.Id}}', 'web')), 'explain.sh'), 'utf8').trim())
  t.regex(transcript, /^# ── launch/m)
  t.regex((await curls).stdout, /minirun/i, 'the curls went through the published port')
  const shot = path.join(host.dir, 'live-view.png')
  await page.screenshot({path: shot})
  t.true(fs.statSync(shot).size > 10_000)
  if (process.env.MINIRUN_WRITE_DOCS) fs.copyFileSync(shot, new URL('../../../docs/live-view.png', import.meta.url))

  await host.ok('rm', '-f', 'web')
  await page.waitForFunction(() => document.querySelector('#diagram svg [data-container="web"]') === null, undefined, {timeout: 2000})
  t.deepEqual(errors, [])
  await page.locator('#diagram g[data-container="lmember"]').first().click()
  await page.waitForFunction(() => document.querySelector('#summary')?.textContent?.includes('"Pod": "lpod"'), undefined, {timeout: 5000})
  t.regex((await page.textContent('#transcript')) ?? '', /not made with --explain/)
  await host.ok('rm', '-f', 'api')
  await host.ok('pod', 'rm', '-f', 'lpod')
  await host.ok('network', 'rm', 'app')
  t.deepEqual(await host.leaks(), [])
})
