// One service's settings: the Schema of a `[services.NAME]` table, used both for config.toml and
// for JSON bodies of the HTTP API (one definition), its defaults, and the steps around the decode
// that need context: [defaults] and [log] merged under the table, the name checked, relative
// paths resolved. Vocabulary follows OTP's child spec: restart = permanent | transient |
// temporary ("always" | "on-failure" | "never"), intensity = at most max_restarts in period.
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as path from "node:path"
import { issue } from "./ConfigError.ts"
import {
  decoder,
  describe,
  encoder,
  expecting,
  isTable,
  joinPath,
  type Issues,
  type Table,
} from "./Decoding.ts"
import { Duration, PositiveDuration } from "./Duration.ts"
import { Health } from "./HealthSpec.ts"
import { Ready, Watchdog } from "./ReadySpec.ts"
import { GroupList, GroupName, Limits, Nice, OomScoreAdjust, Umask } from "./IdentitySpec.ts"
import { defaultJobType, defaultOverlap, JobTypeValue, OverlapValue, ScheduleValue } from "./JobSpec.ts"
import { KubernetesTable } from "./KubernetesSpec.ts"
import { resolveCommand } from "./Paths.ts"
import { redactEnv } from "./Secrets.ts"
import { PositiveSize } from "./Size.ts"
import {
  AutoOrPort,
  Flag,
  IntegerIn,
  NonEmptyText,
  NumberIn,
  oneOf,
  Port,
  serviceNamePattern,
  serviceNameRule,
  StopSignal,
  Text,
} from "./Values.ts"

export type { HealthCheck, HealthSpec } from "./HealthSpec.ts"
export type { ReadySpec } from "./ReadySpec.ts"

// ---- defaults, in one place (SPEC section 3) ----

const restartPolicies = ["always", "on-failure", "never"] as const
export type RestartPolicy = (typeof restartPolicies)[number]
export const defaultBackoff = { initial: 1_000, max: 60_000, factor: 2, jitter: 0.1, reset_after: 60_000 }
export const defaultIntensity = { max_restarts: 10, period: 60_000 }
export const defaultLog = { enabled: true, max_bytes: 10 * 1024 * 1024, keep: 5 }
const defaultRestart: RestartPolicy = "on-failure"
const defaultStopSignal: NodeJS.Signals = "SIGTERM"
const defaultStopTimeout = 10_000
/** systemd's DefaultTimeoutStartSec: how long a service with `ready` may take to become ready. */
const defaultStartTimeout = 90_000

// ---- nested tables ----
// Every key is optional in the Schemas; what absence means is filled in after the decode, from
// the defaults above. (Schema's own defaults cost a second set of parsers per table: measured
// as twice the heap and a re-validation of every decoded value.)

/** A key that may be left out, nothing filled in by the Schema. */
const optional = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(schema, { exact: true })

export const Backoff = Schema.Struct({
  initial: optional(Duration),
  max: optional(Duration),
  factor: optional(NumberIn(1, 1000, "a number of at least 1 (like 2.0)")),
  jitter: optional(NumberIn(0, 1, "a number from 0 to 1 (like 0.1)")),
  reset_after: optional(Duration),
}).pipe(
  Schema.filter((b) => {
    const { initial, max } = { ...defaultBackoff, ...b }
    return initial <= max
      ? true
      : { path: ["initial"], message: `expected at most backoff.max (${max} ms), got ${initial} ms` }
  }),
)
export interface BackoffSpec extends Required<typeof Backoff.Type> {}
export const backoffOf = (table: typeof Backoff.Type | undefined): BackoffSpec => ({
  ...defaultBackoff,
  ...table,
})

export const Intensity = Schema.Struct({
  max_restarts: optional(IntegerIn(0, 1_000_000, "an integer from 0 to 1000000")),
  period: optional(PositiveDuration),
})
export interface IntensitySpec extends Required<typeof Intensity.Type> {}
export const intensityOf = (table: typeof Intensity.Type | undefined): IntensitySpec => ({
  ...defaultIntensity,
  ...table,
})

export const Log = Schema.Struct({
  enabled: optional(Flag),
  max_bytes: optional(PositiveSize),
  keep: optional(IntegerIn(0, 1000)),
})
export interface LogSpec extends Required<typeof Log.Type> {}
export const logOf = (table: typeof Log.Type | undefined): LogSpec => ({ ...defaultLog, ...table })

const EnvName = Schema.String.pipe(Schema.pattern(/^[^=\x00]+$/)).annotations(
  expecting(`an environment variable name (not empty, no "=" or NUL)`),
)

