import {createHash} from 'node:crypto'
import fs from 'node:fs'
import {CODES, CniError, errorJson, parseCommand, parseRequest, requestedVersion, SUPPORTED_VERSIONS, type PluginRequest} from './request.js'

// minirun's bridge driver as a CNI plugin (bin/minirun-bridge), for containerd, CRI-O or any
// libcni runtime: the same driver, leases, ownership marks and nft-map publishing as
// `minirun run --network`, called through the driver interface. The runtime keeps the result;
// the plugin keeps minirun's state under its state dir: the network record (made on the first
// ADD, with its bridge), the leases, and one endpoint record per container interface so DEL
// undoes exactly what ADD made. Only this file's small imports load before the config is read.

const DEFAULT_STATE = '/var/lib/cni/minirun'

export async function main(): Promise<void> {
  let version = '1.0.0'
  try {
    const command = parseCommand(process.env)
    const stdin = readStdin()
    version = requestedVersionSafe(stdin)
    if (command === 'VERSION') {
      process.stdout.write(JSON.stringify({cniVersion: version, supportedVersions: SUPPORTED_VERSIONS}) + '\n')
      return
    }
    const req = parseRequest(command, process.env, stdin)
    version = req.config.cniVersion
    // The state dir comes from the config alone, never from an environment the runtime leaks; it is
    // set before anything reads MINIRUN_ROOT or MINIRUN_RUNTIME_DIR (paths are resolved on each use).
    process.env.MINIRUN_ROOT = req.config.stateDir ?? DEFAULT_STATE
    process.env.MINIRUN_RUNTIME_DIR = `${process.env.MINIRUN_ROOT}/run`
    const {add, check, del} = await import('./endpoint.js')
    if (command === 'ADD') process.stdout.write(JSON.stringify(await add(req, endpointId(req))) + '\n')
    else if (command === 'CHECK') await check(req, endpointId(req))
    else await del(req, endpointId(req))
  } catch (error) {
    const e = asCniError(error)
    if (process.env.MINIRUN_DEBUG) console.error(error)
    process.stdout.write(errorJson(version, e) + '\n')
    process.exitCode = e.code === CODES.tryAgainLater ? 11 : 1
  }
}

/** One endpoint per (container, interface): the lease owner and the veth's name come from it. */
function endpointId(req: PluginRequest): string {
  return createHash('sha256').update(`${req.containerId}/${req.ifname}`).digest('hex')
}

function readStdin(): string {
  try {
    return fs.readFileSync(0, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN' || (error as NodeJS.ErrnoException).code === 'EOF') return ''
    throw new CniError(CODES.ioFailure, 'cannot read the network configuration on stdin', (error as Error).message)
  }
}

function requestedVersionSafe(stdin: string): string {
  try {
    return requestedVersion(stdin)
  } catch {
    return '1.0.0'
  }
}

function asCniError(error: unknown): CniError {
  if (error instanceof CniError) return error
  const msg = error instanceof Error ? error.message : String(error)
  // the store lock held past its wait (another ADD/DEL): the runtime may retry
  if (/stayed locked by another minirun/.test(msg)) return new CniError(CODES.tryAgainLater, msg)
  return new CniError(CODES.failed, msg)
}
