// A service's health check: exactly one of http / tcp / exec, probed every `interval` with a
// `timeout`, failing after `retries` misses once `start_period` is over (Docker HEALTHCHECK's
// vocabulary). Decoded from and encoded back to its TOML shape { http = "...", interval = "10s" }.
import { Either } from "effect"
import { issue } from "./ConfigError.ts"
import {
  arrayOf,
  collector,
  expected,
  integer,
  nonEmptyString,
  port,
  table,
  unknownKeys,
  type Collector,
  type Decoder,
  type Table,
} from "./Decode.ts"
import { duration } from "./Duration.ts"
import { resolveCommand } from "./Paths.ts"

export type HealthCheck =
  | { readonly _tag: "http"; readonly url: string }
  | { readonly _tag: "tcp"; readonly port: number }
  | { readonly _tag: "exec"; readonly command: ReadonlyArray<string> }
export interface HealthSpec {
  readonly check: HealthCheck
  readonly interval: number
  readonly timeout: number
  readonly retries: number
  readonly start_period: number
}

export const defaultHealthTiming = { interval: 10_000, timeout: 2_000, retries: 3, start_period: 0 } as const

const stringList = arrayOf(nonEmptyString, "an array of non-empty strings")
const healthKinds = ["http", "tcp", "exec"] as const

const isHttpUrl = (text: string): boolean =>
  URL.canParse(text) && ["http:", "https:"].includes(new URL(text).protocol)

const httpUrl: Decoder<string> = (raw, at) =>
  typeof raw === "string" && isHttpUrl(raw)
    ? Either.right(raw)
    : expected(at, "an http:// or https:// URL", raw)

const decodeHealthCheck = (t: Table, at: string, baseDir: string, c: Collector): HealthCheck | undefined => {
  const kinds = healthKinds.filter((kind) => t[kind] !== undefined)
  if (kinds.length !== 1) {
    const got = kinds.length === 0 ? "none" : kinds.join(" and ")
    c.add([issue(at, `expected exactly one of http, tcp or exec, got ${got}`)])
    return undefined
  }
  const url = c.field(t, at, "http", httpUrl)
  if (url !== undefined) return { _tag: "http", url }
  const tcp = c.field(t, at, "tcp", port)
  if (tcp !== undefined) return { _tag: "tcp", port: tcp }
  const exec = c.field(t, at, "exec", (raw, p) =>
    Array.isArray(raw) && raw.length === 0
      ? expected(p, "a non-empty array of strings", raw)
      : stringList(raw, p),
  )
  if (exec === undefined) return undefined
  const [program = "", ...rest] = exec
  return { _tag: "exec", command: [resolveCommand(program, baseDir), ...rest] }
}

export const decodeHealth = (baseDir: string): Decoder<HealthSpec> =>
  table((t, at) => {
    const c = collector()
    c.add(unknownKeys(t, at, [...healthKinds, "interval", "timeout", "retries", "start_period"]))
    const check = decodeHealthCheck(t, at, baseDir, c)
    const interval = c.field(t, at, "interval", duration(1)) ?? defaultHealthTiming.interval
    const timeout = c.field(t, at, "timeout", duration(1)) ?? defaultHealthTiming.timeout
    const retries =
      c.field(t, at, "retries", integer(1, 1000, "an integer from 1 to 1000")) ?? defaultHealthTiming.retries
    const start_period = c.field(t, at, "start_period", duration()) ?? defaultHealthTiming.start_period
    if (check === undefined) return Either.left(c.issues())
    return c.done(() => ({ check, interval, timeout, retries, start_period }))
  }, `a table like { http = "http://127.0.0.1:8080/healthz", interval = "10s" }`)

export const encodeHealth = (health: HealthSpec): Record<string, unknown> => {
  const timing = {
    interval: health.interval,
    timeout: health.timeout,
    retries: health.retries,
    start_period: health.start_period,
  }
  switch (health.check._tag) {
    case "http":
      return { http: health.check.url, ...timing }
    case "tcp":
      return { tcp: health.check.port, ...timing }
    case "exec":
      return { exec: [...health.check.command], ...timing }
  }
}
