// Reads what test/fixtures/stamped.mjs wrote: each start and stop of a service's process, with
// its monotonic time, so a test can check the order in which the children themselves saw it.
import { existsSync, readFileSync } from "node:fs"

export interface Stamp {
  readonly what: "start" | "stop"
  readonly at: bigint
  readonly pid: number
}

export const readStamps = (file: string): Array<Stamp> =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => {
          const [what, at, pid] = line.split(" ")
          return { what: what === "stop" ? "stop" : "start", at: BigInt(at ?? "0"), pid: Number(pid) }
        })
    : []

/** The n-th (0-based) stamp of kind `what` in the file. */
export const nth = (file: string, what: Stamp["what"], n: number): Stamp | undefined =>
  readStamps(file).filter((s) => s.what === what)[n]
