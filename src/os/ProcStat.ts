// Reads a process's identity from /proc/PID/stat: its start time in clock ticks since boot
// (field 22) and its state letter. A pid plus its start time names one process for good,
// so a pid the kernel has since reused for something else is never mistaken for ours.
import { readFileSync } from "node:fs"

export interface ProcIdentity {
  readonly startTicks: number
  readonly state: string
  /** Its process group. */
  readonly pgid: number
}

export const readProcIdentity = (pid: number): ProcIdentity | undefined => {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return undefined
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const state = fields[0]
  const pgid = Number(fields[2])
  const startTicks = Number(fields[19])
  return state === undefined || !Number.isFinite(startTicks) ? undefined : { startTicks, state, pgid }
}

/** True while `pid` is the same live (not zombie) process that started at `startTicks`. */
export const isSameProcess = (pid: number, startTicks: number): boolean => {
  const identity = readProcIdentity(pid)
  return identity !== undefined && identity.startTicks === startTicks && identity.state !== "Z"
}
