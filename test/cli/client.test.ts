// The client commands of SPEC section 2, run as a user runs them (`node dist/dockless.mjs ...`)
// against a real daemon: status, start/stop/restart (of a service, and of a group with --group:
// members stopped in reverse order, started in order), logs (-n, -f), check, --version, --help,
// and the exit codes for an unknown service or group (3), an unreachable daemon (1), a bad config (2).
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import {
  BUNDLE,
  FIXTURES,
  ROOT,
  freePort,
  isAlive,
  startDaemon,
  tempDir,
  waitFor,
  waitForView,
  type Daemon,
} from "../support/daemon.ts"
import { cleanup } from "../http/client.ts"

const daemons: Array<Daemon> = []
const pids: Array<number> = []
const followers: Array<number> = []
let d: Daemon

beforeAll(async () => {
  d = await startDaemon({
    body: [`[services.sl]`, `command = "${FIXTURES}/sleeper.sh"`, `ports = [31901]`].join("\n"),
  })
  daemons.push(d)
  pids.push((await waitForView(d, "sl", "running", (v) => v.state === "running")).pid)
})

afterEach(() => {
  for (const pid of followers.splice(0)) if (isAlive(pid)) process.kill(pid, "SIGKILL")
})

afterAll(() => cleanup(daemons, pids))

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const cli = (args: ReadonlyArray<string>, ms = 15_000): Promise<Result> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      fail(new Error(`dockless ${args.join(" ")} did not exit within ${ms} ms`))
    }, ms)
    child.once("error", fail)
    child.once("exit", (code) => {
      clearTimeout(timer)
      done({ code, stdout, stderr })
    })
  })

const withConfig = (...args: ReadonlyArray<string>) => cli([...args, "--config", d.configPath])

describe("dockless status", () => {
  it("prints a table with the service's name and state", async () => {
    const r = await withConfig("status")
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split("\n")
    expect(lines[0]).toMatch(/^NAME\s+STATE/)
    const row = lines.find((l) => l.startsWith("sl "))
    expect(row).toMatch(/^sl\s+running\s+\d+/)
    expect(row).toContain("31901")
  })

  it("prints one service as JSON with --json", async () => {
    const r = await withConfig("status", "sl", "--json")
    expect(r.code, r.stderr).toBe(0)
    const view = JSON.parse(r.stdout)
    expect(view).toMatchObject({ name: "sl", state: "running", source: "config", ports: [31901] })
  })

  it("prints every service as a JSON array with --json and no name", async () => {
    const r = await withConfig("status", "--json")
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).map((v: { name: string }) => v.name)).toEqual(["sl"])
  })

  it("exits 3 for an unknown service", async () => {
    const r = await withConfig("status", "nope")
    expect(r.code).toBe(3)
    expect(r.stderr).toContain("nope")
  })
})

describe("dockless start|stop|restart", () => {
  it("stops: exit 0 and the service reaches stopped", async () => {
    const r = await withConfig("stop", "sl")
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain("sl")
    await waitForView(d, "sl", "stopped", (v) => v.state === "stopped" && v.desired === "stopped")
  })

  it("starts: exit 0 and the service runs again", async () => {
    const r = await withConfig("start", "sl")
    expect(r.code, r.stderr).toBe(0)
    pids.push((await waitForView(d, "sl", "running", (v) => v.state === "running")).pid)
  })

  it("restarts: exit 0 and the pid changes", async () => {
    const before = await waitForView(d, "sl", "running", (v) => v.state === "running")
    const r = await withConfig("restart", "sl")
    expect(r.code, r.stderr).toBe(0)
    const after = await waitForView(
      d,
      "sl",
      "a new pid",
      (v) => v.state === "running" && v.pid !== before.pid,
    )
    pids.push(after.pid)
  })

  it.each(["start", "stop", "restart"])("%s exits 3 for an unknown service", async (verb) => {
    const r = await withConfig(verb, "nope")
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('"nope"')
  })

  it("exits 2 when the service name is missing", async () => {
    const r = await withConfig("stop")
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/needs a service name/)
  })
})

