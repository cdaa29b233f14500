// `dockless status [NAME] [--json]`: the services as the running daemon sees them, as a table
// a person reads at a glance (or JSON for scripts); for one NAME, also what its process runs as
// (user, groups, umask, limits, read back from /proc) and what it said with STATUS= and MAINPID=
// on its notify socket. Exit 1 when the daemon is unreachable.
import { Console, Effect } from "effect"
import type { ServiceView } from "../actors/ServiceView.ts"
import type { NamedId, ProcessCredentials } from "../os/ProcCredentials.ts"
import { apiError, connect, ClientFailed } from "./Client.ts"

const duration = (seconds: number | null): string => {
  if (seconds === null) return "-"
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s`
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`
}

const mib = (bytes: number | null) => (bytes === null ? "-" : `${(bytes / 1048576).toFixed(1)}M`)

const lastExit = (v: ServiceView) =>
  v.exit === null ? "-" : v.exit.signal !== null ? v.exit.signal : `code ${v.exit.code ?? "?"}`

export const table = (views: ReadonlyArray<ServiceView>): string => {
  const header = ["NAME", "STATE", "PID", "UPTIME", "RESTARTS", "LAST EXIT", "CPU", "MEM", "PORTS"]
  const rows = views.map((v) => [
    v.name,
    v.state,
    v.pid === null ? "-" : String(v.pid),
    duration(v.uptime_s),
    String(v.restarts),
    lastExit(v),
    v.cpu_percent === null ? "-" : `${v.cpu_percent.toFixed(1)}%`,
    mib(v.rss_bytes),
    v.ports.join(",") || "-",
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd()
  const errors = views.filter((v) => v.error !== null).map((v) => `${v.name}: ${v.error ?? ""}`)
  return [line(header), ...rows.map(line), ...(errors.length > 0 ? ["", ...errors] : [])].join("\n")
}

const named = (n: NamedId) => (n.name === null ? String(n.id) : `${n.name} (${n.id})`)

const units = ["B", "KiB", "MiB", "GiB", "TiB"]

/** Bytes in the largest unit that divides them, as config.toml writes sizes ("8MiB"). */
const sizeText = (bytes: number): string => {
  let unit = 0
  while (unit < units.length - 1 && bytes >= 1024 && bytes % 1024 === 0) {
    bytes /= 1024
    unit += 1
  }
  return `${bytes}${units[unit] ?? "B"}`
}

const limitText = (value: number | "infinity", bytes: boolean) =>
  value === "infinity" ? "infinity" : bytes ? sizeText(value) : String(value)

/** What one service's process runs as, read back from /proc by the daemon. */
export const identityLines = (identity: ProcessCredentials): ReadonlyArray<string> => {
  const limits = (["nofile", "nproc", "core", "memlock"] as const).map((name) => {
    const pair = identity.limits[name]
    const bytes = name === "core" || name === "memlock"
    return pair === null
      ? `${name} -`
      : `${name} ${limitText(pair.soft, bytes)}/${limitText(pair.hard, bytes)}`
  })
  return [
    `user    ${named(identity.user)}  group ${named(identity.group)}`,
    `groups  ${identity.groups.map(named).join(", ") || "-"}`,
    `umask   ${identity.umask ?? "-"}  nice ${identity.nice ?? "-"}  oom_score_adj ${identity.oom_score_adj ?? "-"}`,
    `limits  ${limits.join("  ")}  (soft/hard)`,
  ]
}

/** What one service said on its notify socket (STATUS=, MAINPID=), under its row; nothing if it said nothing. */
export const notifyLines = (view: Pick<ServiceView, "status" | "main_pid">): ReadonlyArray<string> => [
  ...(typeof view.status === "string" ? [`status  ${view.status}`] : []),
  ...(typeof view.main_pid === "number" ? [`main    pid ${view.main_pid} (MAINPID)`] : []),
]

/** The daemon's own answer; checked only as far as the table needs. */
const isView = (value: unknown): value is ServiceView =>
  typeof value === "object" && value !== null && "name" in value && "state" in value

export const status = (configPath: string | undefined, name: string | undefined, asJson: boolean) =>
  Effect.gen(function* () {
    const daemon = yield* connect(configPath)
    const response = yield* daemon.request(
      "GET",
      name === undefined ? "/api/services" : `/api/services/${encodeURIComponent(name)}`,
    )
    if (response.status === 404)
      return yield* new ClientFailed({ message: yield* apiError(response), code: 3 })
    if (!response.ok) return yield* new ClientFailed({ message: yield* apiError(response), code: 1 })
    const body: unknown = yield* Effect.promise(() => response.json())
    if (asJson) {
      yield* Console.log(JSON.stringify(body, null, 2))
      return 0
    }
    const views: ReadonlyArray<ServiceView> = Array.isArray(body) ? body : isView(body) ? [body] : []
    yield* Console.log(views.length === 0 ? "no services" : table(views))
    const told = isView(body) ? notifyLines(body) : []
    if (told.length > 0) yield* Console.log(told.join("\n"))
    const identity = isView(body) ? body.identity : null
    if (identity !== null && identity !== undefined)
      yield* Console.log(["", ...identityLines(identity)].join("\n"))
    // So a user can compare it with what the browser shows on a first visit over the LAN.
    if (daemon.fingerprint !== undefined && name === undefined)
      yield* Console.log(`\nTLS certificate SHA-256 fingerprint: ${daemon.fingerprint}`)
    return 0
  })
