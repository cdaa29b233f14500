// One [[notify]] table of config.toml: where alerts go (a webhook, an ntfy topic, a command) and
// which of them, how often. Decoded per table under the path `notify[N]`, then checked against
// its `type` (a webhook needs a url, a command needs a command), so each problem names its key.
// Defaults sit beside the schema; nothing below config/ sees the raw table.
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { issue, type ConfigIssue } from "./ConfigError.ts"
import { decoder, expecting, isTable, joinPath, type Issues } from "./Decoding.ts"
import { Duration, PositiveDuration } from "./Duration.ts"
import { HttpUrl, IntegerIn, NonEmptyText, oneOf, Text } from "./Values.ts"

/** What an alert is about, as `events = [...]` names it. */
export const ALERT_KINDS = [
  "failed",
  "crash_loop",
  "health_failing",
  "health_recovered",
  "memory_max",
  "dockless_started",
  "dockless_stopped",
] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

export const TARGET_TYPES = ["webhook", "ntfy", "command"] as const
export type TargetType = (typeof TARGET_TYPES)[number]

/** Where a target delivers: the type's own keys only, so a webhook cannot carry a stray `args`. */
export type Destination =
  | {
      readonly _tag: "Webhook"
      readonly url: string
      readonly secret: Redacted.Redacted<string> | undefined
    }
  | { readonly _tag: "Ntfy"; readonly url: string; readonly token: Redacted.Redacted<string> | undefined }
  | {
      readonly _tag: "Command"
      readonly command: string
      readonly args: ReadonlyArray<string>
      readonly cwd: string
    }

export interface NotifySpec {
  /** Its place in the file (notify[index]): how the API and the CLI name it. */
  readonly index: number
  /** A label for people; `type` and a number when unset. */
  readonly name: string
  readonly type: TargetType
  readonly destination: Destination
  /** The kinds it wants; all when `events` is unset. */
  readonly events: ReadonlyArray<AlertKind>
  /** Globs over service names; all when `services` is unset. Daemon events pass regardless. */
  readonly services: ReadonlyArray<string>
  /** One message per service and kind within this many ms (0: every one). */
  readonly dedupe: number
  /** At most `messages` sent within `per` ms; the rest are counted and said in the next one. */
  readonly rate_limit: { readonly messages: number; readonly per: number }
  /** `restarts` restarts of one service within `within` ms is a crash loop. */
  readonly crash_loop: { readonly restarts: number; readonly within: number }
  /** Tries after the first, each after twice the delay of the one before. */
  readonly retries: number
  readonly retry_delay: number
  /** One try's bound: a request, or a command's run (then its process group is killed). */
  readonly timeout: number
}

export const notifyDefaults = {
  dedupe: 600_000,
  rate_limit: { messages: 10, per: 60_000 },
  crash_loop: { restarts: 5, within: 300_000 },
  retries: 3,
  retry_delay: 1_000,
  timeout: 10_000,
} as const

const optional = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(schema, { exact: true })

const Kind = oneOf(...ALERT_KINDS)

/** The table as written: every key of every type; `type` decides which belong (checked after). */
export const NotifyTable = Schema.Struct({
  type: oneOf(...TARGET_TYPES),
  name: optional(NonEmptyText),
  url: optional(HttpUrl),
  secret: optional(NonEmptyText),
  token: optional(NonEmptyText),
  command: optional(NonEmptyText),
  args: optional(Schema.Array(Text).annotations(expecting("a list of strings"))),
  events: optional(
    Schema.Array(Kind).annotations(expecting(`a list of ${ALERT_KINDS.map((k) => `"${k}"`).join(", ")}`)),
  ),
  services: optional(
    Schema.Array(NonEmptyText).annotations(expecting('a list of service names or globs like "web-*"')),
  ),
  dedupe: optional(Duration),
  rate_limit: optional(
    Schema.Struct({ messages: IntegerIn(1, 10_000), per: PositiveDuration }).annotations(
      expecting('a table { messages = 10, per = "1m" }'),
    ),
  ),
  crash_loop: optional(
    Schema.Struct({ restarts: IntegerIn(2, 1000), within: PositiveDuration }).annotations(
      expecting('a table { restarts = 5, within = "5m" }'),
    ),
  ),
  retries: optional(IntegerIn(0, 20)),
  retry_delay: optional(PositiveDuration),
  timeout: optional(PositiveDuration),
}).annotations({
  ...expecting("a [[notify]] table"),
  jsonSchema: {
    allOf: [
      { if: { properties: { type: { enum: ["webhook", "ntfy"] } } }, then: { required: ["url"] } },
      { if: { properties: { type: { const: "command" } } }, then: { required: ["command"] } },
    ],
  },
})
type NotifyTable = typeof NotifyTable.Type

