// A service's captured output over HTTP: pages of lines as JSON (the newest, or those before a
// cursor, within a time range, holding a search text), read back from the log file and its
// rotations with a bound on the bytes read; every file as one text download; and each new line
// as it is captured over Server-Sent Events (`event: log`). Lines reach a slow reader through a
// bounded queue; when it overflows the stream ends and the client reconnects.
import { Effect, Queue } from "effect"
import { LogArchive } from "../actors/LogArchive.ts"
import { parseCursor } from "../actors/LogCursor.ts"
import { LogCursorStale, LogNotKept, LogUnreadable } from "../actors/LogErrors.ts"
import { readPage, type LogPage } from "../actors/LogPage.ts"
import { LogFilter } from "../actors/LogQuery.ts"
import { parseLines, type LogOnDisk, type OutputCapture } from "../actors/OutputCapture.ts"
import { systemErrorReason } from "../os/SystemError.ts"
import { RootSupervisor } from "../supervisors/RootSupervisor.ts"
import { answer, asSent } from "./Answers.ts"
import { LogLine, LogsAnswer } from "./ApiSchema.ts"
import { BadRequest } from "./HttpErrors.ts"
import { param, type Handler } from "./HttpContext.ts"
import { sseResponse } from "./sse.ts"

const reply = answer(LogsAnswer)

const DEFAULT_LINES = 100
export const MAX_LINES = 10_000
export const MAX_SEARCH = 500

const lineCount = (raw: string | null) => {
  if (raw === null || raw === "") return Effect.succeed(DEFAULT_LINES)
  const n = Number(raw)
  return Number.isInteger(n) && n >= 0
    ? Effect.succeed(Math.min(n, MAX_LINES))
    : Effect.fail(
        new BadRequest({ reason: `lines must be a whole number from 0 to ${MAX_LINES}, got "${raw}"` }),
      )
}

/** An ISO time bound (since/until) as captured lines write theirs, or undefined when not given. */
const timeBound = (key: string, raw: string | null) => {
  if (raw === null || raw === "") return Effect.succeed(undefined)
  const ms = Date.parse(raw)
  return Number.isFinite(ms)
    ? Effect.succeed(new Date(ms).toISOString())
    : Effect.fail(
        new BadRequest({ reason: `${key} must be an ISO time like 2026-01-31T12:00:00Z, got "${raw}"` }),
      )
}

const searchText = (raw: string | null) => {
  if (raw === null || raw === "") return Effect.succeed(undefined)
  if (raw.length > MAX_SEARCH)
    return Effect.fail(new BadRequest({ reason: `search must be at most ${MAX_SEARCH} characters` }))
  if (raw.includes("\n"))
    return Effect.fail(new BadRequest({ reason: "search must be one line: a log line holds no newline" }))
  return Effect.succeed(raw)
}

const cursorText = (raw: string | null) => {
  if (raw === null || raw === "") return Effect.succeed(undefined)
  return parseCursor(raw) === undefined
    ? Effect.fail(
        new BadRequest({
          reason: `before must be a cursor from an earlier answer's "older" (like 1234:5678), got "${raw}"`,
        }),
      )
    : Effect.succeed(raw)
}

interface LinesRequest {
  readonly count: number
  readonly before: string | undefined
  readonly filter: LogFilter
}

const linesRequest = (query: URLSearchParams) =>
  Effect.gen(function* () {
    const count = yield* lineCount(query.get("lines"))
    const since = yield* timeBound("since", query.get("since"))
    const until = yield* timeBound("until", query.get("until"))
    const search = yield* searchText(query.get("search"))
    const before = yield* cursorText(query.get("before"))
    const filter = new LogFilter({
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
      ...(search === undefined ? {} : { search }),
    })
    return { count, before, filter } satisfies LinesRequest
  })

/** The lines still in memory that the request admits: all there is without a usable log file. */
const fromMemory = (capture: OutputCapture, { count, filter }: LinesRequest) => {
  const held = filter.keepsAll ? capture.tail(count) : capture.tail(Number.POSITIVE_INFINITY)
  const kept = held.filter((line) => filter.judge(line) === "take")
  return reply(200, { lines: kept.slice(Math.max(0, kept.length - count)) })
}

const fromDisk = (disk: LogOnDisk, request: LinesRequest) =>
  Effect.tryPromise({
    try: () => readPage(disk, request),
    catch: (cause) => new LogUnreadable({ path: disk.path, reason: systemErrorReason(cause) }),
  }).pipe(
    Effect.flatMap((page) => (page instanceof LogCursorStale ? Effect.fail(page) : Effect.succeed(page))),
  )

const pageAnswer = (page: LogPage) =>
  reply(200, {
    lines: page.lines,
    ...(page.older === undefined ? {} : { older: page.older }),
    scanned_bytes: page.scannedBytes,
    scan_limit_reached: page.limitReached,
  })

/**
 * A page of lines, oldest first: the newest `lines`, or those before `before`, kept by `since`,
 * `until` and `search`. Read from the log file; the newest lines come from memory when the file
 * misses some (logging off, a failing disk, a log removed by hand).
 */
export const recentLogs: Handler = (event) =>
  Effect.gen(function* () {
    const request = yield* linesRequest(event.url.searchParams)
    const name = param(event, "name")
    const { capture } = yield* (yield* RootSupervisor).service(name)
    const disk = yield* Effect.promise(() => capture.logOnDisk())
    if (disk === undefined && request.before !== undefined)
      return yield* new LogCursorStale({
        cursor: request.before,
        why: `cannot be followed: ${name} keeps no log file now (its [log] has enabled = false)`,
      })
    const newest = request.before === undefined && request.filter.keepsAll
    if (disk === undefined || (newest && !disk.complete)) return fromMemory(capture, request)
    if (!newest) return pageAnswer(yield* fromDisk(disk, request))
    const page = yield* fromDisk(disk, request).pipe(Effect.option)
    // A file that cannot be read, or holds fewer of the newest lines than memory: memory answers.
    if (page._tag === "None" || page.value.lines.length < capture.tail(request.count).length)
      return fromMemory(capture, request)
    return pageAnswer(page.value)
  })

/** Every log file of a service, oldest first, as one text file (what `dockless logs` prints). */
export const logDownload: Handler = (event) =>
  Effect.gen(function* () {
    const name = param(event, "name")
    const { capture } = yield* (yield* RootSupervisor).service(name)
    const disk = yield* Effect.promise(() => capture.logOnDisk())
    if (disk === undefined) return yield* new LogNotKept({ name })
    const archive = yield* Effect.tryPromise({
      try: () => LogArchive.open(disk.path, disk.keep),
      catch: (cause) => new LogUnreadable({ path: disk.path, reason: systemErrorReason(cause) }),
    })
    return new Response(archive.readable(), {
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "content-disposition": `attachment; filename="${name}.log"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    })
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
