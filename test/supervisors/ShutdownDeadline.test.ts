import { describe, expect, it } from "vitest"
import { shutdownDeadline } from "../../src/supervisors/ShutdownDeadline.ts"
import { stopAfter } from "../../src/supervisors/StartOrder.ts"

const specs = [
  { name: "db", stop_timeout: 10_000 },
  { name: "api", stop_timeout: 3_000 },
  { name: "web", stop_timeout: 1_000 },
  { name: "alone", stop_timeout: 20_000 },
]

describe("shutdownDeadline", () => {
  it("is the heaviest chain of stop bounds (stop_timeout + 5 s grace + 2 s slack each) plus 5 s", () => {
    // web stops before api, api before db: a chain of three.
    const after = stopAfter(
      new Map([
        ["db", []],
        ["api", ["db"]],
        ["web", ["api"]],
        ["alone", []],
      ]),
    )
    expect(shutdownDeadline(specs, after)).toBe(10_000 + 7000 + 3000 + 7000 + 1000 + 7000 + 5000)
  })
  it("is one service's bound when nothing depends on anything", () => {
    expect(shutdownDeadline(specs, new Map())).toBe(20_000 + 7000 + 5000)
  })
  it("is the slack alone for an empty tree", () => {
    expect(shutdownDeadline([], new Map())).toBe(5000)
  })
})
