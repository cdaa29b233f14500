// Supervision end to end: a real daemon, real child processes, real signals. Each test waits
// on the daemon's published state with a deadline, and stops everything it started by pid.
import { spawn } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import {
  FIXTURES,
  freePort,
  isAlive,
  launch,
  tempDir,
  view,
  waitFor,
  waitForView,
  useDaemons,
} from "../support/daemon.ts"

const daemons = useDaemons()
const daemonWith = daemons.start
const pids: Array<number> = []
afterEach(() => {
  for (const pid of pids.splice(0)) if (isAlive(pid)) process.kill(pid, "SIGKILL")
})

const service = (name: string, lines: string) => `[services.${name}]\n${lines}\n`
const sleeper = `command = "${FIXTURES}/sleeper.sh"`
const exitWith = (code: number) => `command = "${FIXTURES}/exit-with-code.sh"\nargs = ["${code}"]`

describe("supervision of real processes", () => {
  it("restarts a service killed with SIGKILL", async () => {
    const d = await daemonWith(service("s", `${sleeper}\nbackoff = { initial = 0 }`))
    const first = await waitForView(d, "s", "running", (v) => v.state === "running")
    process.kill(first.pid, "SIGKILL")
    const second = await waitForView(
      d,
      "s",
      "running again",
      (v) => v.state === "running" && v.pid !== first.pid,
    )
    expect(second.restarts).toBe(1)
    expect(second.exit.signal).toBe("SIGKILL")
  })

  it("does not restart an on-failure service that exits 0, and never restarts a `never` one", async () => {
    const d = await daemonWith(
      service("clean", `${exitWith(0)}\nrestart = "on-failure"`) +
        service("once", `${exitWith(3)}\nrestart = "never"`),
    )
    const clean = await waitForView(d, "clean", "exited", (v) => v.state === "exited")
    const once = await waitForView(d, "once", "exited", (v) => v.state === "exited")
    expect([clean.exit.code, clean.restarts]).toEqual([0, 0])
    expect([once.exit.code, once.restarts]).toEqual([3, 0])
  })

  it("gives up on a crash-looping service while another keeps running untouched", async () => {
    const d = await daemonWith(
      service(
        "loop",
        `${exitWith(3)}\nbackoff = { initial = "10ms", factor = 1 }\nintensity = { max_restarts = 3, period = "1m" }`,
      ) + service("steady", sleeper),
    )
    const steady = await waitForView(d, "steady", "running", (v) => v.state === "running")
    const failed = await waitForView(d, "loop", "failed", (v) => v.state === "failed")
    expect(failed.error).toContain("more than 3 restarts in 1m")
    const after = await view(d, "steady")
    expect([after.state, after.pid, after.restarts]).toEqual(["running", steady.pid, 0])
    const logs = await d.json("GET", "/api/services/loop/logs?lines=50")
    expect(
      logs.lines.some(
        (l: { stream: string; text: string }) => l.stream === "dockless" && l.text.includes("giving up"),
      ),
    ).toBe(true)
  })

  it("escalates a stop to SIGKILL for a child that ignores SIGTERM, leaving nothing of its group", async () => {
    const d = await daemonWith(
      service("stubborn", `command = "${FIXTURES}/ignore-sigterm.sh"\nstop_timeout = "300ms"`),
    )
    const running = await waitForView(d, "stubborn", "running", (v) => v.state === "running")
    const line = await waitFor("the grandchild's pid", async () => {
      const { lines } = await d.json("GET", "/api/services/stubborn/logs?lines=20")
      return lines.find((l: { text: string }) => l.text.startsWith("grandchild "))?.text
    })
    const grandchild = Number(line.split(" ")[1])
    expect((await d.api("POST", "/api/services/stubborn/stop")).status).toBe(202)
    const stopped = await waitForView(d, "stubborn", "stopped", (v) => v.state === "stopped")
    expect(stopped.exit.signal).toBe("SIGKILL")
    await waitFor("the group to be gone", () =>
      !isAlive(running.pid) && !isAlive(grandchild) ? true : undefined,
    )
  })

  it("ends every child and exits 0 on SIGTERM", async () => {
    const d = await daemonWith(service("a", sleeper) + service("b", sleeper))
    const a = await waitForView(d, "a", "running", (v) => v.state === "running")
    const b = await waitForView(d, "b", "running", (v) => v.state === "running")
    expect(await d.stop()).toBe(0)
    expect([isAlive(a.pid), isAlive(b.pid)]).toEqual([false, false])
    expect(d.output).toContain("dockless stopped")
  })

  it("brings back desired state and registered services after a restart of Dockless", async () => {
    const d = await daemonWith(service("kept", sleeper))
    await waitForView(d, "kept", "running", (v) => v.state === "running")
    expect((await d.api("POST", "/api/services/kept/stop")).status).toBe(202)
    const registered = await d.api("POST", "/api/services", {
      name: "extra",
      command: `${FIXTURES}/sleeper.sh`,
    })
    expect(registered.status).toBe(201)
    await waitForView(d, "extra", "running", (v) => v.state === "running")
    expect(await d.stop()).toBe(0)
    const again = await launch(d.dir, d.configPath, d.port)
    daemons.track(again)
    const extra = await waitForView(again, "extra", "running", (v) => v.state === "running")
    expect(extra.source).toBe("api")
    const kept = await view(again, "kept")
    expect([kept.state, kept.desired]).toEqual(["stopped", "stopped"])
  })

  it("moves a corrupt state file aside and still starts", async () => {
    const d = await daemonWith(service("s", sleeper))
    await d.stop()
    writeFileSync(join(d.dir, "data/state.json"), "{ this is not json")
    const again = await launch(d.dir, d.configPath, d.port)
    daemons.track(again)
    await waitForView(again, "s", "running", (v) => v.state === "running")
    const moved = readdirSync(join(d.dir, "data")).filter((f) => f.startsWith("state.json.corrupt-"))
    expect(moved).toHaveLength(1)
    expect(readFileSync(join(d.dir, "data", moved[0] ?? ""), "utf8")).toBe("{ this is not json")
    expect(again.output).toContain("is corrupt")
  })

  it("says a cwd that went away is missing, not that the command is, and waits for it by its policy", async () => {
    const cwd = tempDir("dockless-cwd-")
    const d = await daemonWith(
      service("lost", `${sleeper}\ncwd = "${cwd}"\nbackoff = { initial = "200ms", factor = 1 }`),
    )
    const first = await waitForView(d, "lost", "running", (v) => v.state === "running")
    rmSync(cwd, { recursive: true })
    process.kill(first.pid, "SIGKILL")
    const waiting = await waitForView(
      d,
      "lost",
      "waiting for its cwd",
      (v) => v.state === "backoff" && v.error !== null,
    )
    expect(waiting.error).toBe(`cannot start: cwd ${cwd} does not exist`)
    mkdirSync(cwd)
    await waitForView(d, "lost", "running again", (v) => v.state === "running")
  })
})

