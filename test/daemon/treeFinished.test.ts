// The tree as OTP and systemd mean it, end to end through a real daemon and real processes: a
// group's intensity decides for all its members; a dependant follows its dependency down and
// back up (BindsTo=); a spawn error follows the restart policy; a group restart starts its
// members as boot does; a shutdown ends within its deadline whatever a service or its log disk
// does.
import { chmodSync, copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { execFileSync, spawn } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  FIXTURES,
  freePort,
  isAlive,
  startDaemon,
  tempDir,
  useDaemons,
  view,
  waitFor,
  waitForView,
} from "../support/daemon.ts"
import { figure } from "../support/figures.ts"
import { sdNotifyAddon, type NotifyDatagram } from "../../src/os/SdNotifyAddon.ts"

const daemons = useDaemons()

/** A command that exits 1 while `flag` exists, and otherwise sleeps (dies on SIGTERM). */
const crashWhile = (flag: string) =>
  `command = "/bin/sh"\nargs = ["-c", "test -e ${flag} && exit 1; exec sleep 600"]`

const fast = `backoff = { initial = "50ms", factor = 1, jitter = 0 }`

describe("a group's intensity", () => {
  it("gives up on the whole rest_for_one group when its first child crash-loops, and a group start brings all back in order", async () => {
    const dir = tempDir()
    const flag = join(dir, "db-broken")
    // db is up only 1 s after it starts (its `ready` line), so "api after db" is measurable.
    const d = await daemons.start(
      `[services.db]\ncommand = "/bin/sh"\nargs = ["-c", "test -e ${flag} && exit 1; sleep 1; echo db up; exec sleep 600"]\n` +
        `ready = { log = "^db up$" }\n${fast}\n` +
        `[services.api]\ncommand = "${FIXTURES}/sleeper.sh"\n${fast}\n` +
        `[supervisors.backend]\nstrategy = "rest_for_one"\nchildren = ["db", "api"]\n`,
    )
    await waitForView(d, "api", "running", (v) => v.state === "running")
    writeFileSync(flag, "")
    const crashed = Date.now()
    process.kill((await view(d, "db")).pid, "SIGKILL")
    const db = await waitForView(d, "db", "failed", (v) => v.state === "failed", 20_000)
    figure("rest_for_one group failed whole after its first child crash-looped", Date.now() - crashed, "ms")
    const api = await waitForView(d, "api", "failed", (v) => v.state === "failed")
    expect(db.error).toMatch(/^group backend: more than 10 restarts in 1m/)
    expect(api.error).toBe(db.error)
    const groups = await d.json("GET", "/api/groups")
    expect(groups).toEqual([
      {
        name: "backend",
        strategy: "rest_for_one",
        children: ["db", "api"],
        state: "failed",
        error: db.error,
      },
    ])

    rmSync(flag)
    const started = await d.api("POST", "/api/groups/backend/start")
    expect(started.status).toBe(202)
    const dbUp = await waitForView(d, "db", "running again", (v) => v.state === "running")
    const apiUp = await waitForView(d, "api", "running again", (v) => v.state === "running")
    const readyLines = (await d.json("GET", "/api/services/db/logs?lines=200")).lines.filter(
      (l: { text: string }) => l.text === 'ready (its output printed "db up"); running',
    )
    const dbReadyAt = Date.parse(readyLines[readyLines.length - 1].ts)
    figure("group start: api started after db was up", Date.parse(apiUp.started_at) - dbReadyAt, "ms")
    expect(dbReadyAt - Date.parse(dbUp.started_at)).toBeGreaterThanOrEqual(900)
    expect(Date.parse(apiUp.started_at)).toBeGreaterThanOrEqual(dbReadyAt)
    await waitFor("the group to run", async () =>
      (await d.json("GET", "/api/groups/backend")).state === "running" ? true : undefined,
    )
  }, 60_000)

  it("a person's start of one member of a failed group starts the whole group afresh", async () => {
    const dir = tempDir()
    const flag = join(dir, "a-broken")
    writeFileSync(flag, "")
    const d = await daemons.start(
      `[services.a]\n${crashWhile(flag)}\n${fast}\n[services.b]\ncommand = "${FIXTURES}/sleeper.sh"\n${fast}\n` +
        `[supervisors.pair]\nstrategy = "one_for_all"\nchildren = ["a", "b"]\nintensity = { max_restarts = 2, period = "1m" }\n`,
    )
    await waitForView(d, "a", "failed", (v) => v.state === "failed", 20_000)
    rmSync(flag)
    expect((await d.api("POST", "/api/services/b/start")).status).toBe(202)
    await waitForView(d, "a", "running", (v) => v.state === "running")
    await waitForView(d, "b", "running", (v) => v.state === "running")
  }, 60_000)
})

