// A scheduled oneshot's supervisor under Effect's TestClock with real child processes: the
// firing times to the millisecond, the next firing after a run that exited 0 or 1 (restart =
// "never"), each overlap mode against a run that is still going, and a boot after a simulated
// downtime with and without catch_up (the saved next_run_at in state.json). The run itself is
// a real process; only the time is simulated.
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { loadCronFor } from "../../src/config/CronLibrary.ts"
import { Store } from "../../src/state/Store.ts"
import { isAlive } from "../support/daemon.ts"
import { actorFor, treeLayer } from "../support/supervisorHarness.ts"

/** 2026-01-05 09:00 local time: a Monday, so cron tables read naturally. */
const T0 = new Date(2026, 0, 5, 9, 0).getTime()
const MIN = 60_000

/** A data dir whose state.json says the job was due at `nextRunAt` when Dockless went down. */
const dataDir = (nextRunAt?: number) => {
  const dir = mkdtempSync(join(tmpdir(), "dockless-jobs-"))
  if (nextRunAt !== undefined)
    writeFileSync(
      join(dir, "state.json"),
      JSON.stringify({
        version: 1,
        services: {
          job: {
            desired: "running",
            pid: null,
            start_ticks: null,
            started_at: null,
            port: null,
            job: { next_run_at: new Date(nextRunAt).toISOString(), runs: [] },
          },
        },
      }),
    )
  return dir
}

const layer = treeLayer

const jobFor = (table: Record<string, unknown>) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(T0)
    yield* loadCronFor(table)
    yield* (yield* Store).load
    return yield* actorFor(
      { type: "oneshot", restart: "never", ...table },
      { name: "job", desired: "running" },
    )
  })

const ok = { command: "./exit-with-code.sh", args: ["0"] }
const sleeper = { command: "./sleeper.sh" }
const at = (ms: number) => new Date(ms).toISOString()

