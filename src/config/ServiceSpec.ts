// One service's settings: the decoded ServiceSpec, its defaults, and the decoder used both for
// `[services.NAME]` in config.toml and for JSON bodies of the HTTP API (one definition).
// Vocabulary follows OTP's child spec: restart = permanent | transient | temporary
// ("always" | "on-failure" | "never"), intensity = at most max_restarts in period.
import { Either } from "effect"
import { constants as osConstants } from "node:os"
import * as path from "node:path"
import { issue } from "./ConfigError.ts"
import {
  arrayOf,
  boolean,
  collector,
  describe,
  expected,
  fail,
  integer,
  isTable,
  joinPath,
  nonEmptyString,
  number,
  oneOf,
  port,
  table,
  unknownKeys,
  type Collector,
  type Decoder,
  type Issues,
  type Table,
} from "./Decode.ts"
import { duration } from "./Duration.ts"
import { decodeHealth, encodeHealth, type HealthSpec } from "./HealthSpec.ts"
import { resolveCommand } from "./Paths.ts"
import { size } from "./Size.ts"

export type { HealthCheck, HealthSpec } from "./HealthSpec.ts"
export { defaultHealthTiming } from "./HealthSpec.ts"
export { resolveCommand } from "./Paths.ts"
export type RestartPolicy = "always" | "on-failure" | "never"
export interface BackoffSpec {
  readonly initial: number
  readonly max: number
  readonly factor: number
  readonly jitter: number
  readonly reset_after: number
}
export interface IntensitySpec {
  readonly max_restarts: number
  readonly period: number
}
export interface LogSpec {
  readonly enabled: boolean
  readonly max_bytes: number
  readonly keep: number
}
export interface ServiceSpec {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string | undefined
  readonly env: Readonly<Record<string, string>>
  readonly user: string | undefined
  readonly autostart: boolean
  readonly restart: RestartPolicy
  readonly backoff: BackoffSpec
  readonly intensity: IntensitySpec
  readonly stop_signal: NodeJS.Signals
  readonly stop_timeout: number
  readonly ports: ReadonlyArray<number>
  readonly port: "auto" | number | undefined
  readonly depends_on: ReadonlyArray<string>
  readonly memory_max: number | undefined
  readonly health: HealthSpec | undefined
  readonly log: LogSpec
}

export interface DecodeContext {
  readonly name: string
  /** Directory relative paths resolve against (the config file's directory). */
  readonly baseDir: string
  /** The raw [defaults] table, merged under the service's own keys. */
  readonly defaults: unknown
  /** The file-level [log] table, under the service's own `log`. */
  readonly log: LogSpec
  /** Key path of this service in issues: "services.api", or "" for an API body. */
  readonly pathPrefix: string
}

// ---- defaults, in one place (SPEC section 3) ----

export const restartPolicies: ReadonlyArray<RestartPolicy> = ["always", "on-failure", "never"]
export const defaultBackoff: BackoffSpec = {
  initial: 1_000,
  max: 60_000,
  factor: 2,
  jitter: 0.1,
  reset_after: 60_000,
}
export const defaultIntensity: IntensitySpec = { max_restarts: 10, period: 60_000 }
export const defaultLog: LogSpec = { enabled: true, max_bytes: 10 * 1024 * 1024, keep: 5 }
export const defaultRestart: RestartPolicy = "on-failure"
export const defaultStopSignal: NodeJS.Signals = "SIGTERM"
export const defaultStopTimeout = 10_000

export const serviceNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/

/** Every key a service table may have; `name` only appears in API bodies. */
export const serviceKeys: ReadonlyArray<string> = [
  "name",
  "command",
  "args",
  "cwd",
  "env",
  "user",
  "autostart",
  "restart",
  "backoff",
  "intensity",
  "stop_signal",
  "stop_timeout",
  "ports",
  "port",
  "depends_on",
  "memory_max",
  "health",
  "log",
]
/** Keys allowed in [defaults]: any service field but `name`. */
export const defaultsKeys: ReadonlyArray<string> = serviceKeys.filter((key) => key !== "name")
/** Tables that [defaults] merges into a service key by key instead of replacing. */
const mergedTables: ReadonlyArray<string> = ["backoff", "intensity", "log", "env"]

// ---- names ----

/** Issues for a service (or group) name that cannot name files and URLs. */
export const checkName = (name: string, at: string, what = "service name"): Issues =>
  serviceNamePattern.test(name)
    ? []
    : [
        issue(
          at,
          `${what} ${JSON.stringify(name)} is invalid: it must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$ ` +
            `(letters, digits, "_", "." and "-", starting with a letter or digit, at most 63 characters)`,
        ),
      ]

// ---- small decoders ----

const stringList = arrayOf(nonEmptyString, "an array of non-empty strings")
const anyStringList = arrayOf(
  (raw, at) => (typeof raw === "string" ? Either.right(raw) : expected(at, "a string", raw)),
  "an array of strings",
)

