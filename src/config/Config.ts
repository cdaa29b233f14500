// The whole config.toml: top-level settings, [auth], [log], [ports], [defaults] merged under
// every service, [supervisors.*] groups (OTP strategies), and the cross-checks that span
// services. Pure: decodeConfig takes the parsed TOML value; reading the file lives in
// ConfigFile.ts. The file is decoded in two steps because each service needs [defaults] and
// [log] merged under it first; configDocument describes the same file in one piece, for the
// JSON Schema editors use.
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as path from "node:path"
import type { ConfigIssue } from "./ConfigError.ts"
import { crossCheck } from "./CrossChecks.ts"
import { checkNotify, checkUser } from "./HostChecks.ts"
import { checkIdentity } from "./IdentityChecks.ts"
import { decoder, expecting, isTable, joinPath, type Issues, type Table } from "./Decoding.ts"
import { groupOf, GroupTable, type GroupSpec } from "./GroupSpec.ts"
import { decodeNotify, NotifyTable, type NotifySpec } from "./NotifySpec.ts"
import {
  checkName,
  decodeServiceLinks,
  decodeServiceSpec,
  defaultLog,
  Intensity,
  intensityOf,
  type IntensitySpec,
  DefaultsTable,
  defaultsKeys,
  Log,
  logOf,
  ServiceTable,
  type LogSpec,
  type ServiceLinks,
  type ServiceSpec,
} from "./ServiceSpec.ts"
import { PositiveDuration } from "./Duration.ts"
import { NonEmptyText, oneOf, Port, ServiceName } from "./Values.ts"

export type { GroupSpec, Strategy } from "./GroupSpec.ts"

export interface AuthSpec {
  readonly token: Redacted.Redacted<string> | undefined
  readonly token_file: string | undefined
  /** Read-only tokens: they see everything and change nothing. */
  readonly viewer_tokens: ReadonlyArray<Redacted.Redacted<string>>
  readonly viewer_token_file: string | undefined
  /** A token good for GET /metrics only (a Prometheus scrape). */
  readonly metrics_token: Redacted.Redacted<string> | undefined
  readonly metrics_token_file: string | undefined
  /** A session unused this long ends (ms). */
  readonly session_idle: number
  /** A session ends this long after its login, used or not (ms). */
  readonly session_max_age: number
}

/** How the dashboard and API are served: plain HTTP, a certificate Dockless makes, or the user's own. */
export type TlsSpec = Data.TaggedEnum<{
  Plain: {}
  SelfSigned: {}
  Files: { readonly cert: string; readonly key: string }
}>
export const TlsSpec = Data.taggedEnum<TlsSpec>()
export interface Config {
  readonly file: string | undefined
  readonly baseDir: string
  readonly listen_port: number
  readonly listen_host: string
  readonly data_dir: string
  readonly auth: AuthSpec
  readonly http: { readonly tls: TlsSpec }
  readonly log: LogSpec
  readonly ports: { readonly auto_range: readonly [number, number] }
  readonly defaults: Readonly<Record<string, unknown>>
  readonly services: ReadonlyArray<ServiceSpec>
  readonly supervisors: ReadonlyArray<GroupSpec>
  /** The root of the tree: how many services and groups may give up within a period before Dockless itself is at fault. */
  readonly supervisor: { readonly intensity: IntensitySpec }
  /** Where alerts go ([[notify]] tables); none loads nothing of the notifier. */
  readonly notify: ReadonlyArray<NotifySpec>
  /** What the file sets that has no effect, said once when the daemon starts (never an error). */
  readonly notices: ReadonlyArray<string>
}

/**
 * The root's intensity counts escalations (a service or a group that gave up), not restarts:
 * a few broken services are the user's to fix; this many giving up at once is the machine or
 * Dockless failing (a full disk, no memory), which a restart by systemd may cure.
 */
export const defaultRootIntensity: IntensitySpec = { max_restarts: 20, period: 60_000 }

const defaultListenPort = 3080
const defaultListenHost = "0.0.0.0"
const defaultDataDir = "data"
const defaultAutoRange: readonly [number, number] = [20000, 20999]
const HOUR_MS = 3_600_000
const defaultAuth: AuthSpec = {
  token: undefined,
  token_file: undefined,
  viewer_tokens: [],
  viewer_token_file: undefined,
  metrics_token: undefined,
  metrics_token_file: undefined,
  session_idle: 12 * HOUR_MS,
  session_max_age: 7 * 24 * HOUR_MS,
}

