import type {ContainerNode, Link, Topology} from './model.js'

// Three renderings of one topology. Pure functions: a Topology in, text out.

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

function containerLabel(c: ContainerNode): string {
  const extra = [c.ip, ...c.ports, c.pod ? `pod ${c.pod}` : '', c.sharedBy.length > 0 ? `shared by ${c.sharedBy.join(', ')}` : ''].filter(Boolean)
  return `${c.name}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`
}

/** Fits an 80-column terminal: one block per bridge/parent, one line pair per link. */
export function renderText(t: Topology): string {
  const out: string[] = [`host ${t.hostname}`]
  const groups = [
    ...t.bridges.map((b) => ({title: `bridge ${b.name} ${b.address} [network ${b.network}] (if${b.ifindex})`, key: b.name})),
    ...t.parents.map((p) => ({title: `macvlan parent ${p.name} [network ${p.network}] (if${p.ifindex})`, key: p.name})),
  ]
  for (const g of groups) {
    out.push(`│`, `├── ${g.title}`)
    const ls = t.links.filter((l) => l.attachedTo === g.key)
    if (ls.length === 0) out.push('│     (no containers)')
    ls.forEach((l, i) => {
      const last = i === ls.length - 1
      const c = t.containers.find((x) => x.name === l.container)
      const pair = l.kind === 'veth' ? `${l.hostIf}@if${l.ctrIndex} <-> ${l.ctrIf}@if${l.ctrPeerIndex}` : `macvlan ${l.ctrIf}@if${l.ctrPeerIndex} (mac ${l.mac})`
      out.push(`│   ${last ? '└' : '├'}── ${pair}`)
      out.push(`│   ${last ? ' ' : '│'}      ${c ? containerLabel(c) : l.container}`.slice(0, 80))
    })
  }
  const loose = t.containers.filter((c) => !t.links.some((l) => l.container === c.name))
  if (loose.length > 0) {
    out.push('│', '├── other network modes')
    loose.forEach((c, i) => out.push(`│   ${i === loose.length - 1 ? '└' : '├'}── ${containerLabel(c)} [${c.mode}]`.slice(0, 80)))
  }
  return out.join('\n') + '\n'
}

export function renderDot(t: Topology): string {
  const id = (s: string) => `"${s.replace(/"/g, '\\"')}"`
  const lines = ['graph minirun {', '  rankdir=TB;', '  node [shape=box, fontname="Helvetica"];', `  host [label=${id(`host ${t.hostname}`)}, shape=box3d];`]
  for (const b of t.bridges) lines.push(`  ${id(`br:${b.name}`)} [label=${id(`${b.name}\\n${b.address}`)}, shape=component];`, `  host -- ${id(`br:${b.name}`)};`)
  for (const p of t.parents) lines.push(`  ${id(`br:${p.name}`)} [label=${id(`${p.name} (macvlan parent)`)}, shape=component];`, `  host -- ${id(`br:${p.name}`)};`)
  for (const c of t.containers) lines.push(`  ${id(`c:${c.name}`)} [label=${id(containerLabel(c).replace(' (', '\\n('))}, style=rounded];`)
  for (const l of t.links) {
    lines.push(`  ${id(`br:${l.attachedTo}`)} -- ${id(`c:${l.container}`)} [label=${id(l.kind === 'veth' ? `${l.hostIf}@if${l.ctrIndex} <-> ${l.ctrIf}@if${l.ctrPeerIndex}` : `macvlan ${l.ctrIf}`)}];`)
  }
  lines.push('}')
  return lines.join('\n') + '\n'
}

/** A self-contained SVG: host on top, one column per bridge (or macvlan parent), its containers below. */
export function renderSvg(t: Topology): string {
  const groups = [
    ...t.bridges.map((b) => ({key: b.name, title: `bridge ${b.name}`, sub: `${b.address}  ·  network ${b.network}`})),
    ...t.parents.map((p) => ({key: p.name, title: `parent ${p.name}`, sub: `macvlan · network ${p.network}`})),
  ]
  const colW = 380
  const gap = 40
  const rowH = 140
  const links = (k: string) => t.links.filter((l) => l.attachedTo === k)
  const rows = Math.max(1, ...groups.map((g) => links(g.key).length))
  const width = Math.max(640, groups.length * (colW + gap) + gap)
  const height = 230 + rows * rowH
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<rect x="${width / 2 - 160}" y="20" width="320" height="50" rx="6" fill="#263238"/>`,
    `<text x="${width / 2}" y="52" fill="#ffffff" font-size="18" text-anchor="middle">host ${esc(t.hostname)}</text>`,
  ]
  groups.forEach((g, gi) => {
    const x = gap + gi * (colW + gap)
    const bus = x + 18
    const ls = links(g.key)
    parts.push(
      `<line x1="${width / 2}" y1="70" x2="${x + colW / 2}" y2="110" stroke="#546e7a" stroke-width="2"/>`,
      `<rect x="${x}" y="110" width="${colW}" height="56" rx="6" fill="#1565c0"/>`,
      `<text x="${x + colW / 2}" y="134" fill="#ffffff" font-size="16" text-anchor="middle">${esc(g.title)}</text>`,
      `<text x="${x + colW / 2}" y="154" fill="#e3f2fd" font-size="13" text-anchor="middle">${esc(g.sub)}</text>`,
    )
    if (ls.length > 0) parts.push(`<line x1="${bus}" y1="166" x2="${bus}" y2="${200 + (ls.length - 1) * rowH + 64}" stroke="#90a4ae" stroke-width="3"/>`)
    ls.forEach((l: Link, i) => {
      const y = 200 + i * rowH
      const c = t.containers.find((x) => x.name === l.container)
      const pair = l.kind === 'veth' ? `${l.hostIf}@if${l.ctrIndex}  ⟷  ${l.ctrIf}@if${l.ctrPeerIndex}` : `macvlan ${l.ctrIf}@if${l.ctrPeerIndex}`
      const extra = [...(c?.ports ?? []), ...(c && c.sharedBy.length > 0 ? [`shared by ${c.sharedBy.join(', ')}`] : [])].join(' · ')
      const boxX = x + 40
      const boxW = colW - 40
      parts.push(
        `<line x1="${bus}" y1="${y + 64}" x2="${boxX}" y2="${y + 64}" stroke="#90a4ae" stroke-width="3" stroke-dasharray="${l.kind === 'veth' ? '0' : '6 4'}"/>`,
        `<text x="${boxX + 4}" y="${y + 14}" font-size="12" fill="#37474f">${esc(pair)}</text>`,
        `<rect x="${boxX}" y="${y + 22}" width="${boxW}" height="86" rx="10" fill="#e8f5e9" stroke="#2e7d32" stroke-width="2"/>`,
        `<text x="${boxX + boxW / 2}" y="${y + 48}" font-size="16" text-anchor="middle" fill="#1b5e20">${esc(l.container)}</text>`,
        `<text x="${boxX + boxW / 2}" y="${y + 70}" font-size="13" text-anchor="middle" fill="#33691e">${esc(`${l.ip} · ${l.mac}`)}</text>`,
        `<text x="${boxX + boxW / 2}" y="${y + 92}" font-size="12" text-anchor="middle" fill="#558b2f">${esc(extra)}</text>`,
      )
    })
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}