const EnvValue = Schema.transform(
  Schema.Union(Schema.String, Schema.Number, Schema.Boolean).annotations(
    expecting("a string, number or boolean"),
  ),
  Schema.String,
  { strict: true, decode: (value) => String(value), encode: (text) => text },
)

const Env = Schema.Record({ key: EnvName, value: EnvValue }).annotations(
  expecting("a table of environment variables"),
)

const EnvNames = Schema.Array(EnvName).annotations(
  expecting("an array of environment variable names whose values are secret"),
)

const PortList = Schema.Array(Port)
  .annotations(expecting("an array of port numbers"))
  .pipe(
    Schema.filter(
      (ports) => {
        const twice = ports.find((p, i) => ports.indexOf(p) !== i)
        return twice === undefined || `port ${twice} is listed twice`
      },
      { jsonSchema: { uniqueItems: true } },
    ),
  )

const NameList = Schema.Array(NonEmptyText).annotations(expecting("an array of non-empty strings"))

// ---- the service table ----

/** What each key of a service table holds; the table below adds what absence means. */
const serviceValues = {
  command: NonEmptyText,
  args: Schema.Array(Text).annotations(expecting("an array of strings")),
  cwd: NonEmptyText,
  env: Env,
  env_file: NonEmptyText.annotations(
    expecting("a path to a file of KEY=VALUE lines (like systemd's EnvironmentFile)"),
  ),
  secret_env: EnvNames,
  user: NonEmptyText,
  group: GroupName,
  supplementary_groups: GroupList,
  umask: Umask,
  limits: Limits,
  nice: Nice,
  oom_score_adjust: OomScoreAdjust,
  autostart: Flag,
  restart: oneOf(...restartPolicies),
  backoff: Backoff,
  intensity: Intensity,
  stop_signal: StopSignal,
  stop_timeout: Duration,
  ports: PortList,
  port: AutoOrPort,
  depends_on: NameList,
  memory_max: PositiveSize,
  health: Health,
  ready: Ready,
  start_timeout: PositiveDuration,
  watchdog: Watchdog,
  log: Log,
  type: JobTypeValue,
  schedule: ScheduleValue,
  overlap: OverlapValue,
  catch_up: Flag,
  kubernetes: KubernetesTable,
}

const commandMeaning =
  "the program to run (an absolute path, a path relative to the config file, or a name found on PATH)"

/** A `[services.NAME]` table, or an API body (where `name` may be given too). Keys in message order. */
export const ServiceTable = Schema.Struct({
  name: optional(Schema.String),
  command: Schema.propertySignature(serviceValues.command).annotations({
    missingMessage: () => `is required: ${commandMeaning}`,
  }),
  args: optional(serviceValues.args),
  cwd: optional(serviceValues.cwd),
  env: optional(serviceValues.env),
  env_file: optional(serviceValues.env_file),
  secret_env: optional(serviceValues.secret_env),
  user: optional(serviceValues.user),
  group: optional(serviceValues.group),
  supplementary_groups: optional(serviceValues.supplementary_groups),
  umask: optional(serviceValues.umask),
  limits: optional(serviceValues.limits),
  nice: optional(serviceValues.nice),
  oom_score_adjust: optional(serviceValues.oom_score_adjust),
  autostart: optional(serviceValues.autostart),
  restart: optional(serviceValues.restart),
  backoff: optional(serviceValues.backoff),
  intensity: optional(serviceValues.intensity),
  stop_signal: optional(serviceValues.stop_signal),
  stop_timeout: optional(serviceValues.stop_timeout),
  ports: optional(serviceValues.ports),
  port: optional(serviceValues.port),
  depends_on: optional(serviceValues.depends_on),
  memory_max: optional(serviceValues.memory_max),
  health: optional(serviceValues.health),
  ready: optional(serviceValues.ready),
  start_timeout: optional(serviceValues.start_timeout),
  watchdog: optional(serviceValues.watchdog),
  log: optional(serviceValues.log),
  type: optional(serviceValues.type),
  schedule: optional(serviceValues.schedule),
  overlap: optional(serviceValues.overlap),
  catch_up: optional(serviceValues.catch_up),
  kubernetes: optional(serviceValues.kubernetes),
})
type Table_ = typeof ServiceTable.Type

/** Keys that stay undefined when absent; every other key has a default. */
type Unset =
  | "cwd"
  | "env_file"
  | "user"
  | "group"
  | "umask"
  | "nice"
  | "oom_score_adjust"
  | "port"
  | "memory_max"
  | "health"
  | "ready"
  | "schedule"
  | "watchdog"
  | "kubernetes"

