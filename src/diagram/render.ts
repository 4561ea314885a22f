import type {ContainerNode, Topology} from './model.js'

// Three renderings of one topology. Pure functions: a Topology in, text out.

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A container's label as seen from one network: that network's address, not its first one. */
function containerLabel(c: ContainerNode, network?: string): string {
  const ip = (network && c.ips?.[network]) || c.ip
  const extra = [ip, ...c.ports, c.pod ? `pod ${c.pod}` : '', c.sharedBy.length > 0 ? `shared by ${c.sharedBy.join(', ')}` : ''].filter(Boolean)
  return `${c.name}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`
}

/** Wrap at word boundaries to `width` columns; continuation lines start with `indent`. */
export function wrapTo(first: string, indent: string, width = 80): string[] {
  const out: string[] = []
  let cur = ''
  for (const w of first.split(' ')) {
    if (cur && [...cur].length + 1 + [...w].length > width) {
      out.push(cur)
      cur = indent + w
    } else cur = cur ? `${cur} ${w}` : w
  }
  out.push(cur)
  return out
}

/** Fits an 80-column terminal: one block per bridge/parent, one line pair per link (wrapped, never cut). */
export function renderText(t: Topology): string {
  const out: string[] = [`host ${t.hostname}`]
  const groups = [
    ...t.bridges.map((b) => ({title: `bridge ${b.name} ${b.address} [network ${b.network}] (if${b.ifindex})`, key: b.name, network: b.network})),
    ...t.parents.map((p) => ({title: `macvlan parent ${p.name} [network ${p.network}] (if${p.ifindex})`, key: p.name, network: p.network})),
  ]
  for (const g of groups) {
    out.push(`│`, ...wrapTo(`├── ${g.title}`, '│       '))
    const ls = t.links.filter((l) => l.attachedTo === g.key && l.network === g.network)
    const tunnel = t.tunnels?.find((x) => x.bridge === g.key)
    if (tunnel) {
      out.push(...wrapTo(`│   ├── vxlan ${tunnel.name} VNI ${tunnel.vni}, local ${tunnel.local} ══ UDP 8472 ══ ${tunnel.remotes.length > 0 ? `peer hosts ${tunnel.remotes.join(', ')}` : '(no peer host yet)'}`, '│   │       '))
    }
    if (ls.length === 0) out.push('│     (no containers)')
    ls.forEach((l, i) => {
      const last = i === ls.length - 1
      const c = t.containers.find((x) => x.name === l.container)
      const pair = l.kind === 'veth' ? `${l.hostIf}@if${l.ctrIndex} <-> ${l.ctrIf}@if${l.ctrPeerIndex}` : `macvlan ${l.ctrIf}@if${l.ctrPeerIndex} (mac ${l.mac})`
      out.push(`│   ${last ? '└' : '├'}── ${pair}`)
      const bar = `│   ${last ? ' ' : '│'}      `
      out.push(...wrapTo(`${bar}${c ? containerLabel(c, l.network) : l.container}`, `${bar}  `))
    })
  }
  const loose = t.containers.filter((c) => !t.links.some((l) => l.container === c.name))
  if (loose.length > 0) {
    out.push('│', '├── other network modes')
    loose.forEach((c, i) => {
      const last = i === loose.length - 1
      out.push(...wrapTo(`│   ${last ? '└' : '├'}── ${containerLabel(c)} [${c.mode}]`, `│   ${last ? ' ' : '│'}      `))
    })
  }
  return out.join('\n') + '\n'
}

