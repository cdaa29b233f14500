// Opens data_dir at start: creates it (and logs/) if missing, then proves it can hold a write
// (write, fsync, remove a probe), so a read-only, full or forbidden data dir is one line naming
// the real cause up front, not a confusing failure later. Directories are created one level at
// a time: a recursive mkdir under a read-only mount reports ENOENT, hiding the EROFS. The temp
// files and probes a killed daemon was writing (NAME.tmp-PID, .write-probe-PID) are removed.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from "node:fs"
import { dirname, join } from "node:path"
import { Data, Effect } from "effect"
import { readProcIdentity } from "../os/ProcStat.ts"
import { systemErrorReason } from "../os/SystemError.ts"

export class DataDirUnusable extends Data.TaggedError("DataDirUnusable")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot use the data dir ${this.path}: ${this.reason}`
  }
}

const exists = (path: string): boolean => {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}

/** Creates `path` and its missing parents one by one, so the error names the real cause. */
const makeDirs = (path: string, mode: number): void => {
  const missing: Array<string> = []
  for (let dir = path; !exists(dir) && dirname(dir) !== dir; dir = dirname(dir)) missing.unshift(dir)
  for (const dir of missing) mkdirSync(dir, { mode })
}

const probe = (dir: string): void => {
  const path = join(dir, `.write-probe-${process.pid}`)
  const fd = openSync(path, "w", 0o600)
  try {
    writeSync(fd, "dockless\n")
    fsyncSync(fd)
  } finally {
    closeSync(fd)
    rmSync(path, { force: true })
  }
}

/** The writer's pid in the name of a temp file or probe, or undefined for any other file. */
const writerOf = (file: string): number | undefined => {
  const match = /(?:\.tmp-|^\.write-probe-)(\d+)$/.exec(file)
  return match === null ? undefined : Number(match[1])
}

const isAlive = (pid: number): boolean => {
  const identity = readProcIdentity(pid)
  return identity !== undefined && identity.state !== "Z"
}

/**
 * A kill -9 (or power cut) during an atomic write leaves its temp file; the file it was
 * replacing is whole, so the temp is only litter, one more on every such crash. One whose
 * writer still lives (another daemon wrongly on the same dir) is left alone.
 */
const removeLeftoverTemps = (dir: string): void => {
  for (const file of readdirSync(dir)) {
    const writer = writerOf(file)
    if (writer !== undefined && writer !== process.pid && !isAlive(writer))
      rmSync(join(dir, file), { force: true })
  }
}

export const openDataDir = (path: string, logsMode: number): Effect.Effect<void, DataDirUnusable> =>
  Effect.try({
    try: () => {
      makeDirs(path, 0o700)
      makeDirs(join(path, "logs"), logsMode)
      removeLeftoverTemps(path)
      probe(path)
    },
    catch: (error) => new DataDirUnusable({ path, reason: systemErrorReason(error) }),
  })
