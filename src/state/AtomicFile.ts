// Writes a file so that a crash or power cut leaves either the old or the new content, never
// a torn mix: write a temp file beside it, fsync it, rename it over, fsync the directory; a
// failed write removes its temp file. Asynchronous, so an fsync on a slow SD card never blocks
// the daemon's event loop. A file that cannot be parsed is moved aside as NAME.corrupt-<time>
// so the daemon still starts.
import { readFileSync, renameSync } from "node:fs"
import { open, rename, rm } from "node:fs/promises"
import { dirname } from "node:path"
import { Data, Effect } from "effect"
import { systemErrorReason } from "../os/SystemError.ts"

export class StateFileUnwritable extends Data.TaggedError("StateFileUnwritable")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot write ${this.path}: ${this.reason}`
  }
}

const syncDir = async (dir: string) => {
  const handle = await open(dir, "r")
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export const writeAtomic = (
  path: string,
  content: string,
  mode = 0o600,
): Effect.Effect<void, StateFileUnwritable> =>
  Effect.tryPromise({
    try: async () => {
      const temp = `${path}.tmp-${process.pid}`
      try {
        const handle = await open(temp, "w", mode)
        try {
          await handle.writeFile(content)
          await handle.sync()
        } finally {
          await handle.close()
        }
        await rename(temp, path)
      } catch (error) {
        await rm(temp, { force: true }).catch(() => undefined)
        throw error
      }
      await syncDir(dirname(path))
    },
    catch: (error) => new StateFileUnwritable({ path, reason: systemErrorReason(error) }),
  })

export type ReadResult =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Parsed"; readonly value: unknown }
  | { readonly _tag: "Corrupt"; readonly movedTo: string; readonly reason: string }

/** Reads JSON; a file that is not valid JSON is moved aside and reported, never fatal. */
export const readJson = (path: string, now: Date): ReadResult => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return { _tag: "Missing" }
    return moveAside(path, now, String(error))
  }
  try {
    return { _tag: "Parsed", value: JSON.parse(text) }
  } catch (error) {
    return moveAside(path, now, error instanceof Error ? error.message : String(error))
  }
}

export const moveAside = (path: string, now: Date, reason: string): ReadResult => {
  const movedTo = `${path}.corrupt-${now.toISOString().replaceAll(":", "-")}`
  try {
    renameSync(path, movedTo)
  } catch {
    // Unreadable and immovable: start without it all the same.
  }
  return { _tag: "Corrupt", movedTo, reason }
}