/** The config used when no file is found: built-in defaults, no services. */
export const defaultConfig = (cwd: string): Config => ({
  file: undefined,
  baseDir: cwd,
  listen_port: defaultListenPort,
  listen_host: defaultListenHost,
  data_dir: path.resolve(cwd, defaultDataDir),
  auth: defaultAuth,
  http: { tls: TlsSpec.Plain() },
  log: defaultLog,
  ports: { auto_range: defaultAutoRange },
  defaults: {},
  services: [],
  supervisors: [],
  supervisor: { intensity: defaultRootIntensity },
  notify: [],
  notices: [],
})

// ---- the schema ----

/** Keys of [auth] that are two ways to give one value: a value in the file, or a file holding it. */
const exclusivePairs = [
  ["token", "token_file"],
  ["viewer_tokens", "viewer_token_file"],
  ["metrics_token", "metrics_token_file"],
] as const

/** At most one of each pair (one filter: the JSON Schema keeps only one annotation per schema). */
const eitherOr = <A extends object, I, R>(self: Schema.Schema<A, I, R>) =>
  self.pipe(
    Schema.filter(
      (a: A) =>
        exclusivePairs
          .filter(([key, file]) => key in a && file in a)
          .map(([key, file]) => `set either ${key} or ${file}, not both`)[0] ?? true,
      { jsonSchema: { allOf: exclusivePairs.map(([key, file]) => ({ not: { required: [key, file] } })) } },
    ),
  )

const optional = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(schema, { exact: true })

const Auth = Schema.Struct({
  token: optional(NonEmptyText),
  token_file: optional(NonEmptyText),
  viewer_tokens: optional(Schema.Array(NonEmptyText).annotations(expecting("a list of read-only tokens"))),
  viewer_token_file: optional(NonEmptyText),
  metrics_token: optional(NonEmptyText),
  metrics_token_file: optional(NonEmptyText),
  session_idle: optional(PositiveDuration),
  session_max_age: optional(PositiveDuration),
}).pipe(eitherOr)

const TlsFiles = Schema.Struct({ cert: NonEmptyText, key: NonEmptyText }).annotations(
  expecting('a table { cert = "path", key = "path" } of PEM files'),
)
const Http = Schema.Struct({
  tls: optional(
    Schema.Union(oneOf("self-signed"), TlsFiles).annotations(
      expecting(`"self-signed" or { cert = "path", key = "path" }`),
    ),
  ),
})

const AutoRange = Schema.Tuple(Port, Port)
  .annotations(expecting("a range [low, high] of two port numbers from 1 to 65535"))
  .pipe(Schema.filter(([low, high]) => low <= high, expecting("[low, high] with low <= high")))

const Ports = Schema.Struct({ auto_range: Schema.optionalWith(AutoRange, { exact: true }) })

const RootTable = Schema.Struct({ intensity: Schema.optionalWith(Intensity, { exact: true }) })

/** The keys every config file may have, before services and groups; defaults come after the decode. */
const fileFields = {
  listen_port: Schema.optionalWith(Port, { exact: true }),
  listen_host: Schema.optionalWith(NonEmptyText, { exact: true }),
  data_dir: Schema.optionalWith(NonEmptyText, { exact: true }),
  auth: Schema.optionalWith(Auth, { exact: true }),
  http: Schema.optionalWith(Http, { exact: true }),
  log: Schema.optionalWith(Log, { exact: true }),
  ports: Schema.optionalWith(Ports, { exact: true }),
  defaults: Schema.optionalWith(DefaultsTable, { exact: true }),
  supervisor: Schema.optionalWith(RootTable, { exact: true }),
}

const tablesOf = <A, I>(value: Schema.Schema<A, I>, what: string) =>
  Schema.optionalWith(Schema.Record({ key: Schema.String, value }).annotations(expecting(what)), {
    exact: true,
  })

