// The heap governor: its decision as a table, and a real V8 heap (a child node process with the
// daemon's flags) promoting ~120 MiB of garbage in ~2 s through a ring of ~4 MiB that stays
// alive. With no least interval, the governor keeps the heap in use within the ring plus its
// 3 MiB and a margin above its start (V8 alone let it rise 15 MiB on Node 20); with the
// daemon's 1 s it leaves such a fast-growing heap to V8; with 40 MiB alive it leaves it too.
// Once such a heap has been quiet for 1 s, the governor runs the memory reducer's collection
// (the daemon runs with V8's reducer off): once, not again while nothing more happens.
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { GOVERNANCE, shouldCollect } from "../../src/monitor/HeapGovernor.ts"
import { nodeFlags } from "../../src/version.ts"

const MiB = 1024 * 1024
const fixture = fileURLToPath(new URL("../fixtures/heap-churn.ts", import.meta.url))

interface Churned {
  readonly peakMiB: number
  readonly collections: { readonly count: number; readonly ms: number }
  /** `settle`: the collections counted once the settled heap's came (or 10 s passed), and 2.5 s later. */
  readonly quiet: ReadonlyArray<number>
}

const churn = async (mode: "promote" | "fast" | "large" | "settle"): Promise<Churned> => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...nodeFlags, "--import", "tsx", fixture, mode],
    {
      timeout: 30_000,
    },
  )
  return JSON.parse(stdout) as Churned
}

describe("shouldCollect", () => {
  const { growthBytes, ceilingBytes, minIntervalMs } = GOVERNANCE
  const kept = 14 * MiB
  it.each([
    { kept, used: kept, since: minIntervalMs, collect: false, why: "no growth" },
    {
      kept,
      used: kept + growthBytes - 1,
      since: minIntervalMs,
      collect: false,
      why: "just under the growth",
    },
    {
      kept,
      used: kept + growthBytes,
      since: minIntervalMs,
      collect: true,
      why: "grown enough, long enough ago",
    },
    {
      kept,
      used: kept + growthBytes,
      since: minIntervalMs - 1,
      collect: false,
      why: "the last one too recent",
    },
    {
      kept: ceilingBytes,
      used: ceilingBytes + growthBytes,
      since: minIntervalMs,
      collect: true,
      why: "at the ceiling",
    },
    {
      kept: ceilingBytes + 1,
      used: ceilingBytes + 10 * MiB,
      since: 60_000,
      collect: false,
      why: "above the ceiling",
    },
  ])("$why", ({ kept, used, since, collect }) => {
    expect(shouldCollect(GOVERNANCE, kept, used, since)).toBe(collect)
  })
})

describe("HeapGovernor on a real heap", () => {
  it("keeps a heap that promotes garbage within its growth step", async () => {
    const run = await churn("promote")
    expect(run.collections.count).toBeGreaterThan(0)
    // The ring (~4 MiB) + the growth (3 MiB) + what one young collection promotes.
    expect(run.peakMiB).toBeLessThan(10)
  })

  it("leaves a heap that grows faster than its interval allows to V8", async () => {
    const run = await churn("fast")
    expect(run.collections.count).toBeLessThanOrEqual(1)
  })

  it("collects a heap that has settled after V8's own full collections, once", async () => {
    const run = await churn("settle")
    const [settled = 0, later = 0] = run.quiet
    expect(settled).toBeGreaterThan(run.collections.count)
    expect(later).toBe(settled)
  })

  it("leaves a heap above its ceiling to V8", async () => {
    const run = await churn("large")
    expect(run.collections.count).toBe(0)
  })
})
