// A service's health check: exactly one of http / tcp / exec, probed every `interval` with a
// `timeout`, failing after `retries` misses once `start_period` is over (Docker HEALTHCHECK's
// vocabulary). Written in TOML as { http = "...", interval = "10s" }; decoded to a tagged check
// plus timing in milliseconds, and encoded back to the TOML shape.
import * as Schema from "effect/Schema"
import { expecting } from "./Decoding.ts"
import { Duration, PositiveDuration } from "./Duration.ts"
import { HttpUrl, IntegerIn, NonEmptyText, Port } from "./Values.ts"

const defaultHealthTiming = { interval: 10_000, timeout: 2_000, retries: 3, start_period: 0 } as const

const kinds = ["http", "tcp", "exec"] as const

const ExecArgv = Schema.Array(NonEmptyText)
  .annotations(expecting("an array of non-empty strings"))
  .pipe(Schema.minItems(1), Schema.annotations(expecting("a non-empty array of strings")))

/** The TOML table; timing defaults are filled in by the transformation below. */
const HealthTable = Schema.Struct({
  http: Schema.optionalWith(HttpUrl, { exact: true }),
  tcp: Schema.optionalWith(Port, { exact: true }),
  exec: Schema.optionalWith(ExecArgv, { exact: true }),
  interval: Schema.optionalWith(PositiveDuration, { exact: true }),
  timeout: Schema.optionalWith(PositiveDuration, { exact: true }),
  retries: Schema.optionalWith(IntegerIn(1, 1000), { exact: true }),
  start_period: Schema.optionalWith(Duration, { exact: true }),
})
  .annotations(expecting(`a table like { http = "http://127.0.0.1:8080/healthz", interval = "10s" }`))
  .pipe(
    Schema.filter((t) => {
      const found = kinds.filter((kind) => t[kind] !== undefined)
      return (
        found.length === 1 ||
        `expected exactly one of http, tcp or exec, got ${found.length === 0 ? "none" : found.join(" and ")}`
      )
    }),
  )

const HealthCheckSchema = Schema.Union(
  Schema.TaggedStruct("http", { url: Schema.String }),
  Schema.TaggedStruct("tcp", { port: Schema.Number }),
  Schema.TaggedStruct("exec", { command: Schema.Array(Schema.String) }),
)

const HealthSpecSchema = Schema.Struct({
  check: HealthCheckSchema,
  interval: Schema.Number,
  timeout: Schema.Number,
  retries: Schema.Number,
  start_period: Schema.Number,
})

export type HealthCheck = typeof HealthCheckSchema.Type
export interface HealthSpec extends Schema.Schema.Type<typeof HealthSpecSchema> {}

type Table = typeof HealthTable.Type

const checkOf = (t: Table): HealthCheck =>
  t.http !== undefined
    ? { _tag: "http", url: t.http }
    : t.tcp !== undefined
      ? { _tag: "tcp", port: t.tcp }
      : { _tag: "exec", command: t.exec ?? [] }

const tableOf = (check: HealthCheck) => {
  switch (check._tag) {
    case "http":
      return { http: check.url }
    case "tcp":
      return { tcp: check.port }
    case "exec":
      return { exec: check.command }
  }
}

/** `health = { ... }` in a service table. Relative exec paths are resolved by the service decoder. */
export const Health = Schema.transform(HealthTable, HealthSpecSchema, {
  strict: true,
  decode: (t) => ({
    check: checkOf(t),
    interval: t.interval ?? defaultHealthTiming.interval,
    timeout: t.timeout ?? defaultHealthTiming.timeout,
    retries: t.retries ?? defaultHealthTiming.retries,
    start_period: t.start_period ?? defaultHealthTiming.start_period,
  }),
  encode: (spec) => ({
    ...tableOf(spec.check),
    interval: spec.interval,
    timeout: spec.timeout,
    retries: spec.retries,
    start_period: spec.start_period,
  }),
}).annotations({
  // Here rather than on the filter: JSONSchema skips a refinement's annotation over a struct with defaults.
  jsonSchema: { allOf: [{ oneOf: kinds.map((kind) => ({ required: [kind] })) }] },
})
