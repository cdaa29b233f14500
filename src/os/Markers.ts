// Finds processes by the markers Dockless puts in every child's environment (DOCKLESS_*), read
// from /proc/PID/environ: a process that left its service's process group (setsid, double
// fork) still carries them unless it cleared its environment. Only processes whose environment
// we may read are seen: our own uid's, or all of them when Dockless runs as root.
// Asynchronous, so a scan of hundreds of processes never blocks the event loop.
import { createHash } from "node:crypto"
import { readdir, readFile } from "node:fs/promises"
import { resolve } from "node:path"

export interface Marked {
  readonly pid: number
  /** The DOCKLESS_* variables of its environment. */
  readonly markers: ReadonlyMap<string, string>
}

const PREFIX = Buffer.from("DOCKLESS_")
const CONCURRENCY = 16

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

/** Every other process whose DOCKLESS_* markers satisfy `wanted`. */
export const markedProcesses = async (
  wanted: (markers: ReadonlyMap<string, string>) => boolean,
): Promise<ReadonlyArray<Marked>> => {
  const pids = (await readdir("/proc"))
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => pid !== process.pid)
  const found: Array<Marked> = []
  for (let i = 0; i < pids.length; i += CONCURRENCY) {
    await Promise.all(
      pids.slice(i, i + CONCURRENCY).map(async (pid) => {
        // Gone meanwhile, a kernel thread, or not ours to read: none of them is ours to stop.
        const environ = await readFile(`/proc/${pid}/environ`).catch(() => undefined)
        const markers = environ === undefined ? undefined : markersOf(environ)
        if (markers !== undefined && wanted(markers)) found.push({ pid, markers })
      }),
    )
  }
  return found
}

/** The DOCKLESS_INSTANCE of a daemon: a short hash of its data dir, so two daemons never take each other's processes. */
export const instanceOf = (dataDir: string): string =>
  createHash("sha256").update(resolve(dataDir)).digest("hex").slice(0, 16)