describe("crash recovery", () => {
  it("after kill -9 of Dockless, the next start leaves exactly one instance of a port-binding service", async () => {
    const port = await freePort()
    const first = await daemonWith(
      service(
        "web",
        `command = "node"\nargs = ["${FIXTURES}/port-server.mjs"]\nports = [${port}]\nenv = { PORT = "${port}" }`,
      ),
    )
    const before = await waitForView(first, "web", "running", (v) => v.state === "running")
    await waitFor("the service to listen", async () =>
      (await fetch(`http://127.0.0.1:${port}/`)).ok ? true : undefined,
    )
    first.child.kill("SIGKILL")
    await first.exited
    expect(isAlive(before.pid)).toBe(true)
    const second = await launch(first.dir, first.configPath, first.port)
    daemons.track(second)
    const after = await waitForView(
      second,
      "web",
      "running",
      (v) => v.state === "running" && v.pid !== before.pid,
    )
    expect(isAlive(before.pid)).toBe(false)
    const answer = await waitFor("the new instance to answer", async () => {
      const r = await fetch(`http://127.0.0.1:${port}/`)
      return r.ok ? r.text() : undefined
    })
    expect(answer).toBe(`pid ${after.pid}\n`)
    expect(after.error).toBeNull()
    expect(second.output).toContain(`leftover process group (pid ${before.pid})`)
  })

  it("keeps every write the API acknowledged through a kill -9 of Dockless", async () => {
    const first = await daemonWith(service("kept", sleeper))
    await waitForView(first, "kept", "running", (v) => v.state === "running")
    expect(
      (await first.api("POST", "/api/services", { name: "added", command: `${FIXTURES}/sleeper.sh` })).status,
    ).toBe(201)
    expect((await first.api("POST", "/api/services/kept/stop")).status).toBe(202)
    first.child.kill("SIGKILL")
    await first.exited
    const second = await launch(first.dir, first.configPath, first.port)
    daemons.track(second)
    const added = await waitForView(second, "added", "running", (v) => v.state === "running")
    expect(added.source).toBe("api")
    const kept = await view(second, "kept")
    expect([kept.state, kept.desired]).toEqual(["stopped", "stopped"])
  })

  it("never touches a process whose pid matches state.json but whose start time does not", async () => {
    const d = await daemonWith(service("s", sleeper))
    await d.stop()
    const stranger = spawn("sleep", ["600"], { stdio: "ignore", detached: true })
    const pid = stranger.pid ?? 0
    pids.push(pid)
    mkdirSync(join(d.dir, "data"), { recursive: true })
    writeFileSync(
      join(d.dir, "data/state.json"),
      JSON.stringify({
        version: 1,
        services: { s: { desired: "running", pid, start_ticks: 1, started_at: null, port: null } },
      }),
    )
    const again = await launch(d.dir, d.configPath, d.port)
    daemons.track(again)
    await waitForView(again, "s", "running", (v) => v.state === "running")
    expect(isAlive(pid)).toBe(true)
  })
})
