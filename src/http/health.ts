// GET /api/health: open to anyone (load balancers, `dockless status`, systemd checks), and
// tells only that Dockless is up, its version and commit, uptime and how many services it supervises.
import { Clock, Effect } from "effect"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { commit, version } from "../version.ts"
import { answer } from "./Answers.ts"
import { HealthAnswer } from "./ApiSchema.ts"
import type { Handler } from "./HttpContext.ts"

const reply = answer(HealthAnswer)

export const health: Handler = (_event, ctx) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const services = (yield* (yield* ServiceViews).all).length
    return reply(200, {
      status: "ok",
      version,
      commit,
      uptime_s: Math.floor((now - ctx.startedAt) / 1000),
      services,
    })
  })
