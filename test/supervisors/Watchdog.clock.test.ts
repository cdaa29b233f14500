// The watchdog under Effect's TestClock with a real process pinging through systemd-notify: it
// begins once the run is ready, each WATCHDOG=1 rearms it, and the first `watchdog` without a
// ping stops the run to the millisecond and hands it to the restart policy, as a crash.
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { FIXTURES } from "../support/daemon.ts"
import { actorFor, treeLayer as layer } from "../support/supervisorHarness.ts"

/** Lets the real process run a little (its pings) while the TestClock stands still. */
const realPause = (ms: number) => Effect.promise(() => new Promise((r) => setTimeout(r, ms)))

describe("watchdog under TestClock", () => {
  it.scoped("is rearmed by each WATCHDOG=1 and stops the run `watchdog` after the last one, to the ms", () =>
    Effect.gen(function* () {
      const { actor, next, capture } = yield* actorFor(
        {
          command: join(FIXTURES, "notify-pinger.sh"),
          ready: "notify",
          watchdog: "10s",
          backoff: { initial: "1s", jitter: 0 },
          // Two pings, 300 ms apart in real time: the TestClock moves only when the test says so.
          env: { PINGS: "2", PING_EVERY: "0.3" },
        },
        { runDir: mkdtempSync(join(tmpdir(), "dockless-run-")) },
      )
      yield* actor.command("start")
      yield* next((v) => v.state === "running" && v.status === "serving")
      // Armed at ready for 10 s; the first ping (real time) rearms it for 10 s more from then.
      yield* TestClock.adjust(9999)
      yield* next((v) => v.status === "ping 1")
      yield* TestClock.adjust(9999)
      yield* next((v) => v.status === "ping 2")
      yield* realPause(200)
      expect((yield* actor.view).state).toBe("running")
      // Silence from here: 10 s after the second ping, not a millisecond earlier.
      yield* TestClock.adjust(9999)
      yield* realPause(200)
      expect((yield* actor.view).state).toBe("running")
      yield* TestClock.adjust(1)
      yield* next((v) => v.state === "stopping")
      const backoff = yield* next((v) => v.state === "backoff")
      expect(backoff.restarts).toBe(1)
      expect(capture.tail(20).map((l) => l.text)).toContain(
        "no WATCHDOG=1 within 10s since its last one (watchdog): a failure",
      )
      yield* actor.command("stop")
    }).pipe(Effect.provide(layer())),
  )
})
