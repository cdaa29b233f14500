// A service's captured output over HTTP: the newest lines as JSON, and each new line as it is
// captured over Server-Sent Events (`event: log`). Lines reach a slow reader through a bounded
// queue; when it overflows the stream ends and the client reconnects.
import { Effect, Queue } from "effect"
import { parseLines } from "../actors/OutputCapture.ts"
import { RootSupervisor } from "../supervisors/RootSupervisor.ts"
import { answer, asSent } from "./Answers.ts"
import { LogLine, LogsAnswer } from "./ApiSchema.ts"
import { BadRequest } from "./HttpErrors.ts"
import { param, type Handler } from "./HttpContext.ts"
import { sseResponse } from "./sse.ts"

const reply = answer(LogsAnswer)

const DEFAULT_LINES = 100
export const MAX_LINES = 10_000

const lineCount = (raw: string | null) => {
  if (raw === null || raw === "") return Effect.succeed(DEFAULT_LINES)
  const n = Number(raw)
  return Number.isInteger(n) && n >= 0
    ? Effect.succeed(Math.min(n, MAX_LINES))
    : Effect.fail(
        new BadRequest({ reason: `lines must be a whole number from 0 to ${MAX_LINES}, got "${raw}"` }),
      )
}

/** An ISO time bound (since/until), or undefined when not given. */
const timeBound = (key: string, raw: string | null) => {
  if (raw === null || raw === "") return Effect.succeed(undefined)
  const ms = Date.parse(raw)
  return Number.isFinite(ms)
    ? Effect.succeed(ms)
    : Effect.fail(
        new BadRequest({ reason: `${key} must be an ISO time like 2026-01-31T12:00:00Z, got "${raw}"` }),
      )
}

/**
 * The newest lines, or with `since`/`until` (a job run's start and end, from its history) the
 * newest of those captured in that time range, searched among the last MAX_LINES lines.
 */
export const recentLogs: Handler = (event) =>
  Effect.gen(function* () {
    const query = event.url.searchParams
    const lines = yield* lineCount(query.get("lines"))
    const since = yield* timeBound("since", query.get("since"))
    const until = yield* timeBound("until", query.get("until"))
    const service = yield* (yield* RootSupervisor).service(param(event, "name"))
    if (since === undefined && until === undefined)
      return reply(200, { lines: yield* Effect.promise(() => service.capture.recent(lines)) })
    const all = yield* Effect.promise(() => service.capture.recent(MAX_LINES))
    const inRange = all.filter((line) => {
      const at = Date.parse(line.ts)
      return (since === undefined || at >= since) && (until === undefined || at <= until)
    })
    return reply(200, { lines: inRange.slice(Math.max(0, inRange.length - lines)) })
  })

export const logStream: Handler = (event, ctx) =>
  Effect.gen(function* () {
    const service = yield* (yield* RootSupervisor).service(param(event, "name"))
    return yield* sseResponse(ctx.runtime, ctx.streams, (channel) =>
      Effect.gen(function* () {
        const chunks = yield* Queue.sliding<Buffer>(1024)
        yield* Effect.acquireRelease(
          Effect.sync(() => service.capture.subscribe((framed) => Queue.unsafeOffer(chunks, framed))),
          (unsubscribe) => Effect.sync(unsubscribe),
        )
        for (;;) {
          const framed = yield* Queue.take(chunks)
          for (const line of parseLines(framed)) {
            if (!(yield* channel.send("log", asSent(LogLine, line)))) return
          }
        }
      }),
    )
  })
