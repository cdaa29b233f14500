// Connected pairs of Unix stream sockets, as socketpair(2) would give (Node has no call for it),
// made ahead of time: one end of a pair becomes a child's stdout or stderr, the other is read by
// Dockless with `onread`, straight into a buffer it reuses, so a read costs no allocation and no
// stream machinery (Node's own 'pipe' stdio hands out a new 64 KiB Buffer per read). Making a
// pair costs a connect and an accept, so a few wait ready and a spawn never waits for one: it
// takes them, or gets Node's pipes when none are ready (a burst of spawns), and more are made
// after; only the first spawns wait, for the first pairs. Pairs come from one listening socket in a private directory (mode 0700: no other user
// can connect); accepts come in connect order, so each connect is matched with its own accept.
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { connect, createServer, type Server, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { readProcIdentity } from "./ProcStat.ts"

/** Where what a pair reads goes: the bytes are `read[0, n)`, valid during the call only; false pauses. */
export type Sink = (n: number, read: Uint8Array) => boolean

export interface SocketPair {
  /** Read by us, into `sink`. */
  readonly ours: Socket
  /** For the child: paused, never read here. */
  readonly theirs: Socket
  /** Sends what `ours` reads to `sink` from now on; done once, when the pair is taken. */
  readonly readInto: (sink: Sink) => void
}

/** Two spawns' worth (stdout and stderr each). */
const READY = 4
/**
 * Every pair reads into this one buffer: a read is handed to its sink (which copies it out)
 * before the next read of any pair, so one buffer serves all, and a big one drains a socket
 * in one read.
 */
const READ_BYTES = 256 * 1024

const ready: Array<SocketPair> = []
/** Accepts to come, oldest first: each is the other end of one connect. */
const accepts: Array<(theirs: Socket) => void> = []
let making = false
/** The first pairs being made: the first spawns wait for them (a moment, once). */
let first: Promise<void> | undefined
let listening: Promise<string> | undefined
let reads: Buffer | undefined

/** The directory of a daemon's listening socket names its pid, so a later one can tell it is litter. */
const DIR_PREFIX = "dockless-pairs-"
const OWNED = new RegExp(`^${DIR_PREFIX}(\\d+)-`)
const ownerOf = (name: string): number | undefined => {
  const match = OWNED.exec(name)
  return match === null ? undefined : Number(match[1])
}

const isLive = (pid: number): boolean => {
  const identity = readProcIdentity(pid)
  return identity !== undefined && identity.state !== "Z"
}

/** A daemon killed with -9 never removed its directory: those of pids no longer alive go. */
const removeLeftoverDirs = (): void => {
  let names: Array<string>
  try {
    names = readdirSync(tmpdir())
  } catch {
    return // Litter stays; pairs are still made.
  }
  for (const name of names) {
    const owner = ownerOf(name)
    if (owner !== undefined && owner !== process.pid && !isLive(owner))
      rmSync(join(tmpdir(), name), { recursive: true, force: true })
  }
}

const listen = (): Promise<string> =>
  new Promise((resolve, reject) => {
    removeLeftoverDirs()
    const dir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`))
    const path = join(dir, "pair")
    const server: Server = createServer({ pauseOnConnect: true }, (socket) => {
      const accepted = accepts.shift()
      if (accepted === undefined) socket.destroy()
      else accepted(socket)
    })
    server.once("error", (error) => {
      rmSync(dir, { recursive: true, force: true })
      reject(error)
    })
    server.listen(path, () => resolve(path))
    // Neither keeps Dockless running; the directory goes with the process.
    server.unref()
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }))
  })

/** One new pair; rejects when the connect fails (its accept never comes, so it is forgotten). */
const make = async (): Promise<SocketPair> => {
  listening ??= listen()
  const path = await listening
  const buffer = (reads ??= Buffer.allocUnsafeSlow(READ_BYTES))
  let sink: Sink = () => true
  return new Promise((resolve, reject) => {
    const accepted = (theirs: Socket) => {
      ours.unref()
      theirs.unref()
      resolve({ ours, theirs, readInto: (next) => (sink = next) })
    }
    accepts.push(accepted)
    const ours = connect({ path, onread: { buffer, callback: (n, read) => sink(n, read) } })
    ours.on("error", (error) => {
      const at = accepts.indexOf(accepted)
      if (at !== -1) accepts.splice(at, 1)
      reject(error)
    })
  })
}

/** Makes pairs, one after another, until READY wait; stops at the first failure (the next take tries again). */
const refill = async (): Promise<void> => {
  if (making) return
  making = true
  try {
    while (ready.length < READY) ready.push(await make())
  } catch {
    listening = undefined
  } finally {
    making = false
  }
}

/** Starts making pairs, so the first spawns find some ready. */
export const preparePairs = (): void => {
  first ??= refill()
}

/** `count` pairs if that many are ready now, or none (without waiting for the first); either way more are made. */
export const takeReadyPairs = (count: number): ReadonlyArray<SocketPair> | undefined => {
  const taken = ready.length >= count ? ready.splice(0, count) : undefined
  for (const pair of taken ?? []) pair.ours.ref()
  void refill()
  return taken
}

/** `count` ready pairs, or none (each is then Node's pipes' job); either way more are made. */
export const takePairs = async (count: number): Promise<ReadonlyArray<SocketPair> | undefined> => {
  await first
  return takeReadyPairs(count)
}