/** Graphviz: left to right on a 16:9 page, one cluster per network, host-mode containers in the host's. */
export function renderDot(t: Topology): string {
  const id = (s: string) => `"${s.replace(/"/g, '\\"')}"`
  const lines = [
    'graph minirun {',
    '  rankdir=LR; size="16,9"; ratio=compress; nodesep=0.3; ranksep=0.8;',
    '  node [shape=box, fontname="Helvetica", fontsize=14];',
    '  edge [fontname="Helvetica", fontsize=11];',
    '  subgraph cluster_host {',
    `    label=${id(`host ${t.hostname}`)}; style=rounded; color="#263238";`,
    '    host [label="uplink + lo\\n(host netns)", shape=box3d];',
  ]
  for (const c of t.containers.filter((c) => c.mode === 'host')) lines.push(`    ${id(`c:${c.name}`)} [label=${id(`${c.name}\\n(host network)`)}, style=rounded];`)
  lines.push('  }')
  const groups = [
    ...t.bridges.map((b) => ({key: b.name, network: b.network, label: `${b.name}\\n${b.address}`})),
    ...t.parents.map((p) => ({key: p.name, network: p.network, label: `${p.name} (macvlan parent)`})),
  ]
  groups.forEach((g, i) => {
    lines.push(`  subgraph cluster_net${i} {`, `    label=${id(`network ${g.network}`)}; style=dashed;`, `    ${id(`br:${g.network}`)} [label=${id(g.label)}, shape=component];`)
    for (const l of t.links.filter((x) => x.network === g.network)) {
      const c = t.containers.find((x) => x.name === l.container)
      lines.push(`    ${id(`c:${g.network}:${l.container}`)} [label=${id(c ? containerLabel(c, g.network).replace(' (', '\\n(') : l.container)}, style=rounded];`)
    }
    lines.push('  }', `  host -- ${id(`br:${g.network}`)};`)
    const tunnel = t.tunnels?.find((x) => x.network === g.network)
    for (const r of tunnel?.remotes ?? []) {
      lines.push(`  ${id(`peer:${r}`)} [label=${id(`peer host\\n${r}`)}, shape=box3d];`, `  ${id(`br:${g.network}`)} -- ${id(`peer:${r}`)} [label=${id(`${tunnel!.name} VNI ${tunnel!.vni}`)}, style=bold];`)
    }
  })
  for (const l of t.links) {
    lines.push(`  ${id(`br:${l.network}`)} -- ${id(`c:${l.network}:${l.container}`)} [label=${id(l.kind === 'veth' ? `${l.hostIf}@if${l.ctrIndex} <-> ${l.ctrIf}@if${l.ctrPeerIndex}` : `macvlan ${l.ctrIf}`)}];`)
  }
  for (const c of t.containers.filter((c) => c.mode === 'none')) lines.push(`  ${id(`c:${c.name}`)} [label=${id(`${c.name}\\n(network none: lo only)`)}, style="rounded,dashed"];`)
  lines.push('}')
  return lines.join('\n') + '\n'
}

/** One line of the DNAT map: host:PORT/proto → container ip:port (name). */
const mapLine = (c: ContainerNode, p: NonNullable<ContainerNode['publish']>[number]): string =>
  `${p.hostIp === '0.0.0.0' ? 'host' : p.hostIp}:${p.hostPort}/${p.protocol}  →  ${c.ip}:${p.containerPort}  (${c.name})`

/**
 * A self-contained SVG for a projector. The host box on top (uplink, loopback, host-mode
 * containers, the DNAT map of published ports); below it one column per network, its bus
 * with a card per container (a pod: a group box with its members); none-mode containers in a
 * column of their own; `-p` as arrows from host:PORT through the DNAT map to the container; a legend.
 * Elements carry data-* attributes so the live page can light them up.
 */
