import {Flags} from '@oclif/core'

// Flags shared by several commands (oclif definitions; the fast path reads them from the manifest).
export const explainFlag = Flags.boolean({
  description:
    'print each kernel-level step (ip, nft, unshare, mount...) as the shell command that does it, grouped by step with a one-line why, on stderr as it runs; the transcript replays in a shell. --explain=FILE writes it to FILE instead',
})

/** `--cluster-store etcd://HOST:2379`: this command's MINIRUN_CLUSTER_STORE (network create/ls/inspect/rm). */
export const clusterStoreFlag = Flags.string({description: 'etcd://HOST:2379[,HOST:2379…] for overlay networks (default: $MINIRUN_CLUSTER_STORE)', helpValue: 'etcd://HOST:PORT'})

export function useClusterStore(spec: string | undefined): void {
  if (spec) process.env.MINIRUN_CLUSTER_STORE = spec
}
