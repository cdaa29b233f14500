// When a started service counts as ready (systemd's Type=notify, and the three ways a program
// that knows nothing of systemd can show it): a line of its output matches a pattern, a port
// accepts on 127.0.0.1, or a URL answers 2xx. Written in TOML as `ready = { log = "regex" }`,
// `{ port = N }` or `{ http = URL }`; decoded to a tagged value and encoded back to that shape.
// `ready = "notify"` and `watchdog` are the SPEC's names, refused with the reason (below).
import * as Schema from "effect/Schema"
import { expecting } from "./Decoding.ts"
import { HttpUrl, NonEmptyText, Port } from "./Values.ts"

/**
 * Why `ready = "notify"` (and with it `watchdog`) is refused, and what to use instead. Node has
 * no Unix datagram sockets, so notify needs a native package; the one on npm with prebuilt
 * binaries (node-unix-socket) ships none for linux arm64 that can be installed here, and cannot
 * tell who sent a datagram (no SCM_CREDENTIALS), so Dockless could not check that READY=1 came
 * from the service's own process group.
 */
export const notifyUnavailable =
  `ready = "notify" is not available in this build of Dockless: it needs a Unix datagram socket ` +
  `that tells who sent each message, which Node cannot open and no npm package with prebuilt ` +
  `binaries for linux x64 and arm64 provides; use ready = { log = "a regex its output prints when ready" }, ` +
  `ready = { port = N } or ready = { http = "http://127.0.0.1:PORT/path" } instead`

export const watchdogUnavailable =
  `watchdog needs ready = "notify" (the service sends WATCHDOG=1), which is not available in this ` +
  `build of Dockless; use a health check instead: health = { http = "…" }, { tcp = N } or { exec = [ … ] }`

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

/** "notify" is part of the shape (the SPEC's name, shown in editors) and refused by the filter. */
const ReadyInput = Schema.Union(Schema.Literal("notify"), ReadyTable)
  .annotations(expecting(`a table like { log = "listening on" }, { port = 8080 } or { http = "http://…" }`))
  .pipe(
    Schema.filter((value) => value !== "notify" || notifyUnavailable, {
      jsonSchema: { not: { const: "notify" } },
    }),
  )

const ReadySpecSchema = Schema.Union(
  Schema.TaggedStruct("log", { pattern: Schema.String }),
  Schema.TaggedStruct("port", { port: Schema.Number }),
  Schema.TaggedStruct("http", { url: Schema.String }),
)

export type ReadySpec = typeof ReadySpecSchema.Type

type Input = typeof ReadyInput.Type

const specOf = (input: Input): ReadySpec => {
  // The filter refused "notify" already; it never reaches here.
  if (input === "notify") return { _tag: "log", pattern: "" }
  return input.log !== undefined
    ? { _tag: "log", pattern: input.log }
    : input.port !== undefined
      ? { _tag: "port", port: input.port }
      : { _tag: "http", url: input.http ?? "" }
}

const tableOf = (spec: ReadySpec) => {
  switch (spec._tag) {
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

/** `watchdog = "30s"`: a SPEC key kept for when notify is available, refused until then. */
export const Watchdog = Schema.String.pipe(Schema.filter(() => watchdogUnavailable)).annotations({
  description: watchdogUnavailable,
  jsonSchema: { not: {}, description: watchdogUnavailable },
})

/** How a readiness condition reads in notes and docs: `a line matching /listening/`. */
export const describeReady = (ready: ReadySpec): string => {
  switch (ready._tag) {
    case "log":
      return `a line of output matching /${ready.pattern}/`
    case "port":
      return `port ${ready.port} accepting on 127.0.0.1`
    case "http":
      return `GET ${ready.url} answering 2xx`
  }
}