/** The first decoding step: services stay raw tables until [defaults] can be merged under them. */
const ConfigTable = Schema.Struct({
  ...fileFields,
  services: tablesOf(Schema.Unknown, "a table of [services.NAME] tables"),
  supervisors: tablesOf(GroupTable, "a table of [supervisors.NAME] tables"),
  // Decoded on its own, table by table (NotifySpec.ts), so its issues read notify[0].url.
  notify: Schema.optionalWith(Schema.Unknown, { exact: true }),
})

/** config.toml in one piece, for its JSON Schema (built when asked: the daemon never needs it). */
export const configDocument = () =>
  Schema.Struct({
    ...fileFields,
    services: Schema.optionalWith(
      // `command` may come from [defaults] instead (see the document's `if`).
      Schema.Record({
        key: ServiceName,
        value: Schema.Struct({
          ...ServiceTable.fields,
          command: Schema.optionalWith(NonEmptyText, { exact: true }),
        }),
      }),
      { exact: true },
    ),
    supervisors: Schema.optionalWith(Schema.Record({ key: ServiceName, value: GroupTable }), { exact: true }),
    notify: Schema.optionalWith(Schema.Array(NotifyTable), { exact: true }),
  }).annotations({
    title: "Dockless config.toml",
    jsonSchema: {
      // Every service needs a command, unless [defaults] gives one to all.
      if: { required: ["defaults"], properties: { defaults: { required: ["command"] } } },
      else: { properties: { services: { patternProperties: { "": { required: ["command"] } } } } },
    },
  })

// ---- decoding ----

/** Top-level keys in file order: issues are listed in this order, unknown keys first. */
const topLevelKeys = Object.keys(ConfigTable.fields)
const rank = (issue: ConfigIssue) => topLevelKeys.indexOf(issue.path.split(/[.[]/)[0] ?? "")

const decodeTable = decoder(ConfigTable)

const tableAt = (raw: unknown): Table => (isTable(raw) ? raw : {})

/** The [defaults] table without the keys that have issues, so each problem is reported once. */
const usableDefaults = (raw: unknown, issues: Issues): Table =>
  Object.fromEntries(
    Object.entries(tableAt(raw)).filter(([key]) => {
      const at = joinPath("defaults", key)
      return defaultsKeys.includes(key) && !issues.some((i) => i.path === at || i.path.startsWith(`${at}.`))
    }),
  )

/**
 * TOML dates as values no schema accepts. Effect's struct check takes any object, a Date too,
 * and no Dockless key holds a date; the symbol's name is what messages print.
 */
const withoutDates = (value: unknown): unknown => {
  if (value instanceof Date) return Symbol(`a date (${value.toISOString()})`)
  if (Array.isArray(value)) return value.map(withoutDates)
  return isTable(value)
    ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutDates(v)]))
    : value
}

/**
 * A section's value for the checks that still run when the file has problems elsewhere: decoded
 * on its own (unknown keys ignored, they are reported already), or nothing.
 */
const sectionOf = <A, I>(schema: Schema.Schema<A, I>, raw: unknown): A | undefined =>
  raw === undefined ? undefined : Option.getOrUndefined(Schema.decodeUnknownOption(schema)(raw))

export interface DecodeOptions {
  /** Check what the host can give each service's identity keys (IdentityChecks.ts). */
  readonly identity: boolean
}

