import { describe, expect, it } from "vitest"
import { judgeProbe } from "../../src/actors/HealthVerdict.ts"

const check = {
  check: { _tag: "tcp" as const, port: 1 },
  interval: 1000,
  timeout: 500,
  retries: 3,
  start_period: 5000,
}
const pass = { _tag: "Passed" as const }
const fail = { _tag: "Failed" as const, reason: "connection refused" }
const failing = (failures: number) => ({
  status: "unhealthy" as const,
  failures,
  last_error: "x",
  checked_at: null,
})

describe("judgeProbe", () => {
  it("makes a starting service running on its first pass", () => {
    const v = judgeProbe(check, { result: pass, at: 100, startedAt: 0, starting: true, previous: null })
    expect([v.nowRunning, v.health.status, v.fault]).toEqual([true, "healthy", undefined])
  })
  it("forgives failures inside start_period", () => {
    const v = judgeProbe(check, { result: fail, at: 4999, startedAt: 0, starting: true, previous: null })
    expect([v.health.status, v.health.failures, v.fault]).toEqual(["starting", 0, undefined])
  })
  it("counts failures after start_period and faults at `retries` in a row", () => {
    const second = judgeProbe(check, {
      result: fail,
      at: 9000,
      startedAt: 0,
      starting: false,
      previous: failing(1),
    })
    expect([second.health.failures, second.fault]).toEqual([2, undefined])
    const third = judgeProbe(check, {
      result: fail,
      at: 10000,
      startedAt: 0,
      starting: false,
      previous: failing(2),
    })
    expect(third.fault).toBe("health check failed 3 times in a row (connection refused); restarting")
  })
  it("resets the count and reports recovery when a pass follows failures", () => {
    const v = judgeProbe(check, {
      result: pass,
      at: 10000,
      startedAt: 0,
      starting: false,
      previous: failing(2),
    })
    expect([v.health.failures, v.recovered, v.nowRunning]).toEqual([0, true, false])
  })
})
