import { describe, expect, it } from "vitest"
import { nextFailureCount, restartDelay } from "../../src/supervisors/Backoff.ts"
import { recordRestart } from "../../src/supervisors/Intensity.ts"
import { shouldRestart } from "../../src/supervisors/RestartPolicy.ts"
import { decide, freshHistory } from "../../src/supervisors/RestartDecision.ts"
import { specOf } from "../support/specs.ts"

const clean = { code: 0, signal: null }
const crashed = { code: 3, signal: null }
const killed = { code: null, signal: "SIGKILL" as const }

describe("RestartPolicy", () => {
  it.each([
    ["always", clean, true],
    ["always", crashed, true],
    ["always", killed, true],
    ["on-failure", clean, false],
    ["on-failure", crashed, true],
    ["on-failure", killed, true],
    ["never", clean, false],
    ["never", crashed, false],
    ["never", killed, false],
  ] as const)("%s after %j restarts: %s", (policy, exit, expected) => {
    expect(shouldRestart(policy, exit)).toBe(expected)
  })
})

describe("Backoff", () => {
  const spec = { initial: 500, max: 30_000, factor: 2, jitter: 0, reset_after: 60_000 }
  it("doubles from initial and caps at max", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => restartDelay(spec, n, 0.5))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ])
  })
  it("spreads by at most ±jitter", () => {
    const jittered = { ...spec, jitter: 0.1 }
    expect(restartDelay(jittered, 1, 0)).toBe(450)
    expect(restartDelay(jittered, 1, 0.999999)).toBe(550)
    expect(restartDelay(jittered, 1, 0.5)).toBe(500)
  })
  it("counts consecutive failures and resets after a run of reset_after", () => {
    expect(nextFailureCount(spec, 3, 59_999)).toBe(4)
    expect(nextFailureCount(spec, 3, 60_000)).toBe(1)
  })
})

describe("Intensity", () => {
  const spec = { max_restarts: 3, period: 10_000 }
  it("allows max_restarts within the period and refuses one more", () => {
    let window: ReadonlyArray<number> = []
    for (const now of [0, 1000, 2000]) {
      const verdict = recordRestart(window, now, spec)
      expect(verdict._tag).toBe("Within")
      if (verdict._tag === "Within") window = verdict.window
    }
    expect(recordRestart(window, 3000, spec)).toEqual({
      _tag: "Exceeded",
      reason: "more than 3 restarts in 10s",
    })
  })
  it("forgets restarts older than the period", () => {
    expect(recordRestart([0, 1000, 2000], 10_500, spec)).toEqual({
      _tag: "Within",
      window: [1000, 2000, 10_500],
    })
  })
})

describe("RestartDecision.decide", () => {
  const spec = specOf("svc", {
    command: "/bin/true",
    restart: "on-failure",
    backoff: { initial: "1s", max: "4s", factor: 2, jitter: 0 },
    intensity: { max_restarts: 2, period: "1m" },
  })
  it("leaves a clean exit of an on-failure service exited", () => {
    expect(
      decide(
        spec,
        freshHistory,
        { exit: clean, ranMs: 10, now: 0, unit: 0.5, faulted: false },
        spec.intensity,
      ),
    ).toEqual({
      _tag: "Exit",
    })
  })
  it("restarts an on-failure service that Dockless stopped for a fault, even when it exited 0", () => {
    expect(
      decide(spec, freshHistory, { exit: clean, ranMs: 10, now: 0, unit: 0.5, faulted: true }, spec.intensity)
        ._tag,
    ).toBe("Restart")
  })
  it("restarts a crash after the backoff delay and records it", () => {
    expect(
      decide(
        spec,
        freshHistory,
        { exit: crashed, ranMs: 10, now: 5000, unit: 0.5, faulted: false },
        spec.intensity,
      ),
    ).toEqual({
      _tag: "Restart",
      delay: 1000,
      history: { failures: 1, window: [5000] },
    })
  })
  it("gives up past the intensity limit", () => {
    expect(
      decide(
        spec,
        { failures: 2, window: [0, 1000] },
        { exit: killed, ranMs: 10, now: 2000, unit: 0.5, faulted: false },
        spec.intensity,
      ),
    ).toEqual({
      _tag: "GiveUp",
      reason: "more than 2 restarts in 1m",
    })
  })
  it("never gives up a group member: its group counts its restarts (OTP: a child has no intensity)", () => {
    expect(
      decide(
        spec,
        { failures: 2, window: [0, 1000] },
        { exit: killed, ranMs: 10, now: 2000, unit: 0.5, faulted: false },
        undefined,
      ),
    ).toEqual({ _tag: "Restart", delay: 4000, history: { failures: 3, window: [] } })
  })
})