describe("dependencies, as systemd's BindsTo= means them", () => {
  it("stops a dependant when its dependency fails, starts it when the dependency runs again, and says why", async () => {
    const dir = tempDir()
    const flag = join(dir, "db-broken")
    const d = await daemons.start(
      `[services.db]\n${crashWhile(flag)}\n${fast}\nintensity = { max_restarts = 2, period = "1m" }\n` +
        `[services.web]\ncommand = "${FIXTURES}/sleeper.sh"\ndepends_on = ["db"]\n`,
    )
    const first = await waitForView(d, "web", "running", (v) => v.state === "running")
    writeFileSync(flag, "")
    process.kill((await view(d, "db")).pid, "SIGKILL")
    await waitForView(d, "db", "failed", (v) => v.state === "failed")
    const failedAt = Date.now()
    const stopped = await waitForView(d, "web", "stopped by its dependency", (v) => v.state === "stopped")
    figure(
      "dependant stopped after its dependency failed (poll granularity included)",
      Date.now() - failedAt,
      "ms",
    )
    expect(stopped.error).toBe("stopped because db failed")
    expect(stopped.desired).toBe("running")
    expect(isAlive(first.pid)).toBe(false)

    rmSync(flag)
    const restartedAt = Date.now()
    await d.api("POST", "/api/services/db/start")
    const again = await waitForView(d, "web", "running again", (v) => v.state === "running")
    figure("dependant running again after its dependency was started", Date.now() - restartedAt, "ms")
    expect(again.pid).not.toBe(first.pid)
    expect(again.error).toBeNull()

    await d.api("POST", "/api/services/db/stop")
    const held = await waitForView(d, "web", "stopped with db", (v) => v.state === "stopped")
    expect(held.error).toBe("stopped because db was stopped")
    const logs = await d.json("GET", "/api/services/web/logs?lines=50")
    expect(logs.lines.map((l: { text: string }) => l.text)).toContain("stopped because db was stopped")
  }, 60_000)

  it("stops a dependant outside a group when the group its dependency is in gives up, and starts it with the group", async () => {
    const dir = tempDir()
    const flag = join(dir, "db-broken")
    const d = await daemons.start(
      `[services.db]\n${crashWhile(flag)}\n${fast}\n` +
        `[services.api]\ncommand = "${FIXTURES}/sleeper.sh"\n${fast}\n` +
        `[supervisors.backend]\nstrategy = "rest_for_one"\nchildren = ["db", "api"]\n` +
        `[services.web]\ncommand = "${FIXTURES}/sleeper.sh"\ndepends_on = ["db"]\n`,
    )
    const first = await waitForView(d, "web", "running", (v) => v.state === "running")
    writeFileSync(flag, "")
    process.kill((await view(d, "db")).pid, "SIGKILL")
    const db = await waitForView(d, "db", "failed with its group", (v) => v.state === "failed", 20_000)
    expect(db.error).toMatch(/^group backend: more than 10 restarts in 1m/)
    const stopped = await waitForView(d, "web", "stopped by its dependency", (v) => v.state === "stopped")
    expect(stopped.error).toBe("stopped because db failed")
    expect(stopped.desired).toBe("running")
    expect(isAlive(first.pid)).toBe(false)
    const logs = await d.json("GET", "/api/services/web/logs?lines=50")
    expect(logs.lines.map((l: { text: string }) => l.text)).toContain("stopped because db failed")

    rmSync(flag)
    expect((await d.api("POST", "/api/groups/backend/start")).status).toBe(202)
    const dbAgain = await waitForView(d, "db", "running again", (v) => v.state === "running")
    const again = await waitForView(d, "web", "running again", (v) => v.state === "running")
    expect(again.pid).not.toBe(first.pid)
    expect(again.error).toBeNull()
    expect(Date.parse(again.started_at)).toBeGreaterThanOrEqual(Date.parse(dbAgain.started_at))
  }, 60_000)

  it("leaves a dependant running while its dependency restarts within its backoff", async () => {
    const d = await daemons.start(
      `[services.db]\ncommand = "${FIXTURES}/sleeper.sh"\n${fast}\n` +
        `[services.web]\ncommand = "${FIXTURES}/sleeper.sh"\ndepends_on = ["db"]\n`,
    )
    const web = await waitForView(d, "web", "running", (v) => v.state === "running")
    const db = await view(d, "db")
    process.kill(db.pid, "SIGKILL")
    await waitForView(d, "db", "restarted", (v) => v.state === "running" && v.pid !== db.pid)
    expect((await view(d, "web")).pid).toBe(web.pid)
  })
})

