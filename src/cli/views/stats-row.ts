import type {ListFormat} from '../format.js'
import type {Sample} from '../../containers/stats.js'
import {humanSize} from '../output.js'

// `stats` columns from two samples of one container (Docker's formatter.statsContext). Pure.

export const STATS_FORMAT: ListFormat = {
  typeName: '*formatter.statsContext',
  columns: [
    {field: 'ID', header: 'CONTAINER ID'},
    {field: 'Name', header: 'NAME'},
    {field: 'CPUPerc', header: 'CPU %'},
    {field: 'MemUsage', header: 'MEM USAGE / LIMIT'},
    {field: 'MemPerc', header: 'MEM %'},
    {field: 'NetIO', header: 'NET I/O'},
    {field: 'BlockIO', header: 'BLOCK I/O'},
    {field: 'PIDs', header: 'PIDS'},
  ],
  extra: [{field: 'Container', header: 'CONTAINER'}],
}

/** Binary units for memory, as Docker's stats: 1.5MiB / 7.6GiB */
export function binarySize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = bytes
  let i = 0
  while (v >= 1024 && i < units.length - 1) (v /= 1024), i++
  return `${i === 0 ? v : v.toFixed(v < 10 ? 3 : v < 100 ? 2 : 1).replace(/\.?0+$/, '')}${units[i]}`
}

export function statsRow(c: {id: string; name: string}, before: Sample, after: Sample): Record<string, unknown> {
  const elapsedUsec = Math.max(1, (after.at - before.at) * 1000)
  const cpu = (100 * Math.max(0, after.cpuUsec - before.cpuUsec)) / elapsedUsec
  return {
    Container: c.name,
    ID: c.id.slice(0, 12),
    Name: c.name,
    CPUPerc: `${cpu.toFixed(2)}%`,
    MemUsage: `${binarySize(after.memBytes)} / ${binarySize(after.memLimit)}`,
    MemPerc: `${((100 * after.memBytes) / Math.max(1, after.memLimit)).toFixed(2)}%`,
    NetIO: `${humanSize(after.netRx)} / ${humanSize(after.netTx)}`,
    BlockIO: `${humanSize(after.blkRead)} / ${humanSize(after.blkWrite)}`,
    PIDs: String(after.pids),
  }
}
