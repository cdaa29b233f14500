// GET /api/services/:name/usage: the last 5 minutes of one service's CPU and memory for the
// dashboard's sparkline, `{ "history": [{ "at", "cpu_percent", "rss_bytes" }] }`, oldest first;
// GET /api/usage: the same for every service at once, keyed by name, so a dashboard opening on
// 30 services asks once instead of 30 times. Reading either counts as a look, so the monitor
// samples (and the histories fill) while it is open.
import { Effect } from "effect"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { Monitor } from "../monitor/Monitor.ts"
import type { UsagePoint } from "../monitor/UsageHistory.ts"
import { ServiceNotFound } from "../supervisors/SupervisorErrors.ts"
import { answer } from "./Answers.ts"
import { AllUsageAnswer, UsageAnswer } from "./ApiSchema.ts"
import { param, type Handler } from "./HttpContext.ts"

const reply = answer(UsageAnswer)
const replyAll = answer(AllUsageAnswer)

export const serviceUsage: Handler = (event) =>
  Effect.gen(function* () {
    const name = param(event, "name")
    if ((yield* (yield* ServiceViews).get(name)) === undefined) return yield* new ServiceNotFound({ name })
    const monitor = yield* Monitor
    yield* monitor.touch
    return reply(200, { history: yield* monitor.history(name) })
  })

export const allUsage: Handler = () =>
  Effect.gen(function* () {
    const views = yield* (yield* ServiceViews).all
    const monitor = yield* Monitor
    yield* monitor.touch
    const services: Record<string, { history: ReadonlyArray<UsagePoint> }> = {}
    for (const view of views) services[view.name] = { history: yield* monitor.history(view.name) }
    return replyAll(200, { services })
  })