describe("a spawn error", () => {
  it("follows the restart policy: the binary moved away during a restart and back, running again within its backoff", async () => {
    const dir = tempDir()
    const bin = join(dir, "bin")
    mkdirSync(bin)
    const app = join(bin, "app.sh")
    copyFileSync(join(FIXTURES, "sleeper.sh"), app)
    chmodSync(app, 0o755)
    const d = await daemons.start(
      `[services.app]\ncommand = "${app}"\nrestart = "always"\nbackoff = { initial = "300ms", factor = 1, jitter = 0 }\n`,
    )
    const before = await waitForView(d, "app", "running", (v) => v.state === "running")
    renameSync(app, `${app}.away`)
    process.kill(before.pid, "SIGKILL")
    const waiting = await waitForView(d, "app", "waiting for its binary", (v) =>
      /does not exist/.test(v.error ?? ""),
    )
    expect(waiting.state).toBe("backoff")
    await new Promise((done) => setTimeout(done, 1500))
    renameSync(`${app}.away`, app)
    const back = Date.now()
    const after = await waitForView(d, "app", "running again", (v) => v.state === "running")
    figure("binary back: running again after", Date.now() - back, "ms")
    expect(Date.now() - back).toBeLessThan(2000)
    expect(after.pid).not.toBe(before.pid)
  }, 30_000)

  it("with restart = never, fails at once with the reason", async () => {
    const d = await daemons.start(
      `[services.gone]\ncommand = "/nonexistent/dockless-test-binary"\nrestart = "never"\n`,
    )
    const failed = await waitForView(d, "gone", "failed", (v) => v.state === "failed")
    expect(failed.error).toBe("cannot start: /nonexistent/dockless-test-binary does not exist")
  })
})

describe("a group restart", () => {
  it("starts the next member only once the first is healthy, as boot does", async () => {
    const port = await freePort()
    const d = await daemons.start(
      `[services.slow]\ncommand = "node"\nargs = ["${FIXTURES}/health-server.mjs"]\nport = ${port}\n` +
        `env = { DELAY_MS = "2000" }\nhealth = { tcp = ${port}, interval = "200ms", timeout = "1s", retries = 1, start_period = "10s" }\n` +
        `[services.next]\ncommand = "${FIXTURES}/sleeper.sh"\n` +
        `[supervisors.pair]\nstrategy = "one_for_all"\nchildren = ["slow", "next"]\n`,
    )
    const before = await waitForView(d, "next", "running", (v) => v.state === "running", 20_000)
    const killed = await view(d, "slow")
    process.kill(killed.pid, "SIGKILL")
    // Its new run, not the view from before the kill: another pid, started later.
    const slow = await waitForView(
      d,
      "slow",
      "healthy again",
      (v) =>
        v.state === "running" &&
        v.pid !== killed.pid &&
        v.started_at !== null &&
        Date.parse(v.started_at) > Date.parse(killed.started_at),
      20_000,
    )
    const next = await waitForView(
      d,
      "next",
      "running again",
      (v) => v.state === "running" && v.pid !== before.pid,
    )
    figure(
      "group restart: next started after slow's start (slow needs 2 s to be healthy)",
      Date.parse(next.started_at) - Date.parse(slow.started_at),
      "ms",
    )
    expect(Date.parse(next.started_at) - Date.parse(slow.started_at)).toBeGreaterThanOrEqual(1900)
  }, 60_000)
})

