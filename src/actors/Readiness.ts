// Watches one run for its `ready` condition (config/ReadySpec.ts) and reports it once: a line of
// its output matching the pattern, its port accepting on 127.0.0.1, or its URL answering 2xx
// (`ready = "notify"` is reported by the run's NotifySocket instead).
// Like a health probe it decides nothing: the supervisor's transition makes the run `running`
// and bounds the wait with start_timeout. It lives in the run's scope and ends with the run.
import { Deferred, Effect, type Scope } from "effect"
import type { ReadySpec } from "../config/ReadySpec.ts"
import { parseLines, type OutputCapture } from "./OutputCapture.ts"
import { httpProbe, tcpProbe, type ProbeResult } from "./Probe.ts"

/** How often a port or URL is tried while the run is not ready yet. */
export const READY_POLL_MS = 250
/** One try's bound: a port that neither accepts nor refuses is tried again. */
const TRY_MS = 2000

const isOk = (status: number) => status >= 200 && status < 300

/** Tries `attempt` until it passes, every READY_POLL_MS. */
const until = (attempt: Effect.Effect<ProbeResult>): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (;;) {
      const result = yield* attempt.pipe(
        Effect.timeoutTo({ duration: TRY_MS, onSuccess: (r) => r, onTimeout: () => undefined }),
      )
      if (result?._tag === "Passed") return
      yield* Effect.sleep(READY_POLL_MS)
    }
  })

/**
 * Follows the capture until one of the run's own lines (stdout or stderr, not Dockless's notes)
 * matches. Subscribed at once, so it must be called before the spawn to see the first line; a
 * subscriber costs a copy of each chunk, so it unsubscribes as soon as it matched.
 */
const lineMatching = (
  pattern: string,
  capture: OutputCapture,
): Effect.Effect<Effect.Effect<string>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const regex = new RegExp(pattern)
    const matched = yield* Deferred.make<string>()
    const stop = yield* Effect.acquireRelease(
      Effect.sync(() =>
        capture.subscribe((framed) => {
          const line = parseLines(framed).find((l) => l.stream !== "dockless" && regex.test(l.text))
          if (line !== undefined) Deferred.unsafeDone(matched, Effect.succeed(line.text))
        }),
      ),
      (unsubscribe) => Effect.sync(unsubscribe),
    )
    return Deferred.await(matched).pipe(
      Effect.tap(() => Effect.sync(stop)),
      Effect.map(
        (text) => `its output printed ${JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text)}`,
      ),
    )
  })

/**
 * Starts watching in the current scope and reports once through `readied`. Called before the
 * process is spawned (a log pattern must see its first line); ports and URLs are tried after.
 */
export const watchReadiness = (
  ready: ReadySpec,
  capture: OutputCapture,
  readied: (how: string) => Effect.Effect<void>,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const seen = yield* watched(ready, capture)
    if (seen !== undefined) yield* Effect.forkScoped(seen.pipe(Effect.flatMap(readied)))
  })

/** What to wait for; nothing for notify, whose READY=1 the run's NotifySocket reports. */
const watched = (
  ready: ReadySpec,
  capture: OutputCapture,
): Effect.Effect<Effect.Effect<string> | undefined, never, Scope.Scope> => {
  switch (ready._tag) {
    case "notify":
      return Effect.succeed(undefined)
    case "log":
      return lineMatching(ready.pattern, capture)
    case "port":
      return Effect.succeed(
        Effect.sleep(READY_POLL_MS).pipe(
          Effect.zipRight(until(tcpProbe(ready.port))),
          Effect.as(`port ${ready.port} accepts connections`),
        ),
      )
    case "http":
      return Effect.succeed(
        Effect.sleep(READY_POLL_MS).pipe(
          Effect.zipRight(until(httpProbe(ready.url, isOk))),
          Effect.as(`GET ${ready.url} answered 2xx`),
        ),
      )
  }
}