/** A service as everything below config/ sees it: every key present, defaults filled in. */
export interface ServiceSpec extends Readonly<{
  [K in Exclude<keyof Table_, "name" | "backoff" | "intensity" | "log">]-?: K extends Unset
    ? Table_[K] | undefined
    : Exclude<Table_[K], undefined>
}> {
  readonly name: string
  readonly backoff: BackoffSpec
  readonly intensity: IntensitySpec
  readonly log: LogSpec
}

/** The decoded table with its defaults (SPEC section 3), named. */
const specOf = (t: Table_, name: string): ServiceSpec => ({
  name,
  command: t.command,
  args: t.args ?? [],
  cwd: t.cwd,
  env: t.env ?? {},
  env_file: t.env_file,
  secret_env: t.secret_env ?? [],
  user: t.user,
  group: t.group,
  supplementary_groups: t.supplementary_groups ?? [],
  umask: t.umask,
  limits: t.limits ?? {},
  nice: t.nice,
  oom_score_adjust: t.oom_score_adjust,
  autostart: t.autostart ?? true,
  restart: t.restart ?? defaultRestart,
  backoff: backoffOf(t.backoff),
  intensity: intensityOf(t.intensity),
  stop_signal: t.stop_signal ?? defaultStopSignal,
  stop_timeout: t.stop_timeout ?? defaultStopTimeout,
  ports: t.ports ?? [],
  port: t.port,
  depends_on: t.depends_on ?? [],
  memory_max: t.memory_max,
  health: t.health,
  ready: t.ready,
  start_timeout: t.start_timeout ?? defaultStartTimeout,
  watchdog: t.watchdog,
  log: logOf(t.log),
  type: t.type ?? defaultJobType,
  schedule: t.schedule,
  overlap: t.overlap ?? defaultOverlap,
  catch_up: t.catch_up ?? false,
  kubernetes: t.kubernetes,
})

/** [defaults]: any service key but `name`, none required, nothing filled in. */
export const DefaultsTable = Schema.Struct(
  Object.fromEntries(
    Object.entries<Schema.Schema.AnyNoContext>(serviceValues).map(([key, schema]) => [
      key,
      Schema.optionalWith(schema, { exact: true }),
    ]),
  ),
).annotations(expecting("a table of service settings"))

/** Keys allowed in [defaults]: any service key but `name`. */
export const defaultsKeys: ReadonlyArray<string> = Object.keys(serviceValues)
/** Tables that [defaults] merges into a service key by key instead of replacing. */
const mergedTables: ReadonlyArray<string> = ["backoff", "intensity", "log", "env", "limits"]

// ---- the steps around the decode ----

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

/** Issues for a service (or group) name that cannot name files and URLs. */
export const checkName = (name: string, at: string, what = "service name"): Issues =>
  serviceNamePattern.test(name)
    ? []
    : [
        issue(
          at,
          `${what} ${JSON.stringify(name)} is invalid: it must match ${serviceNameRule} ` +
            `(letters, digits, "_", "." and "-", starting with a letter or digit, at most 63 characters)`,
        ),
      ]

/** [defaults] under the service: the service wins, and backoff/intensity/log/env/limits merge key by key. */
const mergeDefaults = (defaults: unknown, service: Table): Table => {
  if (!isTable(defaults)) return service
  const merged: Record<string, unknown> = { ...defaults, ...service }
  for (const key of mergedTables) {
    const base = defaults[key]
    const own = service[key]
    if (isTable(base) && isTable(own)) merged[key] = { ...base, ...own }
  }
  return merged
}

/** The file's [log] under the service's `log`, key by key (a `log` that is not a table is left to fail). */
const withFileLog = (t: Table, log: LogSpec): Table =>
  t.log === undefined ? { ...t, log } : isTable(t.log) ? { ...t, log: { ...log, ...t.log } } : t

const decodeTable = decoder(ServiceTable)

/**
 * A schedule starts runs that must end before the next one: only a oneshot does. On a
 * long-running service ("always" restarted) every firing would find it still running, so it is
 * refused rather than silently skipped for ever.
 */
const checkJob = (t: Table_, at: string): Issues =>
  t.schedule !== undefined && (t.type ?? defaultJobType) !== "oneshot"
    ? [
        issue(
          joinPath(at, "schedule"),
          'needs type = "oneshot": a scheduled run must end before the next one (a long-running service would skip every firing)',
        ),
      ]
    : []

const resolvePaths = (spec: ServiceSpec, baseDir: string): ServiceSpec => {
  const check = spec.health?.check
  return {
    ...spec,
    command: resolveCommand(spec.command, baseDir),
    cwd: spec.cwd === undefined ? undefined : path.resolve(baseDir, spec.cwd),
    env_file: spec.env_file === undefined ? undefined : path.resolve(baseDir, spec.env_file),
    depends_on: [...new Set(spec.depends_on)],
    health:
      spec.health === undefined || check?._tag !== "exec"
        ? spec.health
        : {
            ...spec.health,
            check: {
              _tag: "exec",
              command: check.command.map((arg, i) => (i === 0 ? resolveCommand(arg, baseDir) : arg)),
            },
          },
  }
}

