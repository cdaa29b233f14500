// /api/services: list, inspect, register, replace and delete services, and send them
// start / stop / restart. Handlers only decode, send a message through the supervision tree
// and encode the ServiceView it answers with; they never touch a process. Every view carries
// the monitor's latest CPU and memory; reading the list or one service counts as a look.
import { FastResponse } from "srvx"
import { Clock, Effect } from "effect"
import { viewAt, type ServiceView } from "../actors/ServiceView.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { Monitor } from "../monitor/Monitor.ts"
import { readCredentials } from "../os/ProcCredentials.ts"
import { withUsage } from "../monitor/Usage.ts"
import { RootSupervisor } from "../supervisors/RootSupervisor.ts"
import { ServiceNotFound, ServiceNotOneshot } from "../supervisors/SupervisorErrors.ts"
import { HistoryAnswer } from "./ApiSchema.ts"
import { loadCronFor } from "../config/CronLibrary.ts"
import { readJsonBody } from "./Body.ts"
import { answer, viewAnswer, wireView } from "./Answers.ts"
import { BadRequest, JSON_HEADERS } from "./HttpErrors.ts"
import { param, type Handler } from "./HttpContext.ts"
import type { Command } from "../supervisors/ServiceEvent.ts"

const present = (view: ServiceView) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const latest = yield* (yield* Monitor).latest
    return withUsage(viewAt(view, now), latest.get(view.name))
  })

const requireObject = (body: unknown) =>
  typeof body === "object" && body !== null && !Array.isArray(body)
    ? Effect.succeed(body)
    : Effect.fail(new BadRequest({ reason: "the request body must be a JSON object (a service table)" }))

export const listServices: Handler = (_event, ctx) =>
  Effect.gen(function* () {
    const monitor = yield* Monitor
    yield* monitor.touch
    const views = yield* ServiceViews
    const usage = yield* monitor.latest
    const now = yield* Clock.currentTimeMillis
    const key = { views: yield* views.version, usage, second: Math.floor(now / 1000) }
    // The views are read only when the held answer no longer holds.
    const body =
      ctx.list.held(key) ??
      ctx.list.keep(
        key,
        JSON.stringify(
          (yield* views.all).map((view) => wireView(withUsage(viewAt(view, now), usage.get(view.name)))),
        ),
      )
    return new FastResponse(body, { status: 200, headers: JSON_HEADERS })
  })

export const getService: Handler = (event) =>
  Effect.gen(function* () {
    const name = param(event, "name")
    const view = yield* (yield* ServiceViews).get(name)
    if (view === undefined) return yield* new ServiceNotFound({ name })
    yield* (yield* Monitor).touch
    // What its process runs as is read only here, for one service, not on a list poll.
    const { pid } = view
    const identity = pid === null ? null : yield* Effect.sync(() => readCredentials(pid))
    return viewAnswer(200, { ...(yield* present(view)), identity })
  })

export const registerService: Handler = (event) =>
  Effect.gen(function* () {
    const body = yield* readJsonBody(event.req).pipe(Effect.flatMap(requireObject))
    yield* loadCronFor(body)
    const view = yield* (yield* RootSupervisor).register(body)
    return viewAnswer(201, yield* present(view), {
      location: `/api/services/${encodeURIComponent(view.name)}`,
    })
  })

export const replaceService: Handler = (event) =>
  Effect.gen(function* () {
    const name = param(event, "name")
    const body = yield* readJsonBody(event.req).pipe(Effect.flatMap(requireObject))
    if ("name" in body && body.name !== name) {
      return yield* new BadRequest({
        reason: `the body names ${JSON.stringify(body.name)} but the URL names "${name}"`,
      })
    }
    yield* loadCronFor(body)
    return viewAnswer(200, yield* present(yield* (yield* RootSupervisor).replace(name, body)))
  })

export const deleteService: Handler = (event) =>
  Effect.gen(function* () {
    yield* (yield* RootSupervisor).unregister(param(event, "name"))
    return new FastResponse(null, { status: 204 })
  })

export const commandService =
  (command: Command): Handler =>
  (event) =>
    Effect.gen(function* () {
      const view = yield* (yield* RootSupervisor).command(param(event, "name"), command)
      return viewAnswer(202, yield* present(view))
    })

/** POST /api/services/:name/run: one run of a oneshot now, by its overlap rule; 409 for a service. */
export const runService: Handler = (event) =>
  Effect.gen(function* () {
    const name = param(event, "name")
    const service = yield* (yield* RootSupervisor).service(name)
    if (service.spec().type !== "oneshot") return yield* new ServiceNotOneshot({ name })
    return viewAnswer(202, yield* present(yield* service.runNow))
  })

const historyAnswer = answer(HistoryAnswer)

/**
 * GET /api/services/:name/history: every service's last run ends (why each ended), and a oneshot's
 * finished runs, newest first, each with the URL of
 * its log lines (the lines carry their times, so the run's start and end select them).
 */
export const serviceHistory: Handler = (event) =>
  Effect.gen(function* () {
    const name = param(event, "name")
    const service = yield* (yield* RootSupervisor).service(name)
    const view = yield* service.view
    const logs = `/api/services/${encodeURIComponent(name)}/logs`
    return historyAnswer(200, {
      running:
        view.state === "running" || view.state === "starting" || view.state === "stopping"
          ? view.pid === null || view.started_at === null
            ? null
            : { started_at: view.started_at, pid: view.pid }
          : null,
      next_run_at: view.next_run_at,
      ends: service.ends(),
      runs: service.runs().map((run) => ({
        ...run,
        logs: `${logs}?since=${encodeURIComponent(run.started_at)}&until=${encodeURIComponent(run.ended_at)}`,
      })),
    })
  })
