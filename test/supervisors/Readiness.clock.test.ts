// Readiness under Effect's TestClock with real child processes: a service is `starting` until
// its `ready` condition holds, and start_timeout bounds that to the millisecond: a run not ready
// by then is stopped and restarted by its policy, and never shown running.
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { FIXTURES } from "../support/daemon.ts"
import { actorFor, treeLayer as layer } from "../support/supervisorHarness.ts"

const FIXTURE = join(FIXTURES, "ready-later.mjs")

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
