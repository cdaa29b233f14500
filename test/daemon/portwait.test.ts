// A port conflict at rest costs the daemon nothing: while a foreign process holds a service's
// port, the daemon's CPU (utime + stime from /proc/PID/stat) over a window is compared with
// its own idle CPU over an equal window in the same test. The holder keeps 3,000 fds open so
// a periodic walk of /proc/*/fd to name it would show plainly.
import { spawn, type ChildProcess } from "node:child_process"
import { readFileSync } from "node:fs"
import { afterEach, describe, expect, it } from "vitest"
import { FIXTURES, useDaemons, waitFor, waitForView, type Daemon } from "../support/daemon.ts"
import { figure } from "../support/figures.ts"

/**
 * Measured windows, as the issue states its bound: 100 ms of CPU per 20 s of waiting. 8 s
 * windows with the bound scaled to 40 ms were tried first: an idle daemon's own CPU varied by
 * up to 50 ms between 8 s windows on 2 shared cores, so the test failed without cause; over
 * 20 s the old per-retry walk costs ~700 ms, the new wait 0-30 ms.
 */
const WINDOW_MS = 20_000
const BOUND_MS = (100 * WINDOW_MS) / 20_000
const TICK_MS = 1000 / 100 // USER_HZ, the unit of /proc/PID/stat's times

const daemons = useDaemons()
const holders: Array<ChildProcess> = []
afterEach(() => {
  for (const child of holders.splice(0))
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, "SIGKILL")
})

/** A foreign process with `fds` open files, listening on a free port it reports on stdout. */
const foreignHolder = async (fds: number): Promise<{ pid: number; port: number }> => {
  const script = `
    const fs = require("node:fs")
    for (let i = 0; i < ${fds}; i++) fs.openSync("/dev/null", "r")
    const server = require("node:net").createServer()
    server.listen(0, "127.0.0.1", () => console.log(server.address().port))`
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] })
  holders.push(child)
  let out = ""
  child.stdout.on("data", (d: Buffer) => (out += d.toString()))
  const port = await waitFor("the holder's port", () => (out.includes("\n") ? Number(out.trim()) : undefined))
  return { pid: child.pid ?? 0, port }
}

/** The daemon's CPU so far, in ms (utime + stime). */
const cpuMs = (daemon: Daemon): number => {
  const stat = readFileSync(`/proc/${daemon.child.pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}

const cpuOver = async (daemon: Daemon, ms: number): Promise<number> => {
  const before = cpuMs(daemon)
  await new Promise((r) => setTimeout(r, ms))
  return cpuMs(daemon) - before
}

describe("port conflicts at rest", () => {
  it("costs no more daemon CPU while a foreign process with 3,000 fds holds a service's port than idle", async () => {
    const holder = await foreignHolder(3_000)
    const d = await daemons.start(
      `[services.web]\ncommand = "${FIXTURES}/sleeper.sh"\nports = [${holder.port}]\nautostart = false\n`,
    )
    await waitForView(d, "web", "stopped", (v) => v.state === "stopped")
    await new Promise((r) => setTimeout(r, 1_000)) // boot's own work settles
    const idle = await cpuOver(d, WINDOW_MS)
    expect((await d.api("POST", "/api/services/web/start")).status).toBeLessThan(300)
    const waiting = await waitForView(d, "web", "in backoff for its port", (v) => v.state === "backoff")
    expect(waiting.error).toBe(`port ${holder.port} is in use by pid ${holder.pid} (node)`)
    const busy = await cpuOver(d, WINDOW_MS)
    figure(`daemon CPU over ${WINDOW_MS} ms, idle`, idle, "ms")
    figure(`daemon CPU over ${WINDOW_MS} ms, waiting on a port held by a process with 3,000 fds`, busy, "ms")
    expect((await waitForView(d, "web", "still waiting", (v) => v.state === "backoff")).error).toBe(
      waiting.error,
    )
    expect(busy - idle).toBeLessThanOrEqual(BOUND_MS)
  }, 90_000)
})