export function renderSvg(t: Topology): string {
  const groups = [
    ...t.bridges.map((b) => ({key: b.name, network: b.network, title: `bridge ${b.name}`, sub: `${b.address} · network ${b.network}`, kind: 'bridge'})),
    ...t.parents.map((p) => ({key: p.name, network: p.network, title: `macvlan parent ${p.name}`, sub: `network ${p.network}`, kind: 'macvlan'})),
  ]
  const hostMode = t.containers.filter((c) => c.mode === 'host')
  const none = t.containers.filter((c) => c.mode === 'none')
  const published = t.containers.flatMap((c) => (c.publish ?? []).map((p) => ({c, p})))
  const colW = 400
  const gap = 50
  const cols = groups.length + (none.length > 0 ? 1 : 0)
  const width = Math.max(1100, cols * (colW + gap) + gap)
  const hostH = 150 + (published.length > 0 ? 30 + published.length * 26 : 0)
  const busTop = hostH + 90
  const cardH = (c: ContainerNode | undefined) => 124 + (c && c.sharedBy.length > 0 ? 26 * c.sharedBy.length + 10 : 0)
  const parts: string[] = []
  const text = (x: number, y: number, str: string, size: number, fill: string, anchor = 'start', extra = '') =>
    `<text x="${x}" y="${y}" font-size="${size}" fill="${fill}" text-anchor="${anchor}"${extra}>${esc(str)}</text>`

  // host box
  parts.push(`<rect x="20" y="20" width="${width - 40}" height="${hostH}" rx="10" fill="#eceff1" stroke="#263238" stroke-width="2"/>`)
  parts.push(text(40, 52, `host ${t.hostname}`, 24, '#263238', 'start', ' font-weight="bold"'))
  parts.push(`<rect x="40" y="70" width="200" height="56" rx="6" fill="#263238"/>`, text(140, 96, 'uplink', 18, '#ffffff', 'middle'), text(140, 116, 'default route, MASQUERADE', 13, '#cfd8dc', 'middle'))
  parts.push(`<rect x="260" y="70" width="170" height="56" rx="6" fill="#455a64"/>`, text(345, 96, 'lo', 18, '#ffffff', 'middle'), text(345, 116, '127.0.0.1', 14, '#cfd8dc', 'middle'))
  hostMode.forEach((c, i) => {
    const x = 450 + i * 220
    parts.push(`<g data-container="${esc(c.name)}" class="ctr"><rect x="${x}" y="70" width="200" height="56" rx="10" fill="#fff8e1" stroke="#f57f17" stroke-width="2"/>`, text(x + 100, 96, c.name, 18, '#e65100', 'middle'), text(x + 100, 116, 'network host', 13, '#bf360c', 'middle'), '</g>')
  })
  if (published.length > 0) {
    const y0 = 150
    parts.push(text(40, y0, 'nft DNAT map (published ports)', 16, '#6a1b9a', 'start', ' font-weight="bold"'))
    published.forEach(({c, p}, i) => {
      parts.push(text(60, y0 + 26 * (i + 1), mapLine(c, p), 16, '#4a148c', 'start', ` data-port="${esc(`${p.hostPort}/${p.protocol}`)}" class="port"`))
      // filled in by the live page with the port's nft counter
      parts.push(text(width - 60, y0 + 26 * (i + 1), '', 16, '#4a148c', 'end', ` data-count="${esc(`${p.hostPort}/${p.protocol}`)}" class="count"`))
    })
  }

  const cardAt = new Map<string, {x: number; y: number; w: number}>()
  groups.forEach((g, gi) => {
    const x = gap + gi * (colW + gap)
    const ls = t.links.filter((l) => l.attachedTo === g.key && l.network === g.network)
    parts.push(
      `<line x1="${x + colW / 2}" y1="${20 + hostH}" x2="${x + colW / 2}" y2="${busTop}" stroke="#546e7a" stroke-width="3" class="link" data-link="${esc(g.key)}"/>`,
      `<rect x="${x}" y="${busTop}" width="${colW}" height="60" rx="6" fill="${g.kind === 'bridge' ? '#1565c0' : '#00838f'}"/>`,
      text(x + colW / 2, busTop + 26, g.title, 18, '#ffffff', 'middle'),
      text(x + colW / 2, busTop + 48, g.sub, 14, '#e3f2fd', 'middle'),
    )
    let y = busTop + 90
    const bus = x + 20
    const ys: number[] = []
    for (const l of ls) {
      const c = t.containers.find((x) => x.name === l.container)
      const h = cardH(c)
      ys.push(y + 60)
      const bx = x + 50
      const bw = colW - 50
      const pair = l.kind === 'veth' ? `${l.hostIf}@if${l.ctrIndex} ⟷ ${l.ctrIf}@if${l.ctrPeerIndex}` : `macvlan ${l.ctrIf}@if${l.ctrPeerIndex} on ${l.attachedTo}`
      parts.push(`<g data-container="${esc(l.container)}" data-link="${esc(l.hostIf)}" class="ctr">`)
      parts.push(`<line x1="${bus}" y1="${y + 60}" x2="${bx}" y2="${y + 60}" stroke="#90a4ae" stroke-width="4" class="link" data-link="${esc(l.hostIf)}"${l.kind === 'veth' ? '' : ' stroke-dasharray="8 5"'}/>`)
      if (c?.pod || (c && c.sharedBy.length > 0)) {
        parts.push(`<rect x="${bx - 8}" y="${y + 6}" width="${bw + 16}" height="${h + 8}" rx="14" fill="none" stroke="#6a1b9a" stroke-width="2" stroke-dasharray="6 4"/>`)
      }
      parts.push(text(bx + 6, y + 24, pair, 14, '#37474f'))
      parts.push(`<rect x="${bx}" y="${y + 32}" width="${bw}" height="${h - 20}" rx="10" fill="#e8f5e9" stroke="#2e7d32" stroke-width="2"/>`)
      parts.push(text(bx + bw / 2, y + 58, c?.pod ? `pod ${c.pod} (pause: ${l.container})` : l.container, 18, '#1b5e20', 'middle', ' font-weight="bold"'))
      parts.push(text(bx + bw / 2, y + 80, `${l.ip} · ${l.mac}`, 15, '#33691e', 'middle'))
      parts.push(text(bx + bw / 2, y + 100, [...(c?.ports ?? [])].join(' · '), 14, '#6a1b9a', 'middle'))
      // filled in by the live page with the link's rates (the host end's counters)
      parts.push(text(bx + bw / 2, y + 120, '', 14, '#0d47a1', 'middle', ` class="rate" data-rate="${esc(l.hostIf)}"`))
      c?.sharedBy.forEach((m, i) => parts.push(`<g data-container="${esc(m)}" class="ctr">${text(bx + 24, y + 146 + i * 26, `▸ ${m} (shares this network namespace)`, 15, '#4a148c')}</g>`))
      parts.push('</g>')
      // the -p arrow ends at the card of the address the DNAT map sends to (the first network's)
      if (!cardAt.has(l.container) || l.ip === c?.ip) cardAt.set(l.container, {x: bx, y: y + 32, w: bw})
      y += h + 30
    }
    if (ys.length > 0) parts.push(`<line x1="${bus}" y1="${busTop + 60}" x2="${bus}" y2="${ys[ys.length - 1]}" stroke="#90a4ae" stroke-width="4"/>`)
    if (ls.length === 0) parts.push(text(x + colW / 2, busTop + 100, '(no containers)', 15, '#78909c', 'middle'))
  })
  if (none.length > 0) {
    const x = gap + groups.length * (colW + gap)
    parts.push(text(x + colW / 2, busTop + 30, 'network none (loopback only)', 18, '#37474f', 'middle'))
    none.forEach((c, i) => {
      const y = busTop + 60 + i * 90
      parts.push(`<g data-container="${esc(c.name)}" class="ctr"><rect x="${x + 50}" y="${y}" width="${colW - 50}" height="64" rx="10" fill="#fafafa" stroke="#757575" stroke-width="2" stroke-dasharray="6 4"/>`, text(x + 50 + (colW - 50) / 2, y + 38, c.name, 18, '#424242', 'middle'), '</g>')
    })
  }
  // -p: host:PORT → the DNAT map → the container
  published.forEach(({c, p}, i) => {
    const card = cardAt.get(c.name)
    if (!card) return
    const fromY = 150 + 26 * (i + 1) - 5
    const fromX = 70 + Math.ceil([...mapLine(c, p)].length * 8.6)
    // down the gap right of the card's column (over no other card), then into its right edge
    const rx = card.x + card.w + 25
    const dir = rx >= fromX ? 1 : -1
    const toY = card.y + 28
    parts.push(`<path d="M ${fromX} ${fromY} H ${rx - 30 * dir} Q ${rx} ${fromY}, ${rx} ${fromY + 30} V ${toY - 20} Q ${rx} ${toY}, ${card.x + card.w} ${toY}" fill="none" stroke="#8e24aa" stroke-width="3" marker-end="url(#arrow)" class="port" data-port="${esc(`${p.hostPort}/${p.protocol}`)}"/>`)
  })
  const contentH = Math.max(
    busTop + 120,
    ...groups.map((g) => busTop + 90 + t.links.filter((l) => l.attachedTo === g.key && l.network === g.network).reduce((s, l) => s + cardH(t.containers.find((c) => c.name === l.container)) + 30, 0)),
    busTop + 80 + none.length * 90,
  )
  // legend
  const ly = contentH + 20
  const legend: Array<[string, string]> = [
    ['<line x1="0" y1="0" x2="40" y2="0" stroke="#90a4ae" stroke-width="4"/>', 'veth pair (host end ⟷ eth0)'],
    ['<line x1="0" y1="0" x2="40" y2="0" stroke="#90a4ae" stroke-width="4" stroke-dasharray="8 5"/>', 'macvlan child on its parent'],
    ['<line x1="0" y1="0" x2="40" y2="0" stroke="#8e24aa" stroke-width="3" marker-end="url(#arrow)"/>', '-p: host port → DNAT → container'],
    ['<rect x="0" y="-12" width="40" height="24" rx="6" fill="none" stroke="#6a1b9a" stroke-width="2" stroke-dasharray="6 4"/>', 'pod / shared netns'],
  ]
  // one row on a wide drawing, two on a narrow one: a label is never cut at the right edge
  const perRow = width >= 1300 ? 4 : 2
  const step = (width - 80) / perRow
  legend.forEach(([shape, label], i) => {
    const x = 40 + (i % perRow) * step
    parts.push(`<g transform="translate(${x} ${ly + 20 + Math.floor(i / perRow) * 32})">${shape}${text(52, 6, label, 15, '#37474f')}</g>`)
  })
  const height = ly + 50 + (Math.ceil(legend.length / perRow) - 1) * 32
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="20" markerHeight="20" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#8e24aa"/></marker></defs>',
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
  ].join('\n') + '\n'
}
