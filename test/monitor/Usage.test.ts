// The pure parts of monitoring: usage from two readings of a group (percent over the interval,
// a counter that never goes back within a group, a fresh count for a new group) and memory_max.
import { describe, expect, it } from "vitest"
import { judgeMemory, MemoryVerdict } from "../../src/monitor/MemoryLimit.ts"
import { nextReading } from "../../src/monitor/Usage.ts"
import type { GroupUsage } from "../../src/os/ProcessTree.ts"

const group = (cpuTicks: number, leaderStartTicks = 7, leaderAgeTicks = 400): GroupUsage => ({
  cpuTicks,
  rssBytes: 1000,
  processes: 2,
  leaderStartTicks,
  leaderAgeTicks,
})

describe("nextReading", () => {
  it("averages over the leader's life on a first look, then over the interval", () => {
    const first = nextReading(undefined, 10, group(100), 0)
    expect(first.usage).toEqual({ pid: 10, cpu_percent: 25, cpu_seconds: 1, rss_bytes: 1000 })
    const second = nextReading(first.reading, 10, group(250), 2000)
    expect(second.usage).toMatchObject({ cpu_percent: 75, cpu_seconds: 2.5 })
  })

  it("never lets cpu_seconds go back when a member exits unreaped", () => {
    const a = nextReading(undefined, 10, group(300), 0)
    const b = nextReading(a.reading, 10, group(200), 1000)
    expect(b.usage).toMatchObject({ cpu_percent: 0, cpu_seconds: 3 })
    const c = nextReading(b.reading, 10, group(250), 2000)
    expect(c.usage).toMatchObject({ cpu_percent: 50, cpu_seconds: 3.5 })
  })

  it("counts a new group (new pid, or the same pid started again) from its own ticks", () => {
    const a = nextReading(undefined, 10, group(300), 0)
    expect(nextReading(a.reading, 11, group(40), 1000).usage.cpu_seconds).toBe(0.4)
    expect(nextReading(a.reading, 10, group(40, 99), 1000).usage.cpu_seconds).toBe(0.4)
  })

  it("has no percent when the leader is gone and there is no earlier reading", () => {
    expect(
      nextReading(undefined, 10, { ...group(5), leaderAgeTicks: undefined }, 0).usage.cpu_percent,
    ).toBeNull()
  })
})

describe("judgeMemory", () => {
  const MiB = 1024 * 1024
  it.each([
    { strikes: 0, rss: 10 * MiB, max: undefined, verdict: MemoryVerdict.Within() },
    { strikes: 1, rss: 64 * MiB, max: 64 * MiB, verdict: MemoryVerdict.Within() },
    { strikes: 0, rss: 65 * MiB, max: 64 * MiB, verdict: MemoryVerdict.Over({ strikes: 1 }) },
    {
      strikes: 1,
      rss: 312.4 * MiB,
      max: 256 * MiB,
      verdict: MemoryVerdict.Exceeded({
        reason: "memory 312.4 MiB above memory_max 256 MiB for two samples; restarting",
      }),
    },
  ])("strikes $strikes, rss $rss, max $max", ({ strikes, rss, max, verdict }) => {
    expect(judgeMemory(strikes, rss, max)).toEqual(verdict)
  })
})
