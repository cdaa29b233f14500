// `ready = "notify"` and `watchdog` through a real daemon, real processes and Debian's
// systemd-notify: STATUS= shows in the view while the service starts, it is running only after
// READY=1, a datagram from outside its process group is ignored (with one note), a forked
// worker named with MAINPID= is its main_pid while a MAINPID= outside the group is not,
// STOPPING=1 reads in its status, a service that stops pinging WATCHDOG=1 is restarted after
// `watchdog`, and the socket is gone after.
import { execFile } from "node:child_process"
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { instanceOf } from "../../src/os/Markers.ts"
import { sdNotifyAddon } from "../../src/os/SdNotifyAddon.ts"
import {
  BUNDLE,
  FIXTURES,
  tempDir,
  useDaemons,
  view,
  waitFor,
  waitForView,
  type Daemon,
} from "../support/daemon.ts"
import { useSampling } from "../support/sampling.ts"
import { notPackage } from "../support/packages.ts"

const run = promisify(execFile)
const daemons = useDaemons()
const PINGER = join(FIXTURES, "notify-pinger.sh")
const FORKER = join(FIXTURES, "notify-mainpid.sh")

const logsOf = async (d: Daemon, name: string): Promise<ReadonlyArray<string>> =>
  (await d.json<{ lines: Array<{ text: string }> }>("GET", `/api/services/${name}/logs?lines=100`)).lines.map(
    (l) => l.text,
  )

/** A process's group, from /proc/PID/stat (the fifth field, after the parenthesised name). */
const pgidOf = (pid: number): number =>
  Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[2])

/** Where the daemon puts a service's socket: /run/dockless/INSTANCE as root, else data_dir/run. */
const socketOf = (d: Daemon, name: string) =>
  process.getuid?.() === 0
    ? join("/run/dockless", instanceOf(join(d.dir, "data")), `${name}.notify`)
    : join(d.dir, "data/run", `${name}.notify`)

const sampling = useSampling()

describe('ready = "notify"', () => {
  it("shows STATUS= while it starts and is running only after READY=1, with NOTIFY_SOCKET set", async () => {
    const d = await daemons.start(
      `[services.web]\ncommand = "${PINGER}"\nready = "notify"\nenv = { READY_AFTER = "1.5" }\n`,
    )
    const s = sampling(d, ["web"], 25)
    await waitForView(d, "web", "warming up", (v) => v.state === "starting" && v.status === "warming up")
    const running = await waitForView(d, "web", "running", (v) => v.state === "running")
    expect(running.status).toBe("serving")
    await s.stop()
    expect(
      s
        .of("web")
        .filter((v) => v.status === "warming up")
        .every((v) => v.state === "starting"),
    ).toBe(true)
    expect(
      s
        .of("web")
        .filter((v) => v.state === "running")
        .every((v) => v.status === "serving"),
    ).toBe(true)
    const logs = await logsOf(d, "web")
    expect(logs).toContain("ready (it sent READY=1); running")
    expect(logs).toContain(`NOTIFY_SOCKET=${socketOf(d, "web")} WATCHDOG_USEC=none`)
    const status = await run(process.execPath, [BUNDLE, "status", "web", "--config", d.configPath])
    expect(status.stdout).toContain("status  serving")
    await d.stop()
    expect(existsSync(socketOf(d, "web"))).toBe(false)
  }, 30_000)

  it.skipIf(process.getuid?.() !== 0)(
    "reaches its socket when it runs as another user (nobody)",
    async () => {
      const d = await daemons.start(
        `[services.other]\ncommand = "${PINGER}"\nready = "notify"\nuser = "nobody"\n`,
      )
      const running = await waitForView(d, "other", "running as nobody", (v) => v.state === "running")
      expect(running.status).toBe("serving")
    },
  )

  it("ignores datagrams from processes outside the service's process group, with one note", async () => {
    const d = await daemons.start(`[services.quiet]\ncommand = "${FIXTURES}/sleeper.sh"\nready = "notify"\n`)
    await waitForView(d, "quiet", "starting", (v) => v.state === "starting" && v.pid !== null)
    const path = socketOf(d, "quiet")
    await waitFor("its socket", () => (existsSync(path) ? true : undefined))
    // From the test's own process, through the addon, and from systemd-notify started by the test.
    const addon = sdNotifyAddon()
    if (typeof addon === "string") throw new Error(addon)
    addon.send(path, "READY=1\nSTATUS=forged")
    await run("systemd-notify", ["--ready", "--status=forged too"], {
      env: { ...process.env, NOTIFY_SOCKET: path },
    })
    const notes = await waitFor("the note", async () => {
      const found = (await logsOf(d, "quiet")).filter((l) => l.startsWith("ignored a notification from pid"))
      return found.length > 0 ? found : undefined
    })
    expect(notes).toHaveLength(1)
    const v = await view(d, "quiet")
    expect(v.state).toBe("starting")
    expect(v.status).toBeNull()
  }, 30_000)
})

