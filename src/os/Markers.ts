// Finds processes by the markers Dockless puts in every child's environment (DOCKLESS_*), read
// from /proc/PID/environ: a process that left its service's process group (setsid, double
// fork) still carries them unless it cleared its environment. Only processes whose environment
// we may read are seen: our own uid's, or all of them when Dockless runs as root.
// Read in slices of CHUNK processes, synchronously within a slice (about 50 µs a process, so a
// slice blocks the event loop ~3 ms) and yielding to it between slices. A scan costs a few turns
// of the event loop whatever the number of processes: in a crash storm, when each turn waits
// hundreds of ms behind spawns, one file read per turn made a scan last tens of seconds, and
// the escapees' sweeps fell behind (their backlog grew without bound; escaped processes lived).
import { readdirSync, readFileSync } from "node:fs"
import { resolve } from "node:path"
import { hex, sha256 } from "./Sha256.ts"

export interface Marked {
  readonly pid: number
  /** The DOCKLESS_* variables of its environment. */
  readonly markers: ReadonlyMap<string, string>
}

const PREFIX = Buffer.from("DOCKLESS_")
const CHUNK = 64

const markersOf = (environ: Buffer): ReadonlyMap<string, string> | undefined => {
  if (environ.indexOf(PREFIX) === -1) return undefined
  const markers = new Map<string, string>()
  for (const entry of environ.toString("utf8").split("\0")) {
    if (!entry.startsWith("DOCKLESS_")) continue
    const at = entry.indexOf("=")
    if (at > 0) markers.set(entry.slice(0, at), entry.slice(at + 1))
  }
  return markers
}

/** The environment of `pid`; undefined when it is gone, a kernel thread, or not ours to read. */
const environOf = (pid: number): Buffer | undefined => {
  try {
    return readFileSync(`/proc/${pid}/environ`)
  } catch {
    return undefined
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

type Wanted = (markers: ReadonlyMap<string, string>) => boolean

const otherPids = () =>
  readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => pid !== process.pid)

const scan = (pids: ReadonlyArray<number>, wanted: Wanted, found: Array<Marked>) => {
  for (const pid of pids) {
    const environ = environOf(pid)
    const markers = environ === undefined ? undefined : markersOf(environ)
    if (markers !== undefined && wanted(markers)) found.push({ pid, markers })
  }
}

/** Every other process whose DOCKLESS_* markers satisfy `wanted`. */
export const markedProcesses = async (wanted: Wanted): Promise<ReadonlyArray<Marked>> => {
  const pids = otherPids()
  const found: Array<Marked> = []
  for (let i = 0; i < pids.length; i += CHUNK) {
    if (i > 0) await nextTurn()
    scan(pids.slice(i, i + CHUNK), wanted, found)
  }
  return found
}

/** The same, in one go, blocking: for a process about to exit, with no event loop to yield to. */
export const markedProcessesNow = (wanted: Wanted): ReadonlyArray<Marked> => {
  const found: Array<Marked> = []
  scan(otherPids(), wanted, found)
  return found
}

/** The DOCKLESS_INSTANCE of a daemon: a short hash of its data dir, so two daemons never take each other's processes. */
export const instanceOf = (dataDir: string): string => hex(sha256(resolve(dataDir))).slice(0, 16)
