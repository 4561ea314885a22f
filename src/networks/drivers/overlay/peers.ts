import fs from 'node:fs/promises'
import path from 'node:path'
import {runtimeDir} from '../../../state/paths.js'

// Names of the containers of OTHER hosts on an overlay, as this host's agent last read them
// from etcd: one small file per network, read when a member's /etc/hosts is written. Kept apart
// from the overlay code so /etc/hosts writing never loads the cluster client.

export interface RemotePeer {
  ip: string
  names: string[]
}

export const peersFile = (network: string) => path.join(runtimeDir(), 'overlay', 'peers', `${network}.json`)

/** [] for any network that is not an overlay this host has joined. */
export async function remotePeers(network: string): Promise<RemotePeer[]> {
  const text = await fs.readFile(peersFile(network), 'utf8').catch(() => undefined)
  if (!text) return []
  try {
    const v = JSON.parse(text) as RemotePeer[]
    return Array.isArray(v) ? v.filter((p) => typeof p.ip === 'string' && Array.isArray(p.names)) : []
  } catch {
    return []
  }
}
