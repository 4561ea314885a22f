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

/** A name to try: the caller claims it and asks again, with the next attempt, while it is taken. */
export function randomName(attempt: number): string {
  const base = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SCIENTISTS[randomInt(SCIENTISTS.length)]}`
  return attempt < 20 ? base : `${base}${randomInt(10000)}` // most plain names are in use
}
