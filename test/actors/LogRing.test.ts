// The in-memory tail of a service's output: it holds at most its limit, keeps the newest
// bytes across wrap-arounds, and never hands back half a line.
import { describe, expect, it } from "vitest"
import { LogRing } from "../../src/actors/LogRing.ts"

const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `line ${String(from + i).padStart(5, "0")}\n`).join("")

describe("LogRing", () => {
  it("gives back everything while under its limit, in order", () => {
    const ring = new LogRing(1024)
    ring.remember(Buffer.from("a\n"))
    ring.remember(Buffer.from("b\nc\n"))
    expect(ring.contents().toString()).toBe("a\nb\nc\n")
  })

  it("keeps the newest whole lines within its limit, through many wrap-arounds and piece sizes", () => {
    const limit = 5000
    const ring = new LogRing(limit)
    let written = ""
    for (let i = 0, n = 0; i < 400; i++) {
      const count = 1 + ((i * 7) % 13)
      const piece = lines(n, n + count)
      n += count
      written += piece
      ring.remember(Buffer.from(piece))
      const held = ring.contents().toString()
      expect(held.length).toBeLessThanOrEqual(limit)
      expect(written.endsWith(held)).toBe(true)
      expect(held === "" || held.startsWith("line ")).toBe(true)
      expect(written.length - held.length).toBeLessThan(Math.max(1, written.length - limit + 12))
    }
  })

  it("keeps the tail of a piece bigger than the whole ring", () => {
    const ring = new LogRing(100)
    const big = lines(0, 50)
    ring.remember(Buffer.from(big))
    const held = ring.contents().toString()
    expect(held.length).toBeLessThanOrEqual(100)
    expect(held.length).toBeGreaterThan(80)
    expect(big.endsWith(held)).toBe(true)
    expect(held.startsWith("line ")).toBe(true)
  })
})