describe("a scheduled job under TestClock", () => {
  it.scoped("fires exactly on its cron times; after a run exiting 0 (a success) it fires again", () =>
    Effect.gen(function* () {
      const { actor, next } = yield* jobFor({ ...ok, schedule: "*/10 * * * *" })
      const armed = yield* actor.resume
      expect(armed.state).toBe("stopped")
      expect(armed.next_run_at).toBe(at(T0 + 10 * MIN))
      yield* TestClock.adjust(10 * MIN - 1)
      expect((yield* actor.view).pid).toBeNull()
      yield* TestClock.adjust(1)
      const done = yield* next((v) => v.state === "exited")
      expect(done.exit?.code).toBe(0)
      expect(done.last_run).toMatchObject({ outcome: "success", exit_code: 0, trigger: "schedule" })
      expect(done.next_run_at).toBe(at(T0 + 20 * MIN))
      yield* TestClock.adjust(10 * MIN)
      const second = yield* next((v) => v.state === "exited" && v.last_run?.started_at === at(T0 + 20 * MIN))
      expect(second.next_run_at).toBe(at(T0 + 30 * MIN))
      expect((yield* actor.view).state).toBe("exited")
    }).pipe(Effect.provide(layer(dataDir()))),
  )

  // PM2 #1767, #2622: with autorestart off, a cron app whose run exited never ran again. Here a
  // run's end, failed or not, leaves the schedule armed; restart = "never" only means no retry.
  it.scoped('a run exiting 1 with restart = "never" still fires at the next scheduled time', () =>
    Effect.gen(function* () {
      const { actor, next } = yield* jobFor({
        command: "./exit-with-code.sh",
        args: ["1"],
        schedule: "every 10m",
      })
      yield* actor.resume
      yield* TestClock.adjust(10 * MIN)
      const failed = yield* next((v) => v.state === "exited")
      expect(failed.exit?.code).toBe(1)
      expect(failed.last_run).toMatchObject({
        outcome: "failure",
        exit_code: 1,
        started_at: at(T0 + 10 * MIN),
      })
      expect(failed.next_run_at).toBe(at(T0 + 20 * MIN))
      // No retry in between: restart = "never" is kept.
      yield* TestClock.adjust(10 * MIN - 1)
      expect((yield* actor.view).last_run?.started_at).toBe(at(T0 + 10 * MIN))
      expect((yield* actor.view).pid).toBeNull()
      yield* TestClock.adjust(1)
      const again = yield* next((v) => v.state === "exited" && v.last_run?.started_at === at(T0 + 20 * MIN))
      expect(again.last_run).toMatchObject({ outcome: "failure", exit_code: 1, trigger: "schedule" })
      expect(again.next_run_at).toBe(at(T0 + 30 * MIN))
    }).pipe(Effect.provide(layer(dataDir()))),
  )

  it.scoped("overlap = skip: a firing while the run goes is skipped and said, the run goes on", () =>
    Effect.gen(function* () {
      const { actor, next, capture } = yield* jobFor({ ...sleeper, schedule: "every 5m", overlap: "skip" })
      yield* actor.resume
      yield* TestClock.adjust(5 * MIN)
      const running = yield* next((v) => v.state === "running")
      yield* TestClock.adjust(5 * MIN)
      yield* next((v) => v.next_run_at === at(T0 + 15 * MIN))
      expect((yield* actor.view).pid).toBe(running.pid)
      expect(
        capture.tail(20).some((l) => l.text.startsWith("the schedule run skipped: the run started at")),
      ).toBe(true)
      yield* actor.command("stop")
      yield* next((v) => v.state === "stopped")
    }).pipe(Effect.provide(layer(dataDir()))),
  )

  it.scoped("overlap = kill: the run still going is stopped and a new one starts", () =>
    Effect.gen(function* () {
      const { actor, next } = yield* jobFor({ ...sleeper, schedule: "every 5m", overlap: "kill" })
      yield* actor.resume
      yield* TestClock.adjust(5 * MIN)
      const first = yield* next((v) => v.state === "running")
      yield* TestClock.adjust(5 * MIN)
      const second = yield* next((v) => v.state === "running" && v.pid !== first.pid)
      expect(isAlive(first.pid ?? 0)).toBe(false)
      expect(second.last_run).toMatchObject({ outcome: "stopped", signal: "SIGTERM", trigger: "schedule" })
      yield* actor.command("stop")
      // The run that replaced the killed one was the schedule's too.
      const stopped = yield* next((v) => v.state === "stopped")
      expect(stopped.last_run).toMatchObject({ outcome: "stopped", trigger: "schedule" })
    }).pipe(Effect.provide(layer(dataDir()))),
  )

  it.scoped("overlap = queue: one run waits for the current one and starts when it ends", () =>
    Effect.gen(function* () {
      const { actor, next } = yield* jobFor({ ...sleeper, schedule: "every 5m", overlap: "queue" })
      yield* actor.resume
      yield* TestClock.adjust(5 * MIN)
      const first = yield* next((v) => v.state === "running")
      yield* TestClock.adjust(10 * MIN) // two firings: one queued, one dropped
      expect((yield* actor.view).pid).toBe(first.pid)
      process.kill(first.pid ?? 0, "SIGTERM")
      const second = yield* next((v) => v.state === "running" && v.pid !== first.pid)
      expect(second.last_run).toMatchObject({ outcome: "failure", signal: "SIGTERM" })
      yield* actor.command("stop")
      const stopped = yield* next((v) => v.state === "stopped")
      // Only one run was queued: after the stop nothing else starts.
      yield* TestClock.adjust(30 * MIN)
      expect((yield* actor.view).pid).toBeNull()
      expect(stopped.next_run_at).toBeNull()
    }).pipe(Effect.provide(layer(dataDir()))),
  )

  it.scoped("a person's stop pauses the schedule; a start arms it again from now", () =>
    Effect.gen(function* () {
      const { actor, next } = yield* jobFor({ ...ok, schedule: "every 5m" })
      yield* actor.resume
      const stopped = yield* actor.command("stop")
      expect(stopped.next_run_at).toBeNull()
      yield* TestClock.adjust(60 * MIN)
      expect((yield* actor.view).last_run).toBeNull()
      const started = yield* actor.command("start")
      expect(started.next_run_at).toBe(at(T0 + 65 * MIN))
      yield* TestClock.adjust(5 * MIN)
      yield* next((v) => v.state === "exited")
    }).pipe(Effect.provide(layer(dataDir()))),
  )

  it.scoped("after a downtime, a missed firing is not run without catch_up", () =>
    Effect.gen(function* () {
      const { actor, capture } = yield* jobFor({ ...ok, schedule: "*/10 * * * *" })
      const armed = yield* actor.resume
      expect(armed.state).toBe("stopped")
      expect(armed.next_run_at).toBe(at(T0 + 10 * MIN))
      expect(capture.tail(5).map((l) => l.text)).toContain(
        `missed the run due at ${at(T0)} while Dockless was down; catch_up = false, not running it`,
      )
    }).pipe(Effect.provide(layer(dataDir(T0 - 40 * MIN)))),
  )

  it.scoped("after a downtime with catch_up = true, it runs once for the most recent missed firing", () =>
    Effect.gen(function* () {
      const { actor, next } = yield* jobFor({ ...ok, schedule: "*/10 * * * *", catch_up: true })
      yield* actor.resume
      const done = yield* next((v) => v.state === "exited")
      expect(done.last_run).toMatchObject({ trigger: "catch-up", outcome: "success" })
      expect(done.next_run_at).toBe(at(T0 + 10 * MIN))
    }).pipe(Effect.provide(layer(dataDir(T0 - 40 * MIN)))),
  )

  it.scoped("a saved firing still ahead is kept, not moved (the schedule survives a restart)", () =>
    Effect.gen(function* () {
      const { actor, next } = yield* jobFor({ ...ok, schedule: "every 10m" })
      const armed = yield* actor.resume
      expect(armed.next_run_at).toBe(at(T0 + 90_000))
      yield* TestClock.adjust(90_000)
      yield* next((v) => v.state === "exited")
    }).pipe(Effect.provide(layer(dataDir(T0 + 90_000)))),
  )
})
