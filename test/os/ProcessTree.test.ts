// ProcessTree against real processes and the real /proc: a group's members are summed (child
// and grandchild included), and CPU over an interval tells a busy loop from a sleeper.
import { spawn, type ChildProcess } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { sampleGroups } from "../../src/os/ProcessTree.ts"
import { nextReading } from "../../src/monitor/Usage.ts"
import { FIXTURES, isAlive, waitFor } from "../support/daemon.ts"

const started: Array<ChildProcess> = []

/** Starts `command` in its own process group (pgid == its pid), as ProcessRunner does. */
const group = (command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const child = spawn(command, args, {
    detached: true,
    stdio: ["ignore", "pipe", "ignore"],
    env: { ...process.env, ...env },
  })
  started.push(child)
  let out = ""
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()))
  return { child, pid: child.pid ?? 0, output: () => out }
}

afterEach(async () => {
  for (const child of started.splice(0)) {
    const pid = child.pid ?? 0
    try {
      process.kill(-pid, "SIGKILL")
    } catch {
      // Already gone.
    }
    await waitFor(`group ${pid} gone`, () => (isAlive(pid) ? undefined : true))
  }
})

const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024

describe("sampleGroups", () => {
  it("sums a group's leader, child and grandchild, and ignores groups not asked for", async () => {
    const tree = group(process.execPath, [join(FIXTURES, "tree.mjs")], { TREE_MIB: "40" })
    const other = group("sleep", ["600"])
    await waitFor("the tree to be ready", () => (tree.output().includes("ready") ? true : undefined))
    const usage = sampleGroups(new Set([tree.pid])).get(tree.pid)
    expect(usage?.processes).toBe(3)
    expect(usage?.rssBytes).toBeGreaterThan(40 * 1024 * 1024)
    expect(usage?.cpuTicks).toBeGreaterThan(0)
    expect(usage?.leaderStartTicks).toBeGreaterThan(0)
    expect(sampleGroups(new Set([tree.pid])).has(other.pid)).toBe(false)
    // The leader alone holds the 40 MiB; the group is the leader plus its small descendants.
    expect(usage?.rssBytes).toBeGreaterThan(rssOf(tree.pid))
    expect(sampleGroups(new Set())).toEqual(new Map())
  })

  it("reads a busy loop above 20 % of a core and a sleeper below 5 % over one second", async () => {
    const busy = group(process.execPath, [join(FIXTURES, "busy.mjs")])
    const idle = group(join(FIXTURES, "sleeper.sh"), [])
    await waitFor("both to start", () =>
      busy.output().includes("spinning") && idle.output().includes("sleeper up") ? true : undefined,
    )
    const pids = new Set([busy.pid, idle.pid])
    const t0 = Date.now()
    const first = sampleGroups(pids)
    await new Promise((r) => setTimeout(r, 1000))
    const t1 = Date.now()
    const second = sampleGroups(pids)
    const percent = (pid: number) => {
      const a = first.get(pid)
      const b = second.get(pid)
      if (a === undefined || b === undefined) throw new Error(`group ${pid} not sampled`)
      const { reading } = nextReading(undefined, pid, a, t0)
      return nextReading(reading, pid, b, t1).usage.cpu_percent ?? NaN
    }
    // A busy loop gets a whole core on a quiet machine; on 2 shared cores under a test run's load
    // it was measured at 36 %. Far above the sleeper's 0 % either way, which is what is tested.
    expect(percent(busy.pid)).toBeGreaterThan(20)
    expect(percent(idle.pid)).toBeLessThan(5)
  })
})
