import fs from 'node:fs/promises'
import path from 'node:path'
import {note, run, shellQuote} from './runner.js'

// A container's network namespace lives as a bind-mounted nsfs file under the runtime dir, so it
// outlives any process and can be found again by the container id (`system prune` relies on it).

export async function createNetns(file: string): Promise<void> {
  note(`mkdir -p ${shellQuote(path.dirname(file))}`)
  await fs.mkdir(path.dirname(file), {recursive: true})
  await run(['touch', file], {why: 'the mount point that will hold the new network namespace'})
  await run(['unshare', `--net=${file}`, 'true'], {why: 'create a network namespace and persist it as a bind mount'})
}

export async function deleteNetns(file: string): Promise<void> {
  await run(['umount', file], {allowFail: true, why: 'release the network namespace (the kernel frees it with its last user)'})
  await run(['rm', '-f', file], {allowFail: true})
}

/** Run a tool inside a network namespace (ip, sysctl...). */
export function inNetns(file: string, argv: string[]): string[] {
  return ['nsenter', `--net=${file}`, '--', ...argv]
}

/**
 * Every new namespace gets its loopback up (the container itself lacks CAP_NET_ADMIN to do it)
 * and, as in Docker without --ipv6, IPv6 off: minirun hands out IPv4 addresses only.
 */
export async function loopbackUp(file: string): Promise<void> {
  await run(inNetns(file, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']), {why: 'IPv4 only, as Docker without --ipv6'})
  await run(inNetns(file, ['ip', 'link', 'set', 'lo', 'up']), {why: 'bring up loopback inside the container namespace'})
}
