// The whole config.toml: top-level settings, [auth], [log], [ports], [defaults] merged under
// every service, [supervisors.*] groups (OTP strategies), and the cross-checks that span
// services (port reservations, depends_on, cycles, group membership). Pure: decodeConfig takes
// the parsed TOML value; reading the file lives in ConfigFile.ts.
import { Either, Redacted } from "effect"
import * as path from "node:path"
import { issue, type ConfigIssue } from "./ConfigError.ts"
import {
  arrayOf,
  collector,
  expected,
  isTable,
  joinPath,
  nonEmptyString,
  oneOf,
  port,
  table,
  unknownKeys,
  type Decoder,
  type Issues,
  type Table,
} from "./Decode.ts"
import {
  checkDefaults,
  checkName,
  decodeIntensity,
  decodeLog,
  decodeServiceLinks,
  decodeServiceSpec,
  defaultIntensity,
  defaultLog,
  defaultsKeys,
  type IntensitySpec,
  type LogSpec,
  type ServiceSpec,
} from "./ServiceSpec.ts"
import { crossCheck } from "./CrossChecks.ts"

export type Strategy = "one_for_one" | "one_for_all" | "rest_for_one"
export interface GroupSpec {
  readonly name: string
  readonly strategy: Strategy
  readonly children: ReadonlyArray<string>
  readonly intensity: IntensitySpec
}
export interface AuthSpec {
  readonly token: Redacted.Redacted<string> | undefined
  readonly token_file: string | undefined
}
export interface Config {
  readonly file: string | undefined
  readonly baseDir: string
  readonly listen_port: number
  readonly listen_host: string
  readonly data_dir: string
  readonly auth: AuthSpec
  readonly log: LogSpec
  readonly ports: { readonly auto_range: readonly [number, number] }
  readonly defaults: Readonly<Record<string, unknown>>
  readonly services: ReadonlyArray<ServiceSpec>
  readonly supervisors: ReadonlyArray<GroupSpec>
}

export const strategies: ReadonlyArray<Strategy> = ["one_for_one", "one_for_all", "rest_for_one"]
export const defaultListenPort = 3080
export const defaultListenHost = "0.0.0.0"
export const defaultDataDir = "data"
export const defaultAutoRange: readonly [number, number] = [20000, 20999]
const topLevelKeys = [
  "listen_port",
  "listen_host",
  "data_dir",
  "auth",
  "log",
  "ports",
  "defaults",
  "services",
  "supervisors",
]

/** The config used when no file is found: built-in defaults, no services. */
export const defaultConfig = (cwd: string): Config => ({
  file: undefined,
  baseDir: cwd,
  listen_port: defaultListenPort,
  listen_host: defaultListenHost,
  data_dir: path.resolve(cwd, defaultDataDir),
  auth: { token: undefined, token_file: undefined },
  log: defaultLog,
  ports: { auto_range: defaultAutoRange },
  defaults: {},
  services: [],
  supervisors: [],
})

// ---- sections ----

const decodeAuth = (baseDir: string): Decoder<AuthSpec> =>
  table((t, at) => {
    const c = collector()
    c.add(unknownKeys(t, at, ["token", "token_file"]))
    const token = c.field(t, at, "token", nonEmptyString)
    const tokenFile = c.field(t, at, "token_file", nonEmptyString)
    if (t.token !== undefined && t.token_file !== undefined)
      c.add([issue(at, "set either token or token_file, not both")])
    return c.done(() => ({
      token: token === undefined ? undefined : Redacted.make(token),
      token_file: tokenFile === undefined ? undefined : path.resolve(baseDir, tokenFile),
    }))
  })

const autoRange: Decoder<readonly [number, number]> = (raw, at) => {
  const what = "a range [low, high] of two port numbers from 1 to 65535"
  if (!Array.isArray(raw) || raw.length !== 2) return expected(at, what, raw)
  return Either.flatMap(arrayOf(port, what)(raw, at), ([lo = 0, hi = 0]) =>
    lo <= hi ? Either.right([lo, hi] as const) : expected(at, "[low, high] with low <= high", raw),
  )
}

const decodePorts: Decoder<{ readonly auto_range: readonly [number, number] }> = table((t, at) => {
  const c = collector()
  c.add(unknownKeys(t, at, ["auto_range"]))
  const auto_range = c.field(t, at, "auto_range", autoRange) ?? defaultAutoRange
  return c.done(() => ({ auto_range }))
})