const isSignal = (name: string): name is NodeJS.Signals => Object.hasOwn(osConstants.signals, name)

export const signal: Decoder<NodeJS.Signals> = (raw, at) => {
  const upper = typeof raw === "string" ? raw.toUpperCase() : ""
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`
  return typeof raw === "string" && isSignal(name)
    ? Either.right(name)
    : expected(at, `a signal name like "SIGTERM", "TERM", "SIGINT" or "SIGHUP"`, raw)
}

const envTable: Decoder<Readonly<Record<string, string>>> = table((t, at) => {
  const c = collector()
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(t)) {
    const keyPath = joinPath(at, key)
    if (key === "" || key.includes("=") || key.includes("\0"))
      c.add([issue(keyPath, `invalid environment variable name ${JSON.stringify(key)}`)])
    else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      env[key] = String(value)
    else c.add([issue(keyPath, `expected a string, number or boolean, got ${describe(value)}`)])
  }
  return c.done(() => env)
}, "a table of environment variables")

const portList: Decoder<ReadonlyArray<number>> = (raw, at) =>
  Either.flatMap(arrayOf(port, "an array of port numbers")(raw, at), (ports) => {
    const twice = ports.find((p, i) => ports.indexOf(p) !== i)
    return twice === undefined ? Either.right(ports) : fail(at, `port ${twice} is listed twice`)
  })

const autoOrPort: Decoder<"auto" | number> = (raw, at) =>
  raw === "auto"
    ? Either.right("auto")
    : Either.mapLeft(port(raw, at), () => [
        issue(at, `expected "auto" or a port number from 1 to 65535, got ${describe(raw)}`),
      ])

// ---- nested tables ----

export const decodeBackoff = (base: BackoffSpec): Decoder<BackoffSpec> =>
  table((t, at) => {
    const c = collector()
    c.add(unknownKeys(t, at, ["initial", "max", "factor", "jitter", "reset_after"]))
    const initial = c.field(t, at, "initial", duration()) ?? base.initial
    const max = c.field(t, at, "max", duration()) ?? base.max
    const factor =
      c.field(t, at, "factor", number(1, 1000, "a number of at least 1 (like 2.0)")) ?? base.factor
    const jitter = c.field(t, at, "jitter", number(0, 1, "a number from 0 to 1 (like 0.1)")) ?? base.jitter
    const reset_after = c.field(t, at, "reset_after", duration()) ?? base.reset_after
    if (c.issues().length === 0 && initial > max)
      c.add([issue(joinPath(at, "initial"), `expected at most backoff.max (${max} ms), got ${initial} ms`)])
    return c.done(() => ({ initial, max, factor, jitter, reset_after }))
  })

export const decodeIntensity: Decoder<IntensitySpec> = table((t, at) => {
  const c = collector()
  c.add(unknownKeys(t, at, ["max_restarts", "period"]))
  const max_restarts =
    c.field(t, at, "max_restarts", integer(0, 1_000_000, "an integer of at least 0")) ??
    defaultIntensity.max_restarts
  const period = c.field(t, at, "period", duration(1)) ?? defaultIntensity.period
  return c.done(() => ({ max_restarts, period }))
})

export const decodeLog = (base: LogSpec): Decoder<LogSpec> =>
  table((t, at) => {
    const c = collector()
    c.add(unknownKeys(t, at, ["enabled", "max_bytes", "keep"]))
    const enabled = c.field(t, at, "enabled", boolean) ?? base.enabled
    const max_bytes = c.field(t, at, "max_bytes", size(1)) ?? base.max_bytes
    const keep = c.field(t, at, "keep", integer(0, 1000, "an integer from 0 to 1000")) ?? base.keep
    return c.done(() => ({ enabled, max_bytes, keep }))
  })

// ---- the service table ----

/** [defaults] under the service: the service wins, and backoff/intensity/log/env merge key by key. */
export const mergeDefaults = (defaults: unknown, service: Table): Table => {
  if (!isTable(defaults)) return service
  const merged: Record<string, unknown> = { ...defaults, ...service }
  for (const key of mergedTables) {
    const base = defaults[key]
    const own = service[key]
    if (isTable(base) && isTable(own)) merged[key] = { ...base, ...own }
  }
  return merged
}

/** Decodes every optional field present in `t`; what is absent stays undefined. */
const readFields = (t: Table, at: string, baseDir: string, log: LogSpec, c: Collector) => {
  const command = c.field(t, at, "command", nonEmptyString)
  const cwd = c.field(t, at, "cwd", nonEmptyString)
  return {
    command: command === undefined ? undefined : resolveCommand(command, baseDir),
    args: c.field(t, at, "args", anyStringList),
    cwd: cwd === undefined ? undefined : path.resolve(baseDir, cwd),
    env: c.field(t, at, "env", envTable),
    user: c.field(t, at, "user", nonEmptyString),
    autostart: c.field(t, at, "autostart", boolean),
    restart: c.field(t, at, "restart", oneOf(restartPolicies)),
    backoff: c.field(t, at, "backoff", decodeBackoff(defaultBackoff)),
    intensity: c.field(t, at, "intensity", decodeIntensity),
    stop_signal: c.field(t, at, "stop_signal", signal),
    stop_timeout: c.field(t, at, "stop_timeout", duration()),
    ports: c.field(t, at, "ports", portList),
    port: c.field(t, at, "port", autoOrPort),
    depends_on: c.field(t, at, "depends_on", stringList),
    memory_max: c.field(t, at, "memory_max", size(1)),
    health: c.field(t, at, "health", decodeHealth(baseDir)),
    log: c.field(t, at, "log", decodeLog(log)),
  }
}

/** Issues in a raw [defaults] table (every service field optional, `name` not allowed). */
export const checkDefaults = (raw: unknown, at: string, baseDir: string): Issues => {
  if (!isTable(raw)) return [issue(at, `expected a table of service settings, got ${describe(raw)}`)]
  const c = collector()
  c.add(unknownKeys(raw, at, defaultsKeys))
  readFields(raw, at, baseDir, defaultLog, c)
  return c.issues()
}

const missingCommand = (at: string) =>
  issue(
    joinPath(at, "command"),
    `is required: the program to run (an absolute path, a path relative to the config file, or a name found on PATH)`,
  )

export const decodeServiceSpec = (raw: unknown, ctx: DecodeContext): Either.Either<ServiceSpec, Issues> => {
  const at = ctx.pathPrefix
  if (!isTable(raw)) return expected(at, "a table of service settings", raw)
  const c = collector()
  c.add(checkName(ctx.name, at === "" ? "name" : at))
  if (raw.name !== undefined && raw.name !== ctx.name)
    c.add([issue(joinPath(at, "name"), `expected ${JSON.stringify(ctx.name)}, got ${describe(raw.name)}`)])
  const t = mergeDefaults(ctx.defaults, raw)
  c.add(unknownKeys(t, at, serviceKeys))
  const f = readFields(t, at, ctx.baseDir, ctx.log, c)
  if (t.command === undefined) c.add([missingCommand(at)])
  const command = f.command
  if (command === undefined) return Either.left(c.issues())
  return c.done(() => ({
    name: ctx.name,
    command,
    args: f.args ?? [],
    cwd: f.cwd,
    env: f.env ?? {},
    user: f.user,
    autostart: f.autostart ?? true,
    restart: f.restart ?? defaultRestart,
    backoff: f.backoff ?? defaultBackoff,
    intensity: f.intensity ?? defaultIntensity,
    stop_signal: f.stop_signal ?? defaultStopSignal,
    stop_timeout: f.stop_timeout ?? defaultStopTimeout,
    ports: f.ports ?? [],
    port: f.port,
    depends_on: f.depends_on === undefined ? [] : [...new Set(f.depends_on)],
    memory_max: f.memory_max,
    health: f.health,
    log: f.log ?? ctx.log,
  }))
}

/** The fields cross-checks look at (ports and dependencies), by name. */
export type ServiceLinks = Pick<ServiceSpec, "name" | "ports" | "port" | "depends_on">

/**
 * Ports and depends_on of a service table whatever else is wrong with it, so the cross-checks
 * still run (and report) when a service has other errors; invalid fields count as empty.
 */
export const decodeServiceLinks = (name: string, raw: unknown, defaults: unknown): ServiceLinks => {
  const t = isTable(raw) ? mergeDefaults(defaults, raw) : {}
  const c = collector()
  return {
    name,
    ports: c.field(t, "", "ports", portList) ?? [],
    port: c.field(t, "", "port", autoOrPort),
    depends_on: c.field(t, "", "depends_on", stringList) ?? [],
  }
}

// ---- encoding back to a table ----

/** A plain JSON-able table (durations in ms, sizes in bytes) that decodeServiceSpec accepts again. */
export const encodeServiceSpec = (spec: ServiceSpec): Record<string, unknown> => {
  const table: Record<string, unknown> = {
    name: spec.name,
    command: spec.command,
    args: [...spec.args],
    env: { ...spec.env },
    autostart: spec.autostart,
    restart: spec.restart,
    backoff: { ...spec.backoff },
    intensity: { ...spec.intensity },
    stop_signal: spec.stop_signal,
    stop_timeout: spec.stop_timeout,
    ports: [...spec.ports],
    depends_on: [...spec.depends_on],
    log: { ...spec.log },
  }
  if (spec.cwd !== undefined) table.cwd = spec.cwd
  if (spec.user !== undefined) table.user = spec.user
  if (spec.port !== undefined) table.port = spec.port
  if (spec.memory_max !== undefined) table.memory_max = spec.memory_max
  if (spec.health !== undefined) table.health = encodeHealth(spec.health)
  return table
}