describe("MAINPID= and STOPPING=1", () => {
  it("shows a forked worker as main_pid, ignores a MAINPID= outside its process group, shows STOPPING=1 in its status", async () => {
    const steps = tempDir()
    const d = await daemons.start(
      `[services.forker]\ncommand = "${FORKER}"\nready = "notify"\n` +
        `env = { STEPS = "${steps}", FOREIGN_PID = "${process.pid}" }\n`,
    )
    const running = await waitForView(d, "forker", "running", (v) => v.state === "running")
    const worker = await waitFor("the worker's pid in its log", async () => {
      const line = (await logsOf(d, "forker")).find((l) => l.startsWith("worker "))
      return line === undefined ? undefined : Number(line.slice("worker ".length))
    })
    // A child of the process Dockless started, in its process group: not the same pid.
    expect(worker).not.toBe(running.pid)
    expect(pgidOf(worker)).toBe(running.pid)
    const named = await waitForView(d, "forker", "its main pid", (v) => v.main_pid !== null)
    expect(named).toMatchObject({ state: "running", pid: running.pid, main_pid: worker, status: "serving" })
    expect(await logsOf(d, "forker")).toContain(
      `its main process is pid ${worker} (MAINPID=); a stop still signals its whole process group`,
    )

    // The test's own process is outside the group: that MAINPID= is ignored, its STATUS= is not.
    writeFileSync(join(steps, "foreign"), "")
    const stranger = await waitForView(
      d,
      "forker",
      "a stranger named",
      (v) => v.status === "named a stranger",
    )
    expect(stranger.main_pid).toBe(worker)
    expect(await logsOf(d, "forker")).toContain(
      `ignored MAINPID=${process.pid}: pid ${process.pid} is not in its process group (${running.pid}); ` +
        "further ones from outside the group are ignored without a note",
    )

    writeFileSync(join(steps, "stopping"), "")
    const stopping = await waitForView(d, "forker", "stopping", (v) => v.status === "stopping: draining")
    // STOPPING=1 is what the service says of itself; Dockless still runs it until it exits.
    expect(stopping).toMatchObject({ state: "running", pid: running.pid, main_pid: worker })
    expect(await logsOf(d, "forker")).toContain("it sent STOPPING=1: it is shutting down by itself")
    const status = await run(process.execPath, [BUNDLE, "status", "forker", "--config", d.configPath])
    expect(status.stdout).toContain("status  stopping: draining")
    expect(status.stdout).toContain(`main    pid ${worker} (MAINPID)`)
  }, 30_000)
})

describe("watchdog", () => {
  it("restarts a service that stops pinging WATCHDOG=1 after `watchdog`, as a crash", async () => {
    const d = await daemons.start(
      `[services.pinger]\ncommand = "${PINGER}"\nready = "notify"\nwatchdog = "500ms"\n` +
        `env = { PINGS = "4", PING_EVERY = "0.2" }\nbackoff = { initial = "200ms", jitter = 0 }\n`,
    )
    const s = sampling(d, ["pinger"], 25)
    await waitForView(d, "pinger", "restarted", (v) => v.restarts >= 1, 15_000)
    await s.stop()
    // It pinged past `watchdog` (4 × 200 ms) without being restarted, then was, once it went quiet.
    const firstRun = s.of("pinger").filter((v) => v.restarts === 0)
    expect(firstRun.some((v) => v.state === "running" && v.status === "ping 4")).toBe(true)
    const logs = await logsOf(d, "pinger")
    expect(logs).toContain("no WATCHDOG=1 within 500ms since its last one (watchdog): a failure")
    expect(logs.some((l) => l.endsWith("WATCHDOG_USEC=500000"))).toBe(true)
  }, 30_000)
})

describe("dockless check", () => {
  const config = (dir: string) => {
    const path = join(dir, "config.toml")
    writeFileSync(
      path,
      `data_dir = "data"\n[services.web]\ncommand = "/bin/sh"\nready = "notify"\nwatchdog = "30s"\n`,
    )
    return path
  }

  it('accepts ready = "notify" and watchdog where the addon loads', async () => {
    const { stdout } = await run(process.execPath, [BUNDLE, "check", "--config", config(tempDir())])
    expect(stdout.trim()).toBe("ok")
  })

  it("refuses them with the reason and the alternatives when the addon is missing from a copied dist/", async () => {
    const dir = tempDir()
    const copy = join(dir, "dist")
    cpSync(join(BUNDLE, ".."), copy, { recursive: true, filter: notPackage })
    rmSync(join(copy, "sd-notify"), { recursive: true })
    const failed = await run(process.execPath, [
      join(copy, "dockless.mjs"),
      "check",
      "--config",
      config(dir),
    ]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    )
    expect(failed?.code).toBe(2)
    expect(failed?.stderr).toContain(
      `services.web.ready: ready = "notify" cannot be used on this host: this build of Dockless has no notify ` +
        `addon for linux-${process.arch} (${join(copy, `sd-notify/linux-${process.arch}/sd_notify.node`)} does not exist)`,
    )
    expect(failed?.stderr).toContain('use ready = { log = "a regex its output prints when ready" }')
  })
})
