// GET /api/services/:name/usage: the last 5 minutes of one service's CPU and memory for the
// dashboard's sparkline, `{ "history": [{ "at", "cpu_percent", "rss_bytes" }] }`, oldest first.
// Reading it counts as a look, so the monitor samples (and the history fills) while it is open.
import { Effect } from "effect"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { Monitor } from "../monitor/Monitor.ts"
import { ServiceNotFound } from "../supervisors/SupervisorErrors.ts"
import { answer } from "./Answers.ts"
import { UsageAnswer } from "./ApiSchema.ts"
import { param, type Handler } from "./HttpContext.ts"

const reply = answer(UsageAnswer)

export const serviceUsage: Handler = (event) =>
  Effect.gen(function* () {
    const name = param(event, "name")
    if ((yield* (yield* ServiceViews).get(name)) === undefined) return yield* new ServiceNotFound({ name })
    const monitor = yield* Monitor
    yield* monitor.touch
    return reply(200, { history: yield* monitor.history(name) })
  })
