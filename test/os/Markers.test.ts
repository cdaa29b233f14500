// Finding processes by the DOCKLESS_* markers in their environment, as the escapee sweeps and
// crash recovery do: the scan finds a marked process among all of /proc, and it costs a few turns
// of the event loop whatever the number of processes, so it still completes quickly when every
// turn waits behind spawns (a crash storm).
import { spawn } from "node:child_process"
import { readdirSync } from "node:fs"
import { afterEach, describe, expect, it } from "vitest"
import { markedProcesses } from "../../src/os/Markers.ts"
import { isAlive } from "../support/daemon.ts"

const pids: Array<number> = []
afterEach(() => {
  for (const pid of pids.splice(0)) if (isAlive(pid)) process.kill(pid, "SIGKILL")
})

const marked = (run: string) => {
  const child = spawn("sleep", ["600"], { stdio: "ignore", env: { ...process.env, DOCKLESS_RUN: run } })
  pids.push(child.pid ?? 0)
  return child.pid ?? 0
}

/** Runs `work` while the event loop is congested: every turn of it costs `ms` of busy time. */
const congested = async <A>(ms: number, work: () => Promise<A>): Promise<{ value: A; turns: number }> => {
  let turns = 0
  let running = true
  const block = () => {
    if (!running) return
    turns++
    const until = performance.now() + ms
    while (performance.now() < until) {
      // Busy, like a turn spent inside a synchronous spawn.
    }
    setImmediate(block)
  }
  setImmediate(block)
  try {
    return { value: await work(), turns }
  } finally {
    running = false
  }
}

describe("markedProcesses", () => {
  it("finds the processes carrying a marker, and no other", async () => {
    const run = `test-${process.pid}-${Date.now()}`
    const a = marked(run)
    const b = marked(run)
    marked(`${run}-other`)
    const found = await markedProcesses((m) => m.get("DOCKLESS_RUN") === run)
    expect(found.map((p) => p.pid).sort()).toEqual([a, b].sort())
    expect(found[0]?.markers.get("DOCKLESS_RUN")).toBe(run)
  })

  it("scans all of /proc in a few turns of a congested event loop", async () => {
    const run = `test-${process.pid}-${Date.now()}`
    const pid = marked(run)
    const processes = readdirSync("/proc").filter((n) => /^\d+$/.test(n)).length
    const { value, turns } = await congested(20, () => markedProcesses((m) => m.get("DOCKLESS_RUN") === run))
    expect(value.map((p) => p.pid)).toEqual([pid])
    // One turn per slice of 64 processes (and one to spare); one file read per turn took ~5 per process.
    expect(turns).toBeLessThanOrEqual(Math.ceil(processes / 64) + 2)
  })
})
