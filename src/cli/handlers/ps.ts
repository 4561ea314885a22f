import {listContainers} from '../../containers/find.js'
import {liveStatus} from '../../containers/inspect.js'
import {formatPortsColumn} from '../../networks/ports.js'
import {ago, printJson, printTable, since} from '../output.js'

export async function ps(flags: {all?: boolean; quiet?: boolean; format?: string}): Promise<void> {
  const rows = (await listContainers())
    .map((c) => ({c, status: liveStatus(c)}))
    .filter(({status}) => flags.all || status === 'running')
  if (flags.quiet) {
    for (const {c} of rows) process.stdout.write(c.id.slice(0, 12) + '\n')
    return
  }
  const statusText = (c: (typeof rows)[number]) =>
    c.status === 'running' ? `Up ${since(c.c.state.startedAt)}${c.c.state.paused ? ' (Paused)' : ''}` : c.status === 'created' ? 'Created' : `Exited (${c.c.state.exitCode}) ${ago(c.c.state.finishedAt || c.c.created)}`
  if (flags.format === 'json') {
    printJson(
      rows.map((r) => ({
        ID: r.c.id.slice(0, 12),
        Names: r.c.name,
        Image: r.c.image,
        Command: r.c.config.argv.join(' '),
        CreatedAt: r.c.created,
        State: r.status,
        Status: statusText(r),
        Ports: formatPortsColumn(r.c.hostConfig.ports),
        Networks: r.c.hostConfig.networkMode,
      })),
    )
    return
  }
  printTable(
    ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
    rows.map((r) => {
      const cmd = r.c.config.argv.join(' ')
      return [r.c.id.slice(0, 12), r.c.image, `"${cmd.length > 20 ? cmd.slice(0, 19) + '…' : cmd}"`, ago(r.c.created), statusText(r), formatPortsColumn(r.c.hostConfig.ports), r.c.name]
    }),
  )
}