/** Decodes a parsed config.toml. `file` is its absolute path; relative paths resolve against its directory. */
export const decodeConfig = (
  parsed: unknown,
  file: string,
  options: DecodeOptions = { identity: true },
): Either.Either<Config, Issues> => {
  const baseDir = path.dirname(file)
  const raw = withoutDates(parsed)
  const t = tableAt(raw)
  const decoded = decodeTable(raw, "")
  const fileIssues = Either.isLeft(decoded) ? decoded.left : []
  // With problems in the file, each section still gives what it can for the checks that follow.
  const table = Either.getOrElse(decoded, () => ({
    listen_port: sectionOf(Port, t.listen_port),
    log: sectionOf(Log, t.log),
    supervisors: undefined,
  }))
  const log = logOf(table.log)
  const listenPort = table.listen_port ?? defaultListenPort
  const defaults = usableDefaults(t.defaults, fileIssues)

  const problems: Array<ConfigIssue> = [...fileIssues]
  const serviceTables = tableAt(t.services)
  const services: Array<ServiceSpec> = []
  const links: Array<ServiceLinks> = []
  for (const [name, value] of Object.entries(serviceTables)) {
    const pathPrefix = joinPath("services", name)
    const service = decodeServiceSpec(value, { name, baseDir, defaults, log, pathPrefix })
    if (Either.isLeft(service)) problems.push(...service.left)
    else {
      problems.push(...checkUser(service.right, pathPrefix), ...checkNotify(service.right, pathPrefix))
      if (options.identity) problems.push(...checkIdentity(service.right, pathPrefix))
      services.push(service.right)
    }
    // Cross-checks see every service, also those with other errors, so all problems show at once.
    links.push(Either.isRight(service) ? service.right : decodeServiceLinks(name, value, defaults))
  }
  const supervisors = Object.entries(tableAt(t.supervisors)).flatMap(([name, value]): Array<GroupSpec> => {
    problems.push(...checkName(name, joinPath("supervisors", name), "supervisor name"))
    const group = table.supervisors?.[name] ?? sectionOf(GroupTable, value)
    return group === undefined ? [] : [groupOf(name, group)]
  })

  const notify = decodeNotify(t.notify, baseDir)
  if (Either.isLeft(notify)) problems.push(...notify.left)

  const issues = [
    ...problems.sort((a, b) => rank(a) - rank(b)),
    ...crossCheck(listenPort, supervisors, links, Object.keys(serviceTables)),
  ]
  if (Either.isLeft(decoded) || Either.isLeft(notify) || issues.length > 0) return Either.left(issues)
  const top = decoded.right
  const auth = top.auth
  const resolved = (p: string | undefined) => (p === undefined ? undefined : path.resolve(baseDir, p))
  const secret = (v: string | undefined) => (v === undefined ? undefined : Redacted.make(v))
  const tls = top.http?.tls
  return Either.right({
    file,
    baseDir,
    listen_port: listenPort,
    listen_host: top.listen_host ?? defaultListenHost,
    data_dir: path.resolve(baseDir, top.data_dir ?? defaultDataDir),
    auth: {
      token: secret(auth?.token),
      token_file: resolved(auth?.token_file),
      viewer_tokens: (auth?.viewer_tokens ?? []).map((t: string) => Redacted.make(t)),
      viewer_token_file: resolved(auth?.viewer_token_file),
      metrics_token: secret(auth?.metrics_token),
      metrics_token_file: resolved(auth?.metrics_token_file),
      session_idle: auth?.session_idle ?? defaultAuth.session_idle,
      session_max_age: auth?.session_max_age ?? defaultAuth.session_max_age,
    },
    http: {
      tls:
        tls === undefined
          ? TlsSpec.Plain()
          : tls === "self-signed"
            ? TlsSpec.SelfSigned()
            : TlsSpec.Files({ cert: path.resolve(baseDir, tls.cert), key: path.resolve(baseDir, tls.key) }),
    },
    log,
    ports: { auto_range: top.ports?.auto_range ?? defaultAutoRange },
    defaults,
    services,
    supervisors,
    supervisor: {
      intensity:
        top.supervisor?.intensity === undefined
          ? defaultRootIntensity
          : intensityOf(top.supervisor.intensity),
    },
    notify: notify.right,
    notices: ownIntensityOfMembers(supervisors, serviceTables),
  })
}

/**
 * A group member's own `intensity` is never used: the group counts its restarts, as an OTP
 * supervisor does for its children. It stays valid (SPEC's own example sets one, and the member
 * may leave its group later) and is ignored, said once at start.
 */
const ownIntensityOfMembers = (
  groups: ReadonlyArray<GroupSpec>,
  tables: Readonly<Record<string, unknown>>,
): ReadonlyArray<string> =>
  groups.flatMap((group) =>
    group.children.flatMap((child) => {
      const table = tables[child]
      if (!isTable(table) || table["intensity"] === undefined) return []
      return [
        `${joinPath(joinPath("services", child), "intensity")} is ignored: ${JSON.stringify(child)} is a child of ` +
          `[supervisors.${group.name}], whose intensity counts its restarts`,
      ]
    }),
  )

/**
 * Checks that span services: ports reserved twice or equal to listen_port, unknown or
 * self depends_on, start-order cycles, group children unknown or in two groups. Also used when
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
