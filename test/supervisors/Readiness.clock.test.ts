// Readiness under Effect's TestClock with real child processes: a service is `starting` until
// its `ready` condition holds, and start_timeout bounds that to the millisecond: a run not ready
// by then is stopped and restarted by its policy, and never shown running.
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Queue, TestClock } from "effect"
import { Escapees } from "../../src/actors/Escapees.ts"
import { OutputCapture } from "../../src/actors/OutputCapture.ts"
import type { ServiceView } from "../../src/actors/ServiceView.ts"
import { ServiceViews } from "../../src/actors/ServiceViews.ts"
import { Store } from "../../src/state/Store.ts"
import { makeServiceSupervisor } from "../../src/supervisors/ServiceSupervisor.ts"
import { SpawnBudget } from "../../src/supervisors/SpawnBudget.ts"
import { FIXTURES } from "../support/daemon.ts"
import { specOf } from "../support/specs.ts"

const FIXTURE = join(FIXTURES, "ready-later.mjs")

const layer = () =>
  Layer.mergeAll(
    ServiceViews.layer,
    Store.layer(mkdtempSync(join(tmpdir(), "dockless-ready-"))),
    SpawnBudget.layer,
    Escapees.layer,
  )

/** A supervisor for `table`, with every view it publishes, in order. */
const actorFor = (table: Record<string, unknown>) =>
  Effect.gen(function* () {
    const views = yield* ServiceViews
    const subscription = yield* views.subscribe
    const capture = new OutputCapture({ file: undefined })
    const actor = yield* makeServiceSupervisor({
      identity: { instance: "test", boot: "0", runDir: "/tmp/dockless-test-run" },
      spec: specOf("svc", table),
      source: "config",
      desired: "stopped",
      capture,
      port: undefined,
      membership: "alone",
      report: () => Effect.void,
    })
    const seen: Array<ServiceView> = []
    const next = (ok: (v: ServiceView) => boolean) =>
      Effect.gen(function* () {
        for (;;) {
          const event = yield* Queue.take(subscription.events)
          if (event._tag !== "Changed") continue
          seen.push(event.view)
          if (ok(event.view)) return event.view
        }
      })
    return { actor, next, seen, capture }
  })

/** Lets the real process run a little (its output, its exit) while the TestClock stands still. */
const realPause = (ms: number) => Effect.promise(() => new Promise((r) => setTimeout(r, ms)))

describe("readiness under TestClock", () => {
  it.scoped("is starting until its output matches, then running", () =>
    Effect.gen(function* () {
      const { actor, next, capture } = yield* actorFor({
        command: "node",
        args: [FIXTURE],
        ready: { log: "^ready to serve" },
      })
      yield* actor.command("start")
      const starting = yield* next((v) => v.state === "starting")
      expect(starting.pid).not.toBeNull()
      yield* next((v) => v.state === "running")
      expect(capture.tail(10).map((l) => l.text)).toContain(
        'ready (its output printed "ready to serve"); running',
      )
      yield* actor.command("stop")
    }).pipe(Effect.provide(layer())),
  )

  it.scoped(
    "fails a start not ready within start_timeout, to the millisecond, and restarts it by policy",
    () =>
      Effect.gen(function* () {
        const { actor, next, seen } = yield* actorFor({
          command: "node",
          args: [FIXTURE],
          ready: { log: "never printed" },
          start_timeout: "5s",
          backoff: { initial: "1s", jitter: 0 },
        })
        yield* actor.command("start")
        const first = yield* next((v) => v.state === "starting")
        yield* realPause(300)
        yield* TestClock.adjust(4999)
        yield* realPause(100)
        expect((yield* actor.view).state).toBe("starting")
        yield* TestClock.adjust(1)
        yield* next((v) => v.state === "stopping")
        const backoff = yield* next((v) => v.state === "backoff")
        expect(backoff.restarts).toBe(1)
        yield* TestClock.adjust(1000)
        const second = yield* next((v) => v.state === "starting")
        expect(second.pid).not.toBe(first.pid)
        expect(seen.some((v) => v.state === "running")).toBe(false)
        yield* actor.command("stop")
      }).pipe(Effect.provide(layer())),
  )

  it.scoped('with restart = "never", a start that timed out ends failed or exited, never running', () =>
    Effect.gen(function* () {
      const { actor, next, seen } = yield* actorFor({
        command: "node",
        args: [FIXTURE],
        ready: { log: "never printed" },
        start_timeout: "2s",
        restart: "never",
      })
      yield* actor.command("start")
      yield* next((v) => v.state === "starting")
      yield* TestClock.adjust(2000)
      const end = yield* next((v) => v.state === "exited" || v.state === "failed")
      expect(end.pid).toBeNull()
      expect(seen.some((v) => v.state === "running")).toBe(false)
    }).pipe(Effect.provide(layer())),
  )
})
