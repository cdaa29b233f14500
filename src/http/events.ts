// GET /api/events: every ServiceView change as Server-Sent Events (`event: service`), and
// `event: removed` when a service is deleted. One subscription delivers a snapshot first, then
// deltas, so nothing slips between the two; a subscriber that lagged gets a fresh snapshot.
// The open stream is a monitor watcher: after each sample it gets one compact `event: usage`
// with every service's CPU and memory (never a ServiceView per sample).
import { Clock, Effect, Queue } from "effect"
import { viewAt, type ServiceView } from "../actors/ServiceView.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { Monitor, type UsageSample } from "../monitor/Monitor.ts"
import { withUsage } from "../monitor/Usage.ts"
import type { Handler } from "./HttpContext.ts"
import { sseResponse, type SseChannel } from "./sse.ts"
import { asSent, wireView } from "./Answers.ts"
import * as Api from "./ApiSchema.ts"

/** `{ at, services: { name: { cpu_percent, rss_bytes, cpu_seconds } } }` */
const usageEvent = (sample: UsageSample) => {
  const services: Record<string, { cpu_percent: number | null; rss_bytes: number; cpu_seconds: number }> = {}
  for (const [name, usage] of sample.services) {
    services[name] = {
      cpu_percent: usage.cpu_percent,
      rss_bytes: usage.rss_bytes,
      cpu_seconds: usage.cpu_seconds,
    }
  }
  return { at: new Date(sample.at).toISOString(), services }
}

const streamViews = (channel: SseChannel) =>
  Effect.gen(function* () {
    const views = yield* ServiceViews
    const monitor = yield* Monitor
    const subscription = yield* views.subscribe
    const samples = yield* monitor.watch
    const present = (view: ServiceView) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const latest = yield* monitor.latest
        return wireView(withUsage(viewAt(view, now), latest.get(view.name)))
      })
    const snapshot = Effect.gen(function* () {
      for (const view of yield* views.all) yield* channel.send("service", yield* present(view))
    })
    const changes = Effect.gen(function* () {
      yield* snapshot
      for (;;) {
        const event = yield* Queue.take(subscription.events)
        if (yield* subscription.takeLagged) {
          yield* snapshot
          continue
        }
        const open =
          event._tag === "Changed"
            ? yield* channel.send("service", yield* present(event.view))
            : yield* channel.send("removed", asSent(Api.RemovedEvent, { name: event.name }))
        if (!open) return
      }
    })
    const usage = Effect.gen(function* () {
      for (;;) {
        const sample = yield* Queue.take(samples)
        if (!(yield* channel.send("usage", asSent(Api.UsageEvent, usageEvent(sample))))) return
      }
    })
    // Either loop ends when the client has gone; the other is interrupted with it.
    yield* Effect.raceFirst(changes, usage)
  })

export const serviceEvents: Handler = (_event, ctx) => sseResponse(ctx.runtime, ctx.streams, streamViews)
