// What a running process actually is, read back from the kernel rather than from its spec: its
// uid and gid, its groups and umask (/proc/PID/status), its nice value (/proc/PID/stat), its
// OOM score adjustment and the soft and hard limits a service may set (/proc/PID/limits), with
// user and group names from /etc/passwd and /etc/group. Read when one service is looked at,
// never on a list poll: a few small reads.
import { readFileSync } from "node:fs"
import { readGroups, userNames } from "./Users.ts"

export type LimitReading = number | "infinity"

export interface LimitPair {
  readonly soft: LimitReading
  readonly hard: LimitReading
}

export interface NamedId {
  readonly id: number
  readonly name: string | null
}

export interface ProcessCredentials {
  readonly user: NamedId
  readonly group: NamedId
  readonly groups: ReadonlyArray<NamedId>
  /** Octal, as /proc shows it ("0027"). */
  readonly umask: string | null
  readonly nice: number | null
  readonly oom_score_adj: number | null
  readonly limits: {
    readonly nofile: LimitPair | null
    readonly nproc: LimitPair | null
    readonly core: LimitPair | null
    readonly memlock: LimitPair | null
  }
}

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, "utf8")
  } catch {
    return undefined
  }
}

/** The fields of /proc/PID/status, by name. */
const statusFields = (text: string): ReadonlyMap<string, string> =>
  new Map(
    text.split("\n").map((line) => {
      const colon = line.indexOf(":")
      return [line.slice(0, colon), line.slice(colon + 1).trim()] as const
    }),
  )

/** The first number of a "real effective saved fs" line. */
const firstId = (line: string | undefined): number | undefined => {
  const id = Number(line?.split(/\s+/)[0])
  return line === undefined || !Number.isInteger(id) ? undefined : id
}

/** The rows of /proc/PID/limits that hold the limits a service may set. */
export const limitRows: Readonly<Record<keyof ProcessCredentials["limits"], string>> = {
  nofile: "Max open files",
  nproc: "Max processes",
  core: "Max core file size",
  memlock: "Max locked memory",
}

const reading = (text: string): LimitReading => (text === "unlimited" ? "infinity" : Number(text))

/** The soft and hard limit of the row named `row` in /proc/PID/limits. */
export const parseLimit = (limits: string, row: string): LimitPair | null => {
  const line = limits.split("\n").find((l) => l.startsWith(`${row} `))
  const [soft, hard] = line?.slice(row.length).trim().split(/\s+/) ?? []
  return soft === undefined || hard === undefined ? null : { soft: reading(soft), hard: reading(hard) }
}

/** The nice value, field 19 of /proc/PID/stat (the command name before it may hold spaces). */
const niceOf = (stat: string | undefined): number | null => {
  if (stat === undefined) return null
  const nice = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16])
  return Number.isInteger(nice) ? nice : null
}

/** What the process `pid` runs as now, or null when it is gone. */
export const readCredentials = (pid: number): ProcessCredentials | null => {
  const status = read(`/proc/${pid}/status`)
  const limits = read(`/proc/${pid}/limits`)
  if (status === undefined || limits === undefined) return null
  const fields = statusFields(status)
  const uid = firstId(fields.get("Uid"))
  const gid = firstId(fields.get("Gid"))
  if (uid === undefined || gid === undefined) return null
  const users = userNames()
  const groups = readGroups() ?? []
  const groupName = (id: number) => groups.find((g) => g.gid === id)?.name ?? null
  const oom = Number(read(`/proc/${pid}/oom_score_adj`)?.trim())
  return {
    user: { id: uid, name: users.get(uid) ?? null },
    group: { id: gid, name: groupName(gid) },
    groups: (fields.get("Groups") ?? "")
      .split(/\s+/)
      .filter((g) => g !== "")
      .map((g) => ({ id: Number(g), name: groupName(Number(g)) })),
    umask: fields.get("Umask") ?? null,
    nice: niceOf(read(`/proc/${pid}/stat`)),
    oom_score_adj: Number.isInteger(oom) ? oom : null,
    limits: {
      nofile: parseLimit(limits, limitRows.nofile),
      nproc: parseLimit(limits, limitRows.nproc),
      core: parseLimit(limits, limitRows.core),
      memlock: parseLimit(limits, limitRows.memlock),
    },
  }
}
