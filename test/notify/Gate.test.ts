// The pure side of alerts: what a new view means (ViewAlerts) and what one target sends of it
// (Gate: its filters, crash-loop window, dedupe, rate limit), each with `now` passed in; and the
// retry schedule's waits on Effect's TestClock.
import { Effect, Fiber, TestClock } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { ALERT_KINDS, notifyDefaults, type NotifySpec } from "../../src/config/NotifySpec.ts"
import type { ServiceView } from "../../src/actors/ServiceView.ts"
import { Alert } from "../../src/notify/Alert.ts"
import { retrySchedule } from "../../src/notify/Delivery.ts"
import {
  admit,
  emptyGate,
  globMatcher,
  policyOf,
  type GateState,
  type Verdict,
} from "../../src/notify/Gate.ts"
import { observe, type Observation } from "../../src/notify/ViewAlerts.ts"

const spec = (over: Partial<NotifySpec> = {}): NotifySpec => ({
  index: 0,
  name: "hook",
  type: "webhook",
  destination: { _tag: "Webhook", url: "http://127.0.0.1:1/", secret: undefined },
  events: ALERT_KINDS,
  services: [],
  ...notifyDefaults,
  ...over,
})

const view = (over: Partial<ServiceView> = {}): ServiceView => ({
  name: "api",
  source: "config",
  state: "running",
  desired: "running",
  pid: 10,
  restarts: 0,
  last_restart_reason: null,
  last_restart_at: null,
  recent_restarts: 0,
  started_at: null,
  uptime_s: null,
  exit: null,
  next_restart_at: null,
  error: null,
  cpu_percent: null,
  cpu_seconds: null,
  rss_bytes: null,
  ports: [],
  health: null,
  log_error: null,
  identity: null,
  next_run_at: null,
  last_run: null,
  status: null,
  main_pid: null,
  spec: {},
  ...over,
})

const raised = (alert: Alert): Observation => ({ _tag: "Raised", alert })
const restarted = (service: string, at: number): Observation => ({ _tag: "Restarted", service, at })

/** Runs observations through one target's gate at the given times; the verdicts' tags. */
const run = (s: NotifySpec, steps: ReadonlyArray<readonly [Observation, number]>) => {
  const policy = policyOf(s)
  let gate: GateState = emptyGate
  const verdicts: Array<Verdict> = []
  for (const [observation, now] of steps) {
    const [next, verdict] = admit(gate, policy, observation, now)
    gate = next
    verdicts.push(verdict)
  }
  return verdicts
}

describe("ViewAlerts.observe", () => {
  it("says failed once when a view turns failed, with its error", () => {
    const first = observe(undefined, view(), 0)
    const failed = observe(first.sight, view({ state: "failed", error: "more than 3 restarts in 1m" }), 5)
    expect(failed.observations).toEqual([
      raised(Alert.Failed({ service: "api", error: "more than 3 restarts in 1m", at: 5 })),
    ])
    expect(observe(failed.sight, view({ state: "failed", error: "x" }), 6).observations).toEqual([])
  })

  it("counts each restart after the first sight, not the count it was first seen with", () => {
    const first = observe(undefined, view({ restarts: 4 }), 0)
    expect(first.observations).toEqual([])
    const next = observe(first.sight, view({ restarts: 6 }), 9)
    expect(next.observations).toEqual([restarted("api", 9), restarted("api", 9)])
  })

  it("says unhealthy once, and healthy again only after unhealthy", () => {
    const health = (status: "starting" | "healthy" | "unhealthy") =>
      view({
        health: { status, failures: status === "unhealthy" ? 3 : 0, last_error: "timeout", checked_at: null },
      })
    const a = observe(undefined, health("healthy"), 0)
    expect(a.observations).toEqual([])
    const b = observe(a.sight, health("unhealthy"), 1)
    expect(b.observations).toEqual([
      raised(Alert.HealthFailing({ service: "api", failures: 3, error: "timeout", at: 1 })),
    ])
    const c = observe(b.sight, health("starting"), 2)
    expect(c.observations).toEqual([])
    const d = observe(c.sight, health("healthy"), 3)
    expect(d.observations).toEqual([raised(Alert.HealthRecovered({ service: "api", at: 3 }))])
  })
})

