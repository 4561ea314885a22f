import {UserError} from '../errors.js'

// Docker's default capability set (moby's oci/caps/defaults.go). Everything else is dropped.
export const DEFAULT_CAPS = [
  'chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid',
  'setfcap', 'setpcap', 'net_bind_service', 'sys_chroot', 'kill', 'audit_write',
]

export const ALL_CAPS = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
]

/** "NET_ADMIN", "CAP_NET_ADMIN", "net_admin" and "ALL" → normalised lower-case names. */
export function normaliseCap(cap: string): string {
  const c = cap.trim().toLowerCase().replace(/^cap_/, '')
  if (c === 'all') return 'all'
  if (!ALL_CAPS.includes(c)) throw new UserError(`unknown capability "${cap}"; use names like NET_ADMIN or SYS_TIME`)
  return c
}

/** The bounding set a container runs with: Docker's defaults, then --cap-add, then --cap-drop. */
export function effectiveCaps(capAdd: string[], capDrop: string[], privileged: boolean): string[] {
  if (privileged) return [...ALL_CAPS]
  const add = capAdd.map(normaliseCap)
  const drop = capDrop.map(normaliseCap)
  let caps = add.includes('all') ? [...ALL_CAPS] : [...new Set([...DEFAULT_CAPS, ...add])]
  caps = drop.includes('all') ? caps.filter((c) => add.includes(c)) : caps.filter((c) => !drop.includes(c))
  return ALL_CAPS.filter((c) => caps.includes(c))
}
