// CPU time and resident memory of whole process groups, read from /proc without spawning
// anything: one pass over /proc/[pid]/stat sums every process into its group (a service runs
// in its own group, pgid == its main pid), so children and grandchildren count, even those
// reparented to init. Synchronous and allocation-light: ~500 groups cost a few ms per pass.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs"
import { endianness } from "node:os"

export interface GroupUsage {
  /** utime + stime of the live members plus cutime + cstime (children they reaped), in clock ticks. */
  readonly cpuTicks: number
  readonly rssBytes: number
  readonly processes: number
  /** The group leader's start time in ticks since boot; undefined once the leader itself is gone. */
  readonly leaderStartTicks: number | undefined
  /** How long the leader has run, in ticks; undefined once it is gone. */
  readonly leaderAgeTicks: number | undefined
}

/** AT_PAGESZ and AT_CLKTCK from the kernel's aux vector, the values libc's sysconf returns. */
const auxValue = (type: number): number | undefined => {
  let auxv: Buffer
  try {
    auxv = readFileSync("/proc/self/auxv")
  } catch {
    return undefined
  }
  const word = process.arch === "arm" || process.arch === "ia32" ? 4 : 8
  const little = endianness() === "LE"
  const read = (at: number): number =>
    word === 4
      ? little
        ? auxv.readUInt32LE(at)
        : auxv.readUInt32BE(at)
      : Number(little ? auxv.readBigUInt64LE(at) : auxv.readBigUInt64BE(at))
  for (let at = 0; at + 2 * word <= auxv.length; at += 2 * word) {
    if (read(at) === type) return read(at + word)
  }
  return undefined
}

/** Bytes per page: 4 KiB on most machines, 16 KiB on a Raspberry Pi 5's default kernel. */
export const PAGE_SIZE = auxValue(6) ?? 4096
/** Clock ticks per second in /proc (USER_HZ): 100 on Linux. */
export const TICKS_PER_SECOND = auxValue(17) ?? 100

const RIGHT_PAREN = 0x29
const SPACE = 0x20
const MINUS = 0x2d
const buffer = Buffer.alloc(1024)

// Indices of the fields we need, counted from field 3 (state), the first after the command name.
const PGRP = 2
const UTIME = 11
const STIME = 12
const CUTIME = 13
const CSTIME = 14
const STARTTIME = 19
const RSS = 21

/** Reads /proc/PID/stat into `buffer`; its length, or 0 when the process is gone. */
const readStat = (pid: string): number => {
  let fd: number
  try {
    fd = openSync(`/proc/${pid}/stat`, "r")
  } catch {
    return 0
  }
  try {
    return readSync(fd, buffer, 0, buffer.length, 0)
  } catch {
    return 0
  } finally {
    closeSync(fd)
  }
}

/** The numeric fields 3..24 of the stat line in `buffer[0, length)`, written into `out`. */
const parseFields = (length: number, out: Float64Array): boolean => {
  let at = buffer.lastIndexOf(RIGHT_PAREN, length - 1)
  if (at < 0) return false
  at += 2
  for (let field = 0; field <= RSS && at < length; field++) {
    let value = 0
    let negative = false
    if (buffer[at] === MINUS) {
      negative = true
      at++
    }
    for (; at < length; at++) {
      const c = buffer[at] ?? SPACE
      if (c === SPACE) break
      value = value * 10 + (c - 48)
    }
    out[field] = negative ? -value : value
    at++
  }
  return true
}

const uptimeTicks = (): number | undefined => {
  try {
    return Math.round(Number.parseFloat(readFileSync("/proc/uptime", "latin1")) * TICKS_PER_SECOND)
  } catch {
    return undefined
  }
}

interface Accumulator {
  cpuTicks: number
  rssBytes: number
  processes: number
  leaderStartTicks: number | undefined
}

/** Sums CPU and RSS per process group for the groups in `pgids`, in one pass over /proc. */
export const sampleGroups = (pgids: ReadonlySet<number>): ReadonlyMap<number, GroupUsage> => {
  const sums = new Map<number, Accumulator>()
  if (pgids.size === 0) return new Map()
  const fields = new Float64Array(RSS + 1)
  for (const entry of readdirSync("/proc")) {
    const first = entry.charCodeAt(0)
    if (first < 48 || first > 57) continue
    const length = readStat(entry)
    if (length === 0 || !parseFields(length, fields)) continue
    const pgrp = fields[PGRP] ?? 0
    if (!pgids.has(pgrp)) continue
    let sum = sums.get(pgrp)
    if (sum === undefined) {
      sum = { cpuTicks: 0, rssBytes: 0, processes: 0, leaderStartTicks: undefined }
      sums.set(pgrp, sum)
    }
    sum.cpuTicks +=
      (fields[UTIME] ?? 0) + (fields[STIME] ?? 0) + (fields[CUTIME] ?? 0) + (fields[CSTIME] ?? 0)
    sum.rssBytes += (fields[RSS] ?? 0) * PAGE_SIZE
    sum.processes++
    if (Number(entry) === pgrp) sum.leaderStartTicks = fields[STARTTIME]
  }
  const now = uptimeTicks()
  const out = new Map<number, GroupUsage>()
  for (const [pgid, sum] of sums) {
    out.set(pgid, {
      ...sum,
      leaderAgeTicks:
        sum.leaderStartTicks === undefined || now === undefined
          ? undefined
          : Math.max(0, now - sum.leaderStartTicks),
    })
  }
  return out
}
