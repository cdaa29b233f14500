// When a started service counts as ready (systemd's Type=notify, and the three ways a program
// that knows nothing of systemd can show it): a line of its output matches a pattern, a port
// accepts on 127.0.0.1, or a URL answers 2xx. Written in TOML as `ready = { log = "regex" }`,
// `{ port = N }` or `{ http = URL }`, or `ready = "notify"` (READY=1 on $NOTIFY_SOCKET, through
// Dockless's own addon); decoded to a tagged value and encoded back to that shape. `watchdog`
// is the liveness ping that comes through the same socket.
import * as Schema from "effect/Schema"
import { expecting } from "./Decoding.ts"
import { PositiveDuration } from "./Duration.ts"
import { HttpUrl, NonEmptyText, Port } from "./Values.ts"

/** What to use where the notify addon cannot load: the three conditions that need nothing native. */
export const readyAlternatives =
  `use ready = { log = "a regex its output prints when ready" }, ready = { port = N } or ` +
  `ready = { http = "http://127.0.0.1:PORT/path" } instead`

/** Why `ready = "notify"` cannot be used on this host (`reason` from os/SdNotifyAddon.ts). */
export const notifyUnavailable = (reason: string): string =>
  `ready = "notify" cannot be used on this host: ${reason}; ${readyAlternatives}`

/** Why `watchdog` cannot be used on this host: its pings come through the same socket. */
export const watchdogUnavailable = (reason: string): string =>
  `watchdog cannot be used on this host (its WATCHDOG=1 pings come through the notify socket): ` +
  `${reason}; use a health check instead: health = { http = "…" }, { tcp = N } or { exec = [ … ] }`

const kinds = ["log", "port", "http"] as const

/** A pattern that compiles as a JavaScript regular expression. */
const Pattern = NonEmptyText.pipe(
  Schema.filter((text) => {
    try {
      new RegExp(text)
      return true
    } catch (error) {
      return `expected a regular expression, got ${JSON.stringify(text)}: ${error instanceof Error ? error.message : String(error)}`
    }
  }),
)

const ReadyTable = Schema.Struct({
  log: Schema.optionalWith(Pattern, { exact: true }),
  port: Schema.optionalWith(Port, { exact: true }),
  http: Schema.optionalWith(HttpUrl, { exact: true }),
})
  .annotations(expecting(`a table like { log = "listening on" }, { port = 8080 } or { http = "http://…" }`))
  .pipe(
    Schema.filter(
      (t) => {
        const found = kinds.filter((kind) => t[kind] !== undefined)
        return (
          found.length === 1 ||
          `expected exactly one of log, port or http, got ${found.length === 0 ? "none" : found.join(" and ")}`
        )
      },
      { jsonSchema: { minProperties: 1, maxProperties: 1 } },
    ),
  )

const ReadyInput = Schema.Union(Schema.Literal("notify"), ReadyTable).annotations(
  expecting(`"notify", or a table like { log = "listening on" }, { port = 8080 } or { http = "http://…" }`),
)

const ReadySpecSchema = Schema.Union(
  Schema.TaggedStruct("notify", {}),
  Schema.TaggedStruct("log", { pattern: Schema.String }),
  Schema.TaggedStruct("port", { port: Schema.Number }),
  Schema.TaggedStruct("http", { url: Schema.String }),
)

export type ReadySpec = typeof ReadySpecSchema.Type

type Input = typeof ReadyInput.Type

const specOf = (input: Input): ReadySpec => {
  if (input === "notify") return { _tag: "notify" }
  return input.log !== undefined
    ? { _tag: "log", pattern: input.log }
    : input.port !== undefined
      ? { _tag: "port", port: input.port }
      : { _tag: "http", url: input.http ?? "" }
}

const tableOf = (spec: ReadySpec) => {
  switch (spec._tag) {
    case "notify":
      return "notify" as const
    case "log":
      return { log: spec.pattern }
    case "port":
      return { port: spec.port }
    case "http":
      return { http: spec.url }
  }
}

/** `ready = …` in a service table. */
export const Ready = Schema.transform(ReadyInput, ReadySpecSchema, {
  strict: true,
  decode: specOf,
  encode: tableOf,
})

/**
 * `watchdog = "30s"`: once running, the service must send WATCHDOG=1 at least this often
 * (systemd's WatchdogSec=; it gets $WATCHDOG_USEC), or it is stopped and judged as a crash.
 */
export const Watchdog = PositiveDuration.annotations({
  description:
    "once running, the service sends WATCHDOG=1 to $NOTIFY_SOCKET at least this often, or it is " +
    'stopped and restarted as a crash (systemd\'s WatchdogSec=), e.g. "30s"',
})

/** Whether a service needs a notify socket: it reports readiness or pings a watchdog through one. */
export const usesNotify = (spec: {
  readonly ready: ReadySpec | undefined
  readonly watchdog: number | undefined
}): boolean => spec.ready?._tag === "notify" || spec.watchdog !== undefined

/** How a readiness condition reads in notes and docs: `a line matching /listening/`. */
export const describeReady = (ready: ReadySpec): string => {
  switch (ready._tag) {
    case "notify":
      return "READY=1 on its $NOTIFY_SOCKET"
    case "log":
      return `a line of output matching /${ready.pattern}/`
    case "port":
      return `port ${ready.port} accepting on 127.0.0.1`
    case "http":
      return `GET ${ready.url} answering 2xx`
  }
}