/** Keys each type takes besides the shared ones; the others are refused with the reason. */
const ownKeys: Readonly<Record<TargetType, ReadonlyArray<string>>> = {
  webhook: ["url", "secret"],
  ntfy: ["url", "token"],
  command: ["command", "args"],
}
const typeKeys = ["url", "secret", "token", "command", "args"]

const required: Readonly<Record<TargetType, string>> = { webhook: "url", ntfy: "url", command: "command" }

/** What `type` says of the other keys: those it does not take, the one it needs. */
const typeIssues = (type: TargetType, keys: ReadonlyArray<string>, at: string): Issues => {
  const own = ownKeys[type]
  const stray = typeKeys
    .filter((key) => keys.includes(key) && !own.includes(key))
    .map((key) =>
      issue(
        joinPath(at, key),
        `is not a key of a ${type} target (it takes ${own.join(", ")}); ` +
          `${TARGET_TYPES.filter((t) => ownKeys[t].includes(key)).join(" and ")} targets do`,
      ),
    )
  const need = required[type]
  const missing = keys.includes(need) ? [] : [issue(joinPath(at, need), `is required for type = "${type}"`)]
  return [...stray, ...missing]
}

/** The table's type when it names one: its keys are then checked even when a value is wrong. */
const typeOf = (raw: unknown): TargetType | undefined =>
  isTable(raw) ? TARGET_TYPES.find((t) => t === raw["type"]) : undefined

const destinationOf = (table: NotifyTable, baseDir: string): Destination => {
  const secret = (v: string | undefined) => (v === undefined ? undefined : Redacted.make(v))
  switch (table.type) {
    case "webhook":
      return { _tag: "Webhook", url: table.url ?? "", secret: secret(table.secret) }
    case "ntfy":
      return { _tag: "Ntfy", url: table.url ?? "", token: secret(table.token) }
    case "command":
      return { _tag: "Command", command: table.command ?? "", args: table.args ?? [], cwd: baseDir }
  }
}

const decodeTable = decoder(NotifyTable)

/** `notify[0]`: the path people see for the first table (TOML's own array-of-tables notation). */
const pathOf = (index: number) => `notify[${index}]`

/** Every [[notify]] table, or every issue of every one of them. */
export const decodeNotify = (
  raw: unknown,
  baseDir: string,
): Either.Either<ReadonlyArray<NotifySpec>, Issues> => {
  if (raw === undefined) return Either.right([])
  if (!Array.isArray(raw))
    return Either.left([issue("notify", "expected [[notify]] tables (an array of tables)")])
  const problems: Array<ConfigIssue> = []
  const specs: Array<NotifySpec> = []
  raw.forEach((value: unknown, index) => {
    const at = pathOf(index)
    const decoded = decodeTable(value, at)
    const type = typeOf(value)
    const wrong = type === undefined || !isTable(value) ? [] : typeIssues(type, Object.keys(value), at)
    if (Either.isLeft(decoded) || wrong.length > 0) {
      // A key both misspelt for its type and wrong in value is said once, by the type check.
      const told = new Set(wrong.map((i) => i.path))
      const left = Either.isLeft(decoded) ? decoded.left.filter((i) => !told.has(i.path)) : []
      return problems.push(...left, ...wrong)
    }
    const table = decoded.right
    specs.push({
      index,
      name: table.name ?? `${table.type} ${index + 1}`,
      type: table.type,
      destination: destinationOf(table, baseDir),
      events: table.events ?? ALERT_KINDS,
      services: table.services ?? [],
      dedupe: table.dedupe ?? notifyDefaults.dedupe,
      rate_limit: table.rate_limit ?? notifyDefaults.rate_limit,
      crash_loop: table.crash_loop ?? notifyDefaults.crash_loop,
      retries: table.retries ?? notifyDefaults.retries,
      retry_delay: table.retry_delay ?? notifyDefaults.retry_delay,
      timeout: table.timeout ?? notifyDefaults.timeout,
    })
  })
  return problems.length > 0 ? Either.left(problems) : Either.right(specs)
}