describe("shutdown deadline", () => {
  it("exits within its deadline while a service ignores SIGTERM and floods a log FIFO whose reader never reads, leaving nothing", async () => {
    const dir = tempDir()
    const fifo = join(dir, "data", "logs", "stuck.log")
    mkdirSync(join(dir, "data", "logs"), { recursive: true })
    execFileSync("mkfifo", [fifo])
    // A reader that holds the FIFO open and never reads: once its 64 KiB fill, every write stalls.
    const reader = spawn("sh", ["-c", `exec sleep 600 < "${fifo}"`], { stdio: "ignore" })
    try {
      const flood = `trap '' TERM; while :; do echo the log disk is not keeping up with this line; done`
      const d = daemons.track(
        await startDaemon({
          dir,
          body: `[services.stuck]\ncommand = "/bin/sh"\nargs = ["-c", "${flood}"]\nstop_timeout = "1s"\n`,
        }),
      )
      const stuck = await waitForView(d, "stuck", "running with its log stalled", (v) =>
        v.state === "running" && v.log_error !== null ? v : undefined,
      )
      const sent = Date.now()
      const code = await d.stop(30_000)
      figure("SIGTERM to exit, TERM ignored and log stalled (deadline 13 s)", Date.now() - sent, "ms")
      // The documented deadline: stop_timeout + 5 s SIGKILL grace + 2 s slack, plus 5 s.
      expect(Date.now() - sent).toBeLessThan(1000 + 5000 + 2000 + 5000)
      expect(code).toBe(0)
      expect(isAlive(stuck.pid)).toBe(false)
    } finally {
      reader.kill("SIGKILL")
    }
  }, 60_000)
})

describe("shutdown under systemd", () => {
  it("tells systemd it is stopping and extends the stop timeout to its own deadline (STOPPING=1, EXTEND_TIMEOUT_USEC)", async () => {
    const addon = sdNotifyAddon()
    if (typeof addon === "string") throw new Error(addon)
    const dir = tempDir()
    // systemd's end of NOTIFY_SOCKET: a datagram socket that tells who sent each message.
    const socket = join(dir, "systemd.notify")
    const got: Array<NotifyDatagram> = []
    const binding = addon.bind(socket, (message) => got.push(message))
    try {
      // The chain web -> db: (1 s + 5 s + 2 s) + (3 s + 5 s + 2 s), plus 5 s = 23 s.
      const d = daemons.track(
        await startDaemon({
          dir,
          env: { NOTIFY_SOCKET: socket },
          body:
            `[services.db]\ncommand = "${FIXTURES}/sleeper.sh"\nstop_timeout = "3s"\n` +
            `[services.web]\ncommand = "${FIXTURES}/sleeper.sh"\nstop_timeout = "1s"\ndepends_on = ["db"]\n`,
        }),
      )
      await waitFor("READY=1", () => (got.some((m) => m.text === "READY=1") ? true : undefined))
      expect(await d.stop()).toBe(0)
      const stopping = got.find((m) => m.text.split("\n").includes("STOPPING=1"))
      expect(stopping?.text).toBe("STOPPING=1\nEXTEND_TIMEOUT_USEC=23000000")
      // As root, systemd-notify speaks for its parent: NotifyAccess=main sees dockless itself.
      if (process.getuid?.() === 0) expect(stopping?.pid).toBe(d.child.pid)
    } finally {
      binding.close()
    }
  }, 30_000)
})

describe("the root's intensity", () => {
  it("exits 70 with a Dockless fault once more services gave up within its period than [supervisor] intensity allows", async () => {
    const crash = (name: string) =>
      `[services.${name}]\ncommand = "/bin/sh"\nargs = ["-c", "exit 1"]\n${fast}\nintensity = { max_restarts = 1, period = "1m" }\n`
    const d = await daemons.start(
      `[supervisor]\nintensity = { max_restarts = 1, period = "1m" }\n` + crash("one") + crash("two"),
    )
    expect(await d.exited).toBe(70)
    expect(d.output).toMatch(
      /dockless fault: more than 1 services or groups gave up in 1m \(the last: (one|two), /,
    )
  }, 30_000)
})
