import {randomInt} from 'node:crypto'

// Docker-style generated names ("eager_turing"), so a container always has something to type.
const ADJECTIVES = [
  'agile', 'bold', 'brave', 'calm', 'clever', 'cosmic', 'eager', 'fervent', 'gentle', 'happy', 'jolly',
  'keen', 'lucid', 'modest', 'nifty', 'optimistic', 'quirky', 'serene', 'stoic', 'tender', 'vibrant', 'zealous',
]
const SCIENTISTS = [
  'babbage', 'cerf', 'dijkstra', 'hamilton', 'hopper', 'kahn', 'knuth', 'lamport', 'liskov', 'lovelace',
  'metcalfe', 'perlman', 'pike', 'postel', 'ritchie', 'shannon', 'thompson', 'torvalds', 'turing', 'wozniak',
]

export function randomName(taken: Set<string>): string {
  for (let i = 0; ; i++) {
    const base = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SCIENTISTS[randomInt(SCIENTISTS.length)]}`
    const name = i < 20 ? base : `${base}${randomInt(1000)}`
    if (!taken.has(name)) return name
  }
}
