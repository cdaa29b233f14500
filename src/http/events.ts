// GET /api/events: every ServiceView change as Server-Sent Events (`event: service`), and
// `event: removed` when a service is deleted. One subscription delivers a snapshot first, then
// deltas, so nothing slips between the two; a subscriber that lagged gets a fresh snapshot.
import { Clock, Effect, Queue } from "effect"
import { viewAt } from "../actors/ServiceView.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import type { Handler } from "./HttpContext.ts"
import { sseResponse, type SseChannel } from "./sse.ts"

const streamViews = (channel: SseChannel) =>
  Effect.gen(function* () {
    const views = yield* ServiceViews
    const subscription = yield* views.subscribe
    const snapshot = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      for (const view of yield* views.all) yield* channel.send("service", viewAt(view, now))
    })
    yield* snapshot
    for (;;) {
      const event = yield* Queue.take(subscription.events)
      if (yield* subscription.takeLagged) {
        yield* snapshot
        continue
      }
      const now = yield* Clock.currentTimeMillis
      const open =
        event._tag === "Changed"
          ? yield* channel.send("service", viewAt(event.view, now))
          : yield* channel.send("removed", { name: event.name })
      if (!open) return
    }
  })

export const serviceEvents: Handler = (_event, ctx) =>
  Effect.succeed(sseResponse(ctx.runtime, ctx.streams, streamViews))
