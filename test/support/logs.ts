// Reading captured logs and open files from the outside, as a person with a shell would:
// the ticks test/fixtures/ticker.mjs wrote into a log file, and the files a process holds open.
import { readdirSync, readFileSync, readlinkSync } from "node:fs"
import { parseLines } from "../../src/actors/OutputCapture.ts"

/** The numbers of the `tick N` lines in `path`, in file order (none when it is missing). */
export const ticksIn = (path: string): Array<number> => {
  try {
    return parseLines(readFileSync(path))
      .filter((l) => l.text.startsWith("tick "))
      .map((l) => Number(l.text.slice(5)))
  } catch {
    return []
  }
}

/** The paths process `pid` holds open, as /proc/PID/fd shows them. */
export const openFiles = (pid: number): Array<string> =>
  readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`)
    } catch {
      return ""
    }
  })