export const decodeServiceSpec = (raw: unknown, ctx: DecodeContext): Either.Either<ServiceSpec, Issues> => {
  const at = ctx.pathPrefix
  if (!isTable(raw))
    return Either.left([issue(at, `expected a table of service settings, got ${describe(raw)}`)])
  const problems = [...checkName(ctx.name, at === "" ? "name" : at)]
  if (typeof raw.name === "string" && raw.name !== ctx.name)
    problems.push(
      issue(joinPath(at, "name"), `expected ${JSON.stringify(ctx.name)}, got ${describe(raw.name)}`),
    )
  const decoded = decodeTable(withFileLog(mergeDefaults(ctx.defaults, raw), ctx.log), at)
  if (Either.isRight(decoded)) problems.push(...checkJob(decoded.right, at))
  if (Either.isLeft(decoded)) return Either.left([...problems, ...decoded.left])
  if (problems.length > 0) return Either.left(problems)
  return Either.right(resolvePaths(specOf(decoded.right, ctx.name), ctx.baseDir))
}

/** The fields cross-checks look at (ports and dependencies), by name. */
export type ServiceLinks = Pick<ServiceSpec, "name" | "ports" | "port" | "depends_on">

/**
 * Ports and depends_on of a service table whatever else is wrong with it, so the cross-checks
 * still run (and report) when a service has other errors; invalid fields count as empty.
 */
export const decodeServiceLinks = (name: string, raw: unknown, defaults: unknown): ServiceLinks => {
  const t = isTable(raw) ? mergeDefaults(defaults, raw) : {}
  return {
    name,
    ports: Option.getOrElse(Schema.decodeUnknownOption(serviceValues.ports)(t.ports), () => []),
    port: Option.getOrUndefined(Schema.decodeUnknownOption(serviceValues.port)(t.port)),
    depends_on: Option.getOrElse(
      Schema.decodeUnknownOption(serviceValues.depends_on)(t.depends_on),
      () => [],
    ),
  }
}

// ---- encoding back to a table ----

/** A service table as JSON carries it: its name plus the table's keys, durations in ms, sizes in bytes. */
export type ServiceTableJson = typeof ServiceTable.Encoded & { readonly name: string }

/** A spec never changes, and its view is rebuilt on every state change: each is encoded once. */
const encoded = new WeakMap<ServiceSpec, ServiceTableJson>()

const encodeHealth = encoder(Health)
const encodeReady = encoder(Ready)

/**
 * A plain JSON-able table that decodeServiceSpec accepts again. Only `health` and `ready` change shape; every
 * other key's decoded value is already its JSON (milliseconds, bytes, "SIGTERM"), which the
 * compiler checks against the table's encoded type, so only those two are run through their Schemas.
 * This is where a spec leaves memory (views, API answers, SSE, services.json), so the values of
 * `secret_env` keys are redacted here, once (Secrets.ts).
 */
export const encodeServiceSpec = (spec: ServiceSpec): ServiceTableJson => {
  const known = encoded.get(spec)
  if (known !== undefined) return known
  const {
    name,
    cwd,
    env_file,
    user,
    group,
    umask,
    nice,
    oom_score_adjust,
    port,
    memory_max,
    health,
    ready,
    watchdog,
    env,
    schedule,
    kubernetes,
    ...always
  } = spec
  const table: ServiceTableJson = {
    name,
    ...always,
    env: redactEnv(env, spec.secret_env),
    ...(cwd === undefined ? {} : { cwd }),
    ...(env_file === undefined ? {} : { env_file }),
    ...(user === undefined ? {} : { user }),
    ...(group === undefined ? {} : { group }),
    ...(umask === undefined ? {} : { umask }),
    ...(nice === undefined ? {} : { nice }),
    ...(oom_score_adjust === undefined ? {} : { oom_score_adjust }),
    ...(port === undefined ? {} : { port }),
    ...(memory_max === undefined ? {} : { memory_max }),
    ...(health === undefined ? {} : { health: encodeHealth(health) }),
    ...(ready === undefined ? {} : { ready: encodeReady(ready) }),
    ...(schedule === undefined ? {} : { schedule }),
    ...(watchdog === undefined ? {} : { watchdog }),
    ...(kubernetes === undefined ? {} : { kubernetes }),
  }
  encoded.set(spec, table)
  return table
}
