// Writes a file so that a crash or power cut leaves either the old or the new content, never
// a torn mix: write a temp file beside it, fsync it, rename it over, fsync the directory.
// A file that cannot be parsed is moved aside as NAME.corrupt-<time> so the daemon still starts.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs"
import { dirname } from "node:path"
import { Data, Effect } from "effect"

export class StateFileUnwritable extends Data.TaggedError("StateFileUnwritable")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot write ${this.path}: ${this.reason}`
  }
}

export const writeAtomic = (
  path: string,
  content: string,
  mode = 0o600,
): Effect.Effect<void, StateFileUnwritable> =>
  Effect.try({
    try: () => {
      const temp = `${path}.tmp-${process.pid}`
      const fd = openSync(temp, "w", mode)
      try {
        writeSync(fd, content)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      renameSync(temp, path)
      const dir = openSync(dirname(path), "r")
      try {
        fsyncSync(dir)
      } finally {
        closeSync(dir)
      }
    },
    catch: (error) => new StateFileUnwritable({ path, reason: String(error) }),
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
