// The live page's three assets, served by serve.ts. Plain HTML/CSS/JS, no framework: the SVG
// comes from render.ts (every name in it already escaped), the page swaps it in on each
// `topology` event and colours links and ports on each `traffic` event. Everything the page
// writes itself goes through textContent, never HTML: container data is hostile.

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>minirun · live topology</title>
<link rel="stylesheet" href="app.css">
<script src="app.js" defer></script>
</head>
<body>
<header><h1>minirun · live topology</h1><span id="status">connecting…</span></header>
<main>
  <section id="diagram" aria-label="topology"></section>
  <aside>
    <h2>Published ports</h2>
    <table id="ports"><thead><tr><th>host port</th><th>packets</th><th>bytes</th><th>now</th></tr></thead><tbody></tbody></table>
    <h2>Container <span id="detail-name">(click one)</span></h2>
    <pre id="summary"></pre>
    <h2>How it was made <small>(--explain)</small></h2>
    <pre id="transcript"></pre>
  </aside>
</main>
</body>
</html>
`

export const PAGE_CSS = `
body { margin: 0; font-family: Helvetica, Arial, sans-serif; background: #fafafa; color: #263238; }
header { display: flex; align-items: baseline; gap: 2em; padding: 0.4em 1em; background: #263238; color: #fff; }
header h1 { font-size: 1.3em; margin: 0; }
#status { color: #b0bec5; }
main { display: flex; gap: 1em; padding: 0.6em; align-items: flex-start; }
#diagram { flex: 3; min-width: 0; }
#diagram svg { width: 100%; height: auto; max-height: calc(100vh - 4em); display: block; }
aside { flex: 1; min-width: 22em; max-width: 34em; font-size: 0.9em; }
aside h2 { font-size: 1.05em; margin: 0.8em 0 0.3em; }
pre { background: #eceff1; padding: 0.5em; max-height: 22em; overflow: auto; white-space: pre-wrap; word-break: break-all; font-size: 0.8em; margin: 0; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #cfd8dc; padding: 0.15em 0.4em; text-align: right; }
td:first-child, th:first-child { text-align: left; }
tr.hot td { color: #e65100; font-weight: bold; }
#diagram [data-container] { cursor: pointer; }
#diagram .link { transition: stroke 0.3s, stroke-width 0.3s; }
#diagram .link.hot { stroke: #ff6f00; stroke-width: 9; }
#diagram path.port.hot { stroke: #ff6f00; stroke-width: 6; }
#diagram text.port.hot { fill: #e65100; font-weight: bold; }
#diagram .selected > rect { stroke: #d50000; stroke-width: 4; }
`

export const PAGE_JS = `'use strict'
const $ = (s) => document.querySelector(s)
const fmt = (n) => (n < 1024 ? n.toFixed(0) + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KiB' : (n / 1048576).toFixed(1) + ' MiB')
let last = null
let selected = null

function markSelected() {
  for (const g of document.querySelectorAll('#diagram .selected')) g.classList.remove('selected')
  if (!selected) return
  for (const g of document.querySelectorAll('#diagram [data-container]')) if (g.getAttribute('data-container') === selected) g.classList.add('selected')
}

function applyTraffic(t) {
  last = t
  for (const el of document.querySelectorAll('#diagram [data-rate]')) {
    const r = t.links[el.getAttribute('data-rate')]
    el.textContent = r ? '\\u2193 ' + fmt(r.rx.bytes) + '/s  \\u2191 ' + fmt(r.tx.bytes) + '/s' : ''
  }
  for (const el of document.querySelectorAll('#diagram .link[data-link]')) {
    const r = t.links[el.getAttribute('data-link')]
    el.classList.toggle('hot', Boolean(r && r.rx.packets + r.tx.packets > 0))
  }
  for (const el of document.querySelectorAll('#diagram [data-count]')) {
    const p = t.ports[el.getAttribute('data-count')]
    el.textContent = (p ? p.packets : 0) + ' packets'
  }
  for (const el of document.querySelectorAll('#diagram .port[data-port]')) {
    const p = t.ports[el.getAttribute('data-port')]
    el.classList.toggle('hot', Boolean(p && p.rate.packets > 0))
  }
  const body = $('#ports tbody')
  body.replaceChildren()
  for (const [port, p] of Object.entries(t.ports)) {
    const tr = document.createElement('tr')
    tr.setAttribute('data-port', port)
    if (p.rate.packets > 0) tr.className = 'hot'
    for (const v of [port, String(p.packets), fmt(p.bytes), p.rate.packets.toFixed(0) + ' pkt/s']) {
      const td = document.createElement('td')
      td.textContent = v
      tr.append(td)
    }
    body.append(tr)
  }
}

async function show(name) {
  selected = name
  markSelected()
  $('#detail-name').textContent = name
  $('#summary').textContent = 'loading…'
  $('#transcript').textContent = ''
  try {
    const res = await fetch('container/' + encodeURIComponent(name))
    const d = await res.json()
    if (selected !== name) return
    $('#summary').textContent = d.error ? d.error : JSON.stringify(d.summary, null, 2)
    $('#transcript').textContent = d.transcript ?? '(not kept: this container was not made with --explain)'
  } catch (e) {
    $('#summary').textContent = String(e)
  }
}

$('#diagram').addEventListener('click', (ev) => {
  const g = ev.target.closest('[data-container]')
  if (g) show(g.getAttribute('data-container'))
})

const events = new EventSource('events')
events.addEventListener('topology', (e) => {
  const d = JSON.parse(e.data)
  $('#diagram').innerHTML = d.svg
  $('#diagram').setAttribute('data-version', String(d.version))
  $('#status').textContent = d.containers + ' running \\u00b7 redrawn ' + new Date().toLocaleTimeString()
  markSelected()
  if (last) applyTraffic(last)
})
events.addEventListener('traffic', (e) => applyTraffic(JSON.parse(e.data)))
events.addEventListener('error', () => { $('#status').textContent = 'disconnected, retrying\\u2026' })
`
