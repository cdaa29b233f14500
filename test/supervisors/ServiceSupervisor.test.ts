// A service supervisor under Effect's TestClock with real child processes: every backoff delay,
// reset_after, the intensity limit, a manual start and the stop protocol are checked to the
// millisecond.
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { FIXTURES, isAlive } from "../support/daemon.ts"
import { actorFor, treeLayer as layer } from "../support/supervisorHarness.ts"

const crash = [join(FIXTURES, "exit-with-code.sh"), "3"]

describe("ServiceSupervisor under TestClock", () => {
  it.scoped("waits exactly initial * factor^(n-1), capped at max, between restarts", () =>
    Effect.gen(function* () {
      const { actor, next } = yield* actorFor({
        command: crash[0],
        args: [crash[1]],
        backoff: { initial: "1s", max: "4s", factor: 2, jitter: 0 },
      })
      yield* actor.command("start")
      const delays: Array<number> = []
      for (let i = 0; i < 4; i++) {
        const backoff = yield* next((v) => v.state === "backoff")
        delays.push(Date.parse(backoff.next_restart_at ?? "") - Date.parse(backoff.exit?.at ?? ""))
        yield* TestClock.adjust(delays[i] ?? 0)
      }
      expect(delays).toEqual([1000, 2000, 4000, 4000])
    }).pipe(Effect.provide(layer())),
  )

  it.scoped("goes back to the initial delay after a run that lasted reset_after", () =>
    Effect.gen(function* () {
      const { actor, next } = yield* actorFor({
        command: "./sleeper.sh",
        restart: "always",
        backoff: { initial: "1s", max: "1m", factor: 2, jitter: 0, reset_after: "5s" },
      })
      const killAndTime = Effect.gen(function* () {
        const running = yield* next((v) => v.state === "running")
        process.kill(running.pid ?? 0, "SIGKILL")
        const backoff = yield* next((v) => v.state === "backoff")
        return Date.parse(backoff.next_restart_at ?? "") - Date.parse(backoff.exit?.at ?? "")
      })
      yield* actor.command("start")
      expect(yield* killAndTime).toBe(1000)
      yield* TestClock.adjust(1000)
      expect(yield* killAndTime).toBe(2000)
      yield* TestClock.adjust(2000)
      const running = yield* next((v) => v.state === "running")
      yield* TestClock.adjust(5000)
      process.kill(running.pid ?? 0, "SIGKILL")
      const backoff = yield* next((v) => v.state === "backoff")
      expect(Date.parse(backoff.next_restart_at ?? "") - Date.parse(backoff.exit?.at ?? "")).toBe(1000)
    }).pipe(Effect.provide(layer())),
  )

  it.scoped("fails after more than max_restarts within period, and a manual start clears it", () =>
    Effect.gen(function* () {
      const { actor, next } = yield* actorFor({
        command: crash[0],
        args: [crash[1]],
        backoff: { initial: "100ms", factor: 1, jitter: 0 },
        intensity: { max_restarts: 3, period: "10s" },
      })
      yield* actor.command("start")
      for (let i = 0; i < 3; i++) {
        yield* next((v) => v.state === "backoff")
        yield* TestClock.adjust(100)
      }
      const failed = yield* next((v) => v.state === "failed")
      expect(failed.error).toBe("more than 3 restarts in 10s; last exited with code 3")
      expect(failed.restarts).toBe(3)
      const restarted = yield* actor.command("start")
      expect(restarted.state).toBe("running")
      const backoff = yield* next((v) => v.state === "backoff")
      expect(Date.parse(backoff.next_restart_at ?? "") - Date.parse(backoff.exit?.at ?? "")).toBe(100)
    }).pipe(Effect.provide(layer())),
  )

  it.scoped("restarts at once in the exit callback, and the new process is a run like any other", () =>
    Effect.gen(function* () {
      const { actor, next } = yield* actorFor({
        command: "./sleeper.sh",
        restart: "always",
        backoff: { initial: 0 },
      })
      const first = yield* actor.command("start")
      process.kill(first.pid ?? 0, "SIGKILL")
      const second = yield* next((v) => v.state === "running" && v.pid !== first.pid)
      expect(second.restarts).toBe(1)
      expect(isAlive(second.pid ?? 0)).toBe(true)
      const stopped = yield* actor.command("stop")
      expect(stopped.state).toBe("stopping")
      yield* next((v) => v.state === "stopped")
      expect(isAlive(second.pid ?? 0)).toBe(false)
    }).pipe(Effect.provide(layer())),
  )

  it.scoped("counts restarts taken at once: a process that exits at once fails after max_restarts", () =>
    Effect.gen(function* () {
      const { actor, next } = yield* actorFor({
        command: crash[0],
        args: [crash[1]],
        backoff: { initial: 0 },
        intensity: { max_restarts: 5, period: "10s" },
      })
      yield* actor.command("start")
      const failed = yield* next((v) => v.state === "failed")
      expect(failed.error).toBe("more than 5 restarts in 10s; last exited with code 3")
      expect(failed.restarts).toBe(5)
      expect(isAlive(failed.pid ?? 0)).toBe(false)
    }).pipe(Effect.provide(layer())),
  )

  it.scoped("escalates to SIGKILL after stop_timeout and leaves nothing of the group", () =>
    Effect.gen(function* () {
      const { actor, next, capture } = yield* actorFor({ command: "./ignore-sigterm.sh", stop_timeout: "3s" })
      const running = yield* actor.command("start")
      const line = yield* Effect.promise(async () => {
        for (;;) {
          const found = capture.tail(10).find((l) => l.text.startsWith("grandchild "))
          if (found !== undefined) return found.text
          await new Promise((r) => setTimeout(r, 10))
        }
      })
      const grandchild = Number(line.split(" ")[1])
      const stopping = yield* actor.command("stop")
      expect(stopping.state).toBe("stopping")
      yield* TestClock.adjust(2999)
      expect(isAlive(running.pid ?? 0)).toBe(true)
      yield* TestClock.adjust(1)
      const stopped = yield* next((v) => v.state === "stopped" && v.exit !== null)
      expect(stopped.exit?.signal).toBe("SIGKILL")
      yield* Effect.promise(async () => {
        for (let i = 0; i < 200 && isAlive(grandchild); i++) await new Promise((r) => setTimeout(r, 10))
      })
      expect(isAlive(grandchild)).toBe(false)
    }).pipe(Effect.provide(layer())),
  )
})