describe("Gate.admit", () => {
  const failed = (service: string, at: number) => raised(Alert.Failed({ service, error: "boom", at }))

  it("keeps to its events and its services' globs; Dockless's own events pass any services filter", () => {
    const s = spec({ events: ["failed", "dockless_started"], services: ["web-*", "db"] })
    const tags = run(s, [
      [failed("web-1", 0), 0],
      [failed("db", 0), 0],
      [failed("dbx", 0), 0],
      [raised(Alert.HealthRecovered({ service: "web-1", at: 0 })), 0],
      [raised(Alert.DocklessStarted({ services: 3, at: 0 })), 0],
    ]).map((v) => v._tag)
    expect(tags).toEqual(["Send", "Send", "Ignored", "Ignored", "Send"])
  })

  it("globs: * and ? only, other characters literal", () => {
    const m = globMatcher(["a.b*", "c?"])
    expect([m("a.b"), m("a.bcd"), m("axb"), m("c1"), m("c12")]).toEqual([true, true, false, true, false])
  })

  it("a crash loop is `restarts` restarts within `within`, said once per dedupe window (crashmail #108)", () => {
    const s = spec({ crash_loop: { restarts: 3, within: 60_000 }, dedupe: 600_000 })
    // A restart every 2 s for 20 minutes: 600 restarts.
    const steps = Array.from({ length: 600 }, (_, i) => [restarted("api", i * 2000), i * 2000] as const)
    const verdicts = run(s, steps)
    const sent = verdicts.flatMap((v, i) => (v._tag === "Send" ? [i] : []))
    // The third restart starts the loop; the next message only once the dedupe window has passed.
    expect(sent).toEqual([2, 302])
    const first = verdicts[2]
    expect(first?._tag === "Send" && first.alert).toEqual(
      Alert.CrashLoop({ service: "api", restarts: 3, within: 60_000, at: 4000 }),
    )
  })

  it("restarts spread wider than the window are no loop", () => {
    const s = spec({ crash_loop: { restarts: 3, within: 60_000 } })
    const tags = run(
      s,
      [0, 40_000, 80_000, 120_000].map((t) => [restarted("api", t), t] as const),
    )
    expect(tags.map((v) => v._tag)).toEqual(["Ignored", "Ignored", "Ignored", "Ignored"])
  })

  it("dedupes per service and kind: another service or kind still goes out", () => {
    const s = spec({ dedupe: 60_000 })
    const tags = run(s, [
      [failed("a", 0), 0],
      [failed("a", 1), 1000],
      [failed("b", 2), 2000],
      [raised(Alert.MemoryMax({ service: "a", reason: "x", at: 3 })), 3000],
      [failed("a", 4), 61_000],
    ]).map((v) => v._tag)
    expect(tags).toEqual(["Send", "Deduped", "Send", "Send", "Send"])
  })

  it("rate limits, and the next message sent says how many were held back", () => {
    const s = spec({ dedupe: 0, rate_limit: { messages: 2, per: 60_000 } })
    const verdicts = run(
      s,
      ["a", "b", "c", "d", "e"]
        .map((name, i) => [failed(name, i), i * 1000] as const)
        .concat([[failed("f", 9), 61_000]]),
    )
    expect(verdicts.map((v) => v._tag)).toEqual([
      "Send",
      "Send",
      "RateLimited",
      "RateLimited",
      "RateLimited",
      "Send",
    ])
    const last = verdicts[5]
    expect(last?._tag === "Send" && last.suppressed).toBe(3)
  })
})

describe("Delivery.retrySchedule", () => {
  it.effect("tries again after retry_delay, then twice as long each time, `retries` times", () =>
    Effect.gen(function* () {
      const tries: Array<number> = []
      const failing = Effect.gen(function* () {
        tries.push(yield* TestClockNow)
        return yield* Effect.fail("refused")
      })
      const fiber = yield* Effect.fork(
        failing.pipe(Effect.retry(retrySchedule({ retries: 3, retry_delay: 1000 })), Effect.either),
      )
      yield* TestClock.adjust("1 minute")
      const result = yield* Fiber.join(fiber)
      expect(result._tag).toBe("Left")
      expect(tries).toEqual([0, 1000, 3000, 7000])
    }),
  )
})

const TestClockNow = Effect.clockWith((clock) => clock.currentTimeMillis)