describe("dockless start|stop|restart --group", () => {
  // db is up 1 s after it starts (its ready line), so "api after db" is measurable.
  let g: Daemon
  const members = ["db", "api"] as const
  const READY = 'ready (its output printed "db up"); running'

  beforeAll(async () => {
    g = await startDaemon({
      body: [
        `[services.db]`,
        `command = "/bin/sh"`,
        `args = ["-c", "sleep 1; echo db up; exec sleep 600"]`,
        `ready = { log = "^db up$" }`,
        `[services.api]`,
        `command = "${FIXTURES}/sleeper.sh"`,
        `[supervisors.backend]`,
        `strategy = "one_for_all"`,
        `children = ["db", "api"]`,
      ].join("\n"),
    })
    daemons.push(g)
    for (const name of members)
      pids.push((await waitForView(g, name, "running", (v) => v.state === "running")).pid)
  })

  const group = (...args: ReadonlyArray<string>) => cli([...args, "--config", g.configPath])

  /** When db was last up, by its log's "ready …; running" line. */
  const dbReadyAt = async (): Promise<number> => {
    const { lines } = await g.json("GET", "/api/services/db/logs?lines=200")
    const ready = lines.filter((l: { text: string }) => l.text === READY)
    return Date.parse(ready[ready.length - 1].ts)
  }

  const bothRunning = async (besides: ReadonlyArray<number>) => {
    const [db, api] = await Promise.all(
      members.map((name) =>
        waitForView(g, name, "running again", (v) => v.state === "running" && !besides.includes(v.pid)),
      ),
    )
    pids.push(db.pid, api.pid)
    const readyAt = await dbReadyAt()
    expect(readyAt - Date.parse(db.started_at)).toBeGreaterThanOrEqual(900)
    expect(Date.parse(api.started_at)).toBeGreaterThanOrEqual(readyAt)
    return [db, api]
  }

  it("stop --group: exit 0, every member stopped, api before db", async () => {
    const before = await Promise.all(
      members.map((name) => waitForView(g, name, "running", (v) => v.state === "running")),
    )
    const r = await group("stop", "--group", "backend")
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^group backend: stop sent \(now \w+\)\n$/)
    const [db, api] = await Promise.all(
      members.map((name) =>
        waitForView(g, name, "stopped", (v) => v.state === "stopped" && v.desired === "stopped"),
      ),
    )
    for (const v of before) expect(isAlive(v.pid)).toBe(false)
    expect(Date.parse(api.exit.at)).toBeLessThanOrEqual(Date.parse(db.exit.at))
    expect((await g.json("GET", "/api/groups/backend")).state).toBe("stopped")
  })

  it("start --group: exit 0, db first, api once db is up", async () => {
    const r = await group("start", "--group", "backend")
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^group backend: start sent \(now \w+\)\n$/)
    await bothRunning([])
  })

  it("restart --group: exit 0, both restarted (new pids), db first, api once db is up", async () => {
    const before = await Promise.all(
      members.map((name) => waitForView(g, name, "running", (v) => v.state === "running")),
    )
    const r = await group("restart", "--group", "backend")
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^group backend: restart sent \(now \w+\)\n$/)
    await bothRunning(before.map((v) => v.pid))
    for (const v of before) expect(isAlive(v.pid)).toBe(false)
  })

  it("exits 3 for an unknown group, and 2 for a NAME with --group", async () => {
    const unknown = await group("restart", "--group", "nope")
    expect(unknown.code).toBe(3)
    expect(unknown.stderr).toContain("nope")
    const both = await group("stop", "db", "--group", "backend")
    expect(both.code).toBe(2)
    expect(both.stderr).toContain("stop takes a service NAME or --group GROUP, not both")
  })
})

