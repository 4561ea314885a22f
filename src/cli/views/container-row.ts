import {containerLabels} from '../../containers/filters.js'
import type {ContainerRecord, Status} from '../../containers/record.js'
import {formatPortsColumn} from '../../networks/ports.js'
import type {ListFormat} from '../format.js'
import {ago, humanSize, since} from '../output.js'

// One container as `ps` shows it, with the fields Docker's ps --format knows
// (docker/cli formatter.ContainerContext). Pure.

export const PS_FORMAT: ListFormat = {
  typeName: '*formatter.ContainerContext',
  columns: [
    {field: 'ID', header: 'CONTAINER ID'},
    {field: 'Image', header: 'IMAGE'},
    {field: 'Command', header: 'COMMAND'},
    {field: 'RunningFor', header: 'CREATED'},
    {field: 'Status', header: 'STATUS'},
    {field: 'Ports', header: 'PORTS'},
    {field: 'Names', header: 'NAMES'},
  ],
  extra: [
    {field: 'CreatedAt', header: 'CREATED AT'},
    {field: 'State', header: 'STATE'},
    {field: 'Networks', header: 'NETWORKS'},
    {field: 'Labels', header: 'LABELS'},
    {field: 'Mounts', header: 'MOUNTS'},
    {field: 'Size', header: 'SIZE'},
    {field: 'LocalVolumes', header: 'LOCAL VOLUMES'},
  ],
}

export interface RowInput {
  rec: ContainerRecord
  status: Status
  /** bytes in the container's upper dir and the image's, for -s */
  size?: {rw: number; image: number}
  noTrunc?: boolean
  now?: number
}

export function containerRow({rec, status, size, noTrunc, now = Date.now()}: RowInput): Record<string, unknown> {
  const cmd = rec.config.argv.join(' ')
  const labels = containerLabels(rec)
  const networks = Object.keys(rec.networks)
  const mode = rec.hostConfig.networkMode
  return {
    Command: JSON.stringify(noTrunc || [...cmd].length <= 20 ? cmd : [...cmd].slice(0, 19).join('') + '…'),
    CreatedAt: goTime(rec.created),
    ID: noTrunc ? rec.id : rec.id.slice(0, 12),
    Image: rec.image,
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','),
    LocalVolumes: '0',
    Mounts: rec.hostConfig.binds.map((b) => b.volume ?? b.hostPath).join(','),
    Names: rec.name,
    Networks: networks.length > 0 ? networks.join(',') : mode === 'host' || mode === 'none' ? mode : '',
    Ports: formatPortsColumn(rec.hostConfig.ports),
    RunningFor: ago(rec.created, now),
    Size: size ? `${humanSize(size.rw)} (virtual ${humanSize(size.rw + size.image)})` : '0B',
    State: status,
    Status: status === 'running' ? `Up ${since(rec.state.startedAt, now)}${rec.state.paused ? " (Paused)" : ""}` : status === 'created' ? 'Created' : `Exited (${rec.state.exitCode}) ${ago(rec.state.finishedAt || rec.created, now)}`,
    Label: (key: string) => labels[key] ?? '',
  }
}

/** Go's time.Time String() in UTC: "2026-12-01 15:04:05 +0000 UTC", as Docker's CreatedAt. */
export function goTime(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC')
}
