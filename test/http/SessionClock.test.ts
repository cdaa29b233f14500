// Session expiry and the login throttle's delays on Effect's TestClock: exact to the millisecond.
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { delayAfter, FREE_FAILURES, makeLoginThrottle } from "../../src/http/LoginThrottle.ts"
import { makeSessions } from "../../src/http/Sessions.ts"

const HOUR = 3_600_000
const dataDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "dockless-sessions-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
)

describe("sessions on the TestClock", () => {
  it.scoped("end after the idle time without use, and at the absolute age even when used", () =>
    Effect.gen(function* () {
      const dir = yield* dataDir
      const sessions = yield* makeSessions(
        dir,
        { idleMs: 12 * HOUR, maxAgeMs: 7 * 24 * HOUR },
        new Set(["o"]),
      )
      const idle = yield* sessions.open("admin", "o", "10.0.0.2", "ua")
      yield* TestClock.adjust(Duration.millis(12 * HOUR - 1))
      expect(yield* sessions.find(idle.id)).toBeDefined()
      yield* TestClock.adjust(Duration.millis(12 * HOUR))
      expect(yield* sessions.find(idle.id)).toBeUndefined()

      const used = yield* sessions.open("viewer", "o", "10.0.0.3", "ua")
      // Used every 11 h: never idle, but 7 days after login it ends all the same.
      for (let h = 11; h < 7 * 24; h += 11) {
        yield* TestClock.adjust(Duration.hours(11))
        expect(yield* sessions.find(used.id)).toBeDefined()
      }
      yield* TestClock.adjust(Duration.hours(11))
      expect(yield* sessions.find(used.id)).toBeUndefined()
    }),
  )

  it.scoped("are read back from the file, and dropped when their token is no longer configured", () =>
    Effect.gen(function* () {
      const dir = yield* dataDir
      const limits = { idleMs: HOUR, maxAgeMs: 2 * HOUR }
      const first = yield* makeSessions(dir, limits, new Set(["a", "b"]))
      const a = yield* first.open("admin", "a", "x", "ua")
      const b = yield* first.open("viewer", "b", "x", "ua")
      const again = yield* makeSessions(dir, limits, new Set(["a"]))
      expect(yield* again.find(a.id)).toBeDefined()
      expect(yield* again.find(b.id)).toBeUndefined()
    }),
  )
})

describe("login throttle on the TestClock", () => {
  it("is free for 5 failures, then doubles from 1 s to at most 5 min", () => {
    expect([1, 2, 3, 4].map(delayAfter)).toEqual([0, 0, 0, 0])
    expect([5, 6, 7, 8].map(delayAfter)).toEqual([1000, 2000, 4000, 8000])
    expect(delayAfter(40)).toBe(300_000)
  })

  it.effect("shuts an address out after 5 failures until the delay passes; a success forgets it", () =>
    Effect.gen(function* () {
      const throttle = makeLoginThrottle()
      for (let i = 0; i < FREE_FAILURES; i++) {
        expect((yield* throttle.admit("a"))._tag).toBe("Admitted")
        yield* throttle.failed("a")
      }
      expect(yield* throttle.admit("a")).toEqual({ _tag: "ShutOut", retryAfterS: 1 })
      expect((yield* throttle.admit("b"))._tag).toBe("Admitted")
      yield* TestClock.adjust(Duration.millis(999))
      expect((yield* throttle.admit("a"))._tag).toBe("ShutOut")
      yield* TestClock.adjust(Duration.millis(1))
      expect((yield* throttle.admit("a"))._tag).toBe("Admitted")
      yield* throttle.failed("a")
      expect(yield* throttle.admit("a")).toEqual({ _tag: "ShutOut", retryAfterS: 2 })
      yield* TestClock.adjust(Duration.seconds(2))
      yield* throttle.succeeded("a")
      yield* throttle.failed("a")
      expect((yield* throttle.admit("a"))._tag).toBe("Admitted")
    }),
  )
})