describe("dockless logs", () => {
  it("prints the last lines with -n", async () => {
    const view = await waitForView(d, "sl", "running", (v) => v.state === "running")
    const r = await withConfig("logs", "sl", "-n", "5")
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split("\n")
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.length).toBeLessThanOrEqual(5)
    expect(lines.at(-1)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (stdout|stderr|dockless) /)
    expect(r.stdout).toContain(`stdout sleeper up ${view.pid}`)
  })

  it("prints exactly N lines when there are more", async () => {
    const r = await withConfig("logs", "sl", "-n", "2")
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split("\n")).toHaveLength(2)
  })

  it("exits 3 for an unknown service", async () => {
    const r = await withConfig("logs", "nope")
    expect(r.code).toBe(3)
  })

  it("follows with -f: prints a line the service writes later, until killed", async () => {
    const child = spawn(process.execPath, [BUNDLE, "logs", "sl", "-n", "1", "-f", "--config", d.configPath], {
      stdio: ["ignore", "pipe", "pipe"],
    })
    if (child.pid !== undefined) followers.push(child.pid)
    let out = ""
    child.stdout.on("data", (c: Buffer) => (out += c.toString()))
    child.stderr.on("data", (c: Buffer) => (out += c.toString()))
    const alive = () => {
      if (child.exitCode !== null) throw new Error(`logs -f exited ${child.exitCode}: ${out}`)
    }
    // The one recent line comes first; the stream request goes out right after it.
    await waitFor("logs -f to print the last line", () => (alive(), out.includes("\n") ? true : undefined))
    // The stream may subscribe a moment later: restart until a line from a new process shows up.
    const seen: Array<number> = []
    await waitFor(
      "logs -f to print a line from a new process",
      async () => {
        alive()
        if (seen.some((pid) => out.includes(`stdout sleeper up ${pid}\n`))) return true
        const before = await waitForView(d, "sl", "running", (v) => v.state === "running")
        await d.api("POST", "/api/services/sl/restart")
        const after = await waitForView(
          d,
          "sl",
          "restarted",
          (v) => v.state === "running" && v.pid !== before.pid,
        )
        pids.push(after.pid)
        seen.push(after.pid)
        return undefined
      },
      20_000,
    )
    expect(child.exitCode).toBeNull()
    child.kill("SIGTERM")
    await waitFor("logs -f to exit", () =>
      child.exitCode !== null || child.signalCode !== null ? true : undefined,
    )
  })
})

describe("dockless logs -f when the daemon goes away", () => {
  it("says so and exits 1 (issue 18, point 11)", async () => {
    const gone = await startDaemon({
      body: [`[services.tick]`, `command = "${FIXTURES}/sleeper.sh"`].join("\n"),
    })
    daemons.push(gone)
    pids.push((await waitForView(gone, "tick", "running", (v) => v.state === "running")).pid)
    const child = spawn(process.execPath, [BUNDLE, "logs", "tick", "-f", "--config", gone.configPath], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    })
    if (child.pid !== undefined) followers.push(child.pid)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
    await waitFor("logs -f to print the service's line", () =>
      stdout.includes("sleeper up") ? true : undefined,
    )
    // Following: a line from a later process shows the stream is open before the daemon stops.
    await waitFor(
      "logs -f to print a line from a new process",
      async () => {
        if (stdout.split("sleeper up").length > 2) return true
        await gone.api("POST", "/api/services/tick/restart")
        const after = await waitForView(gone, "tick", "running", (v) => v.state === "running")
        pids.push(after.pid)
        return undefined
      },
      20_000,
    )
    expect(await gone.stop()).toBe(0)
    expect(await exited).toBe(1)
    expect(stderr.trim()).toBe(
      "dockless: the daemon went away: the log stream ended (is it running? node dist/dockless.mjs status)",
    )
  })
})

describe("without a running daemon", () => {
  it("exits 1 with a one-line error", async () => {
    const dir = tempDir()
    const port = await freePort()
    const configPath = join(dir, "config.toml")
    writeFileSync(configPath, `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n`)
    for (const args of [["status"], ["stop", "sl"], ["logs", "sl"]]) {
      const r = await cli([...args, "--config", configPath])
      expect(r.code, args.join(" ")).toBe(1)
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1)
      expect(r.stderr).toMatch(/not running/)
      expect(r.stderr).toContain(String(port))
    }
  })
})

describe("dockless check, --version, --help", () => {
  it("prints ok and exits 0 for a valid config", async () => {
    const r = await withConfig("check")
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe("ok")
  })

  it("exits 2 and names the problem for an invalid config", async () => {
    const dir = tempDir()
    const configPath = join(dir, "config.toml")
    writeFileSync(configPath, `[services.x]\ncommand = "/bin/sleep"\nrestart = "sometimes"\n`)
    const r = await cli(["check", "--config", configPath])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain("services.x.restart")
  })

  it("exits 2 for a config with a TOML syntax error", async () => {
    const dir = tempDir()
    const configPath = join(dir, "config.toml")
    writeFileSync(configPath, `listen_port = \n`)
    const r = await cli(["check", "--config", configPath])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("config.toml")
  })

  it("prints the version with --version and exits 0", async () => {
    const r = await cli(["--version"])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it("prints usage with --help and exits 0", async () => {
    const r = await cli(["--help"])
    expect(r.code, r.stderr).toBe(0)
    for (const word of ["run", "check", "status", "logs", "install", "--config"])
      expect(r.stdout).toContain(word)
  })

  it("exits 2 for an unknown option", async () => {
    const r = await cli(["status", "--bogus"])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain("--bogus")
  })
})