const decodeGroup = (name: string): Decoder<GroupSpec> =>
  table((t, at) => {
    const c = collector()
    c.add(checkName(name, at, "supervisor name"))
    c.add(unknownKeys(t, at, ["strategy", "children", "intensity"]))
    const strategy = c.field(t, at, "strategy", oneOf(strategies)) ?? "one_for_one"
    const children = c.field(t, at, "children", arrayOf(nonEmptyString, "an array of service names"))
    if (children === undefined && t.children === undefined)
      c.add([
        issue(joinPath(at, "children"), "is required: the services this group supervises, in start order"),
      ])
    else if (children !== undefined && children.length === 0)
      c.add([issue(joinPath(at, "children"), "expected at least one service name, got []")])
    const intensity = c.field(t, at, "intensity", decodeIntensity) ?? defaultIntensity
    return c.done(() => ({ name, strategy, children: children ?? [], intensity }))
  })

/** A table of named tables (`[services.*]`, `[supervisors.*]`), decoded entry by entry, in order. */
const namedTables = <A>(
  t: Table,
  at: string,
  decode: (name: string, raw: unknown, at: string) => Either.Either<A, Issues>,
) => {
  const c = collector()
  const values = Object.entries(t).map(([name, raw]) => c.take(decode(name, raw, joinPath(at, name))))
  return c.done(() => values.filter((v): v is A => v !== undefined))
}

/** The [defaults] table without the keys that have issues, so each problem is reported once. */
const usableDefaults = (raw: Table, issues: Issues): Table =>
  Object.fromEntries(
    Object.entries(raw).filter(([key]) => {
      const at = joinPath("defaults", key)
      return defaultsKeys.includes(key) && !issues.some((i) => i.path === at || i.path.startsWith(`${at}.`))
    }),
  )

// ---- the whole file ----

/** Decodes a parsed config.toml. `file` is its absolute path; relative paths resolve against its directory. */
export const decodeConfig = (raw: unknown, file: string): Either.Either<Config, Issues> => {
  if (!isTable(raw)) return expected("", "a TOML table at the top level", raw)
  const baseDir = path.dirname(file)
  const c = collector()
  c.add(unknownKeys(raw, "", topLevelKeys))
  const listen_port = c.field(raw, "", "listen_port", port) ?? defaultListenPort
  const listen_host = c.field(raw, "", "listen_host", nonEmptyString) ?? defaultListenHost
  const data_dir = path.resolve(baseDir, c.field(raw, "", "data_dir", nonEmptyString) ?? defaultDataDir)
  const auth = c.field(raw, "", "auth", decodeAuth(baseDir)) ?? { token: undefined, token_file: undefined }
  const log = c.field(raw, "", "log", decodeLog(defaultLog)) ?? defaultLog
  const ports = c.field(raw, "", "ports", decodePorts) ?? { auto_range: defaultAutoRange }

  const rawDefaults = raw.defaults ?? {}
  const defaultsIssues = checkDefaults(rawDefaults, "defaults", baseDir)
  c.add(defaultsIssues)
  const defaults = isTable(rawDefaults) ? usableDefaults(rawDefaults, defaultsIssues) : {}

  const serviceTables =
    c.field(
      raw,
      "",
      "services",
      table((t) => Either.right(t), "a table of [services.NAME] tables"),
    ) ?? {}
  const services =
    c.take(
      namedTables(serviceTables, "services", (name, value, at) =>
        decodeServiceSpec(value, { name, baseDir, defaults, log, pathPrefix: at }),
      ),
    ) ?? []
  const groupTables =
    c.field(
      raw,
      "",
      "supervisors",
      table((t) => Either.right(t), "a table of [supervisors.NAME] tables"),
    ) ?? {}
  const supervisors =
    c.take(
      namedTables(groupTables, "supervisors", (name, value) =>
        decodeGroup(name)(value, joinPath("supervisors", name)),
      ),
    ) ?? []

  // Cross-checks see every service, also those with other errors, so all problems show at once.
  const links = Object.entries(serviceTables).map(([name, value]) =>
    decodeServiceLinks(name, value, defaults),
  )
  c.add(crossCheck(listen_port, supervisors, links, Object.keys(serviceTables)))
  return c.done(() => ({
    file,
    baseDir,
    listen_port,
    listen_host,
    data_dir,
    auth,
    log,
    ports,
    defaults,
    services,
    supervisors,
  }))
}

/**
 * Checks that span services: ports reserved twice or equal to listen_port, unknown or
 * self depends_on, depends_on cycles, group children unknown or in two groups. Also used when
 * a service is registered through the API: pass the existing services plus the new one.
 */
export const checkServices = (
  config: Pick<Config, "listen_port" | "supervisors">,
  services: ReadonlyArray<ServiceSpec>,
): ReadonlyArray<ConfigIssue> =>
  crossCheck(
    config.listen_port,
    config.supervisors,
    services,
    services.map((s) => s.name),
  )
