// Node's system errors (ENOSPC, ENAMETOOLONG, EACCES...) in the user's words. Pure.
// `ENOSPC: no space left on device, write` becomes what failed, on which path, why in plain
// words and what to do about it, on one line.

interface Known {
  reason: string
  todo: string
}

const KNOWN: Record<string, Known> = {
  ENOSPC: {reason: 'no space left on device', todo: 'free some space there (or point MINIRUN_ROOT at a bigger filesystem) and try again'},
  EDQUOT: {reason: 'disk quota exceeded', todo: 'free some space or raise the quota, then try again'},
  ENAMETOOLONG: {reason: 'a name is too long for the filesystem', todo: 'use a shorter name'},
  EACCES: {reason: 'permission denied', todo: 'run minirun as root and check the permissions of that path'},
  EPERM: {reason: 'operation not permitted', todo: 'run minirun as root'},
  EROFS: {reason: 'the filesystem is read-only', todo: 'remount it read-write or point MINIRUN_ROOT at a writable directory'},
  EIO: {reason: 'input/output error', todo: 'the disk may be failing; see dmesg'},
  EMFILE: {reason: 'too many open files', todo: 'raise the limit (ulimit -n) and try again'},
  ENFILE: {reason: 'too many open files on the system', todo: 'close some programs and try again'},
  ENOENT: {reason: 'no such file or directory', todo: 'check that the path exists'},
  ENOTDIR: {reason: 'a part of the path is not a directory', todo: 'check the path'},
  EISDIR: {reason: 'it is a directory', todo: 'give a file instead'},
  EEXIST: {reason: 'it already exists', todo: 'remove it or choose another name'},
  ELOOP: {reason: 'too many levels of symbolic links', todo: 'check the path for a symlink loop'},
  EBUSY: {reason: 'it is busy (mounted or in use)', todo: 'stop what uses it and try again'},
  ENOMEM: {reason: 'out of memory', todo: 'free some memory and try again'},
}

const WHAT: Record<string, string> = {
  open: 'cannot open',
  read: 'cannot read',
  write: 'cannot write',
  mkdir: 'cannot create directory',
  mkdtemp: 'cannot create directory',
  rename: 'cannot rename',
  unlink: 'cannot remove',
  rmdir: 'cannot remove',
  rm: 'cannot remove',
  symlink: 'cannot create link',
  link: 'cannot create link',
  stat: 'cannot look at',
  lstat: 'cannot look at',
  scandir: 'cannot list',
  readdir: 'cannot list',
  copyfile: 'cannot copy',
  fsync: 'cannot write',
  spawn: 'cannot start',
}

export interface SystemError {
  code: string
  syscall?: string
  path?: string
  dest?: string
  message?: string
}

export function isSystemError(e: unknown): e is SystemError {
  const x = e as SystemError | undefined
  return typeof x?.code === 'string' && /^E[A-Z0-9]+$/.test(x.code) && (x.syscall !== undefined || x.path !== undefined)
}

/** The reason alone, in plain words ("no space left on device"). */
export function plainReason(e: unknown): string {
  const x = e as SystemError
  if (x?.code && KNOWN[x.code]) return KNOWN[x.code].reason
  const msg = String(x?.message ?? e)
  // "EXDEV: cross-device link not permitted, rename 'a' -> 'b'" → "cross-device link not permitted"
  return msg.replace(/^E[A-Z0-9]+:\s*/, '').replace(/,\s*\w+\s*('.*)?$/, '').trim()
}

/** Long paths (a 5000-character name) are cut: the line must stay readable. */
function shortPath(p: string): string {
  return p.length > 160 ? `${p.slice(0, 100)}...${p.slice(-40)}` : p
}

/** One line: `<what> (<path>): <plain reason>; <what to do>`. */
export function describeSystemError(e: SystemError): string {
  const what = WHAT[e.syscall ?? ''] ?? (e.syscall ? `${e.syscall} failed` : 'a file operation failed')
  const where = e.path ? ` (${shortPath(e.path)}${e.dest ? ` -> ${shortPath(e.dest)}` : ''})` : ''
  const todo = KNOWN[e.code]?.todo ?? 'see MINIRUN_DEBUG=1 for details'
  return `${what}${where}: ${plainReason(e)}; ${todo}`
}
