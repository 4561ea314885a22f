import {isAlive} from '../kernel/proc.js'
import {dockerPortsView} from '../networks/ports.js'
import type {ContainerRecord} from './record.js'
import {parseRestartPolicy} from './restart-policy.js'

// Docker's `inspect` shape, from a record. Pure apart from the liveness check of PID 1.

/**
 * What the record says, corrected by the kernel: a "running" container whose PID 1 is gone and
 * whose monitor died before recording the exit has exited. While the monitor still lives it
 * is stopping: its exit code and OOMKilled are not written yet, so it stays "running" (as in Docker
 * until containerd reports the exit).
 */
export function liveStatus(rec: ContainerRecord): 'created' | 'running' | 'exited' {
  const s = rec.state
  if (s.status !== 'running' || isAlive(s.pid, s.pidStart)) return s.status
  return isAlive(s.supervisorPid, s.supervisorStart) ? 'running' : 'exited'
}

export function inspectView(rec: ContainerRecord) {
  const status = liveStatus(rec)
  const networks: Record<string, object> = {}
  for (const [name, a] of Object.entries(rec.networks)) {
    networks[name] = {
      NetworkID: a.networkId,
      EndpointID: rec.id,
      Gateway: a.gateway,
      IPAddress: a.ip,
      IPPrefixLen: a.prefixLen,
      MacAddress: a.mac,
      Aliases: a.aliases,
    }
  }
  // A container sharing another's namespace has no endpoint of its own (Docker shows "" too).
  const mode = rec.hostConfig.networkMode
  // host and none have an endpoint entry of their own in Docker, with empty addresses
  if (mode === 'host' || mode === 'none') networks[mode] = {NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '', Aliases: null}
  const shared = mode.startsWith('container:')
  const primary = shared ? undefined : Object.values(rec.networks)[0]
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.config.argv[0],
    Args: rec.config.argv.slice(1),
    State: {
      Status: status === 'running' && rec.state.paused ? 'paused' : status,
      Running: status === 'running',
      Paused: status === 'running' && (rec.state.paused ?? false),
      OOMKilled: rec.state.oomKilled ?? false,
      Dead: false,
      Pid: status === 'running' ? rec.state.pid : 0,
      ExitCode: status === 'exited' ? rec.state.exitCode : 0,
      Error: rec.state.error,
      StartedAt: rec.state.startedAt || '0001-01-01T00:00:00Z',
      FinishedAt: rec.state.finishedAt || '0001-01-01T00:00:00Z',
    },
    Image: `sha256:${rec.imageId}`,
    Name: `/${rec.name}`,
    RestartCount: rec.state.restartCount ?? 0,
    Driver: 'overlay',
    HostConfig: {
      NetworkMode: rec.hostConfig.networkMode,
      AutoRemove: rec.hostConfig.autoRemove,
      RestartPolicy: (({name, maxRetries}) => ({Name: name, MaximumRetryCount: maxRetries}))(parseRestartPolicy(rec.hostConfig.restart)),
      // Docker lists -v binds and named volumes here, not anonymous volumes
      Binds: rec.hostConfig.binds.filter((b) => !b.anonymous).map((b) => `${b.volume ?? b.hostPath}:${b.containerPath}${b.readOnly ? ':ro' : ''}`),
      PortBindings: portBindings(rec),
      CapAdd: rec.hostConfig.capAdd,
      // Docker's names: empty lists when not given
      Dns: rec.hostConfig.dns?.servers ?? [],
      DnsSearch: rec.hostConfig.dns?.search ?? [],
      DnsOptions: rec.hostConfig.dns?.options ?? [],
      ExtraHosts: rec.hostConfig.extraHosts ?? [],
      CapDrop: rec.hostConfig.capDrop,
      Privileged: rec.hostConfig.privileged,
      Init: rec.hostConfig.init,
      Memory: rec.hostConfig.memory ?? 0,
      PidsLimit: rec.hostConfig.pidsLimit ?? 0,
      NanoCpus: Math.round((rec.hostConfig.cpus ?? 0) * 1e9),
    },
    GraphDriver: {Name: 'overlay', Data: {LowerDir: rec.rootfs.lower, UpperDir: rec.rootfs.upper, WorkDir: rec.rootfs.work, MergedDir: rec.rootfs.merged}},
    Mounts: rec.hostConfig.binds.map((b) =>
      b.volume
        ? {Type: 'volume', Name: b.volume, Source: b.hostPath, Destination: b.containerPath, Driver: 'local', Mode: '', RW: !b.readOnly, Propagation: ''}
        : {Type: 'bind', Source: b.hostPath, Destination: b.containerPath, Mode: '', RW: !b.readOnly, Propagation: 'rprivate'},
    ),
    Config: {
      Hostname: rec.config.hostname,
      Env: rec.config.env,
      Cmd: rec.config.cmd,
      Entrypoint: rec.config.entrypoint.length > 0 ? rec.config.entrypoint : null,
      Image: rec.image,
      WorkingDir: rec.config.workdir,
      Tty: rec.config.tty,
      OpenStdin: rec.config.interactive,
      ExposedPorts: Object.fromEntries(rec.config.exposedPorts.map((p) => [p, {}])),
      Labels: {...rec.config.labels, ...(rec.hostConfig.pod ? {'io.minirun.pod': rec.hostConfig.pod} : {})},
    },
    NetworkSettings: {
      SandboxKey: rec.netns ?? '',
      Ports: shared ? {} : dockerPortsView(rec.hostConfig.ports, rec.config.exposedPorts),
      IPAddress: primary?.ip ?? '',
      IPPrefixLen: primary?.prefixLen ?? 0,
      Gateway: primary?.gateway ?? '',
      MacAddress: primary?.mac ?? '',
      Networks: shared ? {} : networks,
    },
  }
}

function portBindings(rec: ContainerRecord): Record<string, Array<{HostIp: string; HostPort: string}>> {
  const out: Record<string, Array<{HostIp: string; HostPort: string}>> = {}
  for (const p of rec.hostConfig.ports) (out[`${p.containerPort}/${p.protocol}`] ??= []).push({HostIp: p.hostIp, HostPort: String(p.hostPort)})
  return out
}
