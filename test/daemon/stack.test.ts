// A real stack of services on one box: ports reserved and checked against the host, auto ports,
// health checks of each kind, depends_on order, and group strategies. Real processes, real
// ports, a real daemon; every wait is on published state with a deadline.
import { spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import {
  BUNDLE,
  FIXTURES,
  freePort,
  launch,
  tempDir,
  view,
  waitFor,
  waitForView,
  type Daemon,
  useDaemons,
} from "../support/daemon.ts"

const daemons = useDaemons()
const daemonWith = daemons.start
const servers: Array<Server> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

const sleeper = `command = "${FIXTURES}/sleeper.sh"`
const healthServer = (port: number, extra = "") =>
  `command = "node"\nargs = ["${FIXTURES}/health-server.mjs"]\nports = [${port}]\nenv = { PORT = "${port}"${extra} }`
const listenOn = (port: number) =>
  new Promise<Server>((done) => {
    const server = createServer()
    server.listen(port, "127.0.0.1", () => done(server))
  })

describe("ports", () => {
  it("refuses two services on one port, at check and at registration, naming both", async () => {
    const port = await freePort()
    const dir = tempDir()
    const config = join(dir, "config.toml")
    writeFileSync(
      config,
      `listen_port = ${await freePort()}\n[services.a]\n${sleeper}\nports = [${port}]\n[services.b]\n${sleeper}\nports = [${port}]\n`,
    )
    const check = spawnSync(process.execPath, [BUNDLE, "check", "--config", config], { encoding: "utf8" })
    expect(check.status).toBe(2)
    expect(check.stderr).toContain(`port ${port} is reserved by both service "a" and service "b"`)
    const d = await daemonWith(`[services.a]\n${sleeper}\nports = [${port}]\n`)
    const answer = await d.api("POST", "/api/services", {
      name: "b",
      command: `${FIXTURES}/sleeper.sh`,
      ports: [port],
    })
    expect(answer.status).toBe(409)
    expect((await answer.json()).error).toContain(`"a"`)
  })

  it("keeps a service in backoff, naming the holder, while a foreign process holds its port, and starts it once free", async () => {
    const port = await freePort()
    const holder = await listenOn(port)
    const d = await daemonWith(`[services.web]\n${healthServer(port)}\n`)
    const waiting = await waitForView(
      d,
      "web",
      "in backoff for its port",
      (v) => v.state === "backoff" && v.error !== null,
    )
    expect(waiting.error).toMatch(new RegExp(`^port ${port} is in use by pid ${process.pid} \\(.+\\)$`))
    await new Promise((r) => holder.close(r))
    const running = await waitForView(d, "web", "running once the port is free", (v) => v.state === "running")
    expect(running.error).toBeNull()
  })

  it("allocates auto ports in range, passes them as $PORT, and keeps them across restarts of Dockless", async () => {
    const low = await freePort()
    const d = await daemonWith(
      `[ports]\nauto_range = [${low}, ${low + 50}]\n[services.auto]\ncommand = "node"\nargs = ["${FIXTURES}/port-server.mjs"]\nport = "auto"\n`,
    )
    const first = await waitForView(d, "auto", "running", (v) => v.state === "running")
    const [port] = first.ports
    expect(port).toBeGreaterThanOrEqual(low)
    expect(port).toBeLessThanOrEqual(low + 50)
    const answer = await waitFor("the service on its auto port", async () => {
      const r = await fetch(`http://127.0.0.1:${port}/`)
      return r.ok ? r.text() : undefined
    })
    expect(answer).toBe(`pid ${first.pid}\n`)
    await d.stop()
    const again = await launch(d.dir, d.configPath, d.port)
    daemons.track(again)
    const second = await waitForView(again, "auto", "running again", (v) => v.state === "running")
    expect(second.ports).toEqual([port])
  })
})

describe("health checks", () => {
  it("keeps a service starting until its http check passes, then running", async () => {
    const port = await freePort()
    const d = await daemonWith(
      `[services.web]\n${healthServer(port, `, DELAY_MS = "600"`)}\nhealth = { http = "http://127.0.0.1:${port}/healthz", interval = "200ms", retries = 3, start_period = "5s" }\n`,
    )
    const starting = await waitForView(d, "web", "starting", (v) => v.state === "starting")
    expect(starting.health.status).toBe("starting")
    const running = await waitForView(d, "web", "running", (v) => v.state === "running")
    expect(running.health).toMatchObject({ status: "healthy", failures: 0 })
  })

  it("restarts a service whose http check keeps failing, and says why", async () => {
    const port = await freePort()
    const sick = join(tempDir(), "sick")
    const d = await daemonWith(
      `[services.web]\n${healthServer(port, `, SICK_FILE = "${sick}"`)}\nbackoff = { initial = "100ms" }\nhealth = { http = "http://127.0.0.1:${port}/healthz", interval = "200ms", retries = 2 }\n`,
    )
    const healthy = await waitForView(d, "web", "running", (v) => v.state === "running")
    writeFileSync(sick, "")
    const restarted = await waitForView(
      d,
      "web",
      "restarted",
      (v) => v.restarts >= 1 && v.pid !== healthy.pid && v.pid !== null,
      15_000,
    )
    expect(restarted.restarts).toBeGreaterThanOrEqual(1)
    const { lines } = await d.json("GET", "/api/services/web/logs?lines=100")
    expect(
      lines.some(
        (l: { stream: string; text: string }) =>
          l.stream === "dockless" && l.text.includes("health check failed 2 times in a row"),
      ),
    ).toBe(true)
  })

  it("passes tcp and exec checks, and fails an exec check that exits non-zero", async () => {
    const port = await freePort()
    const d = await daemonWith(
      `[services.tcp]\n${healthServer(port)}\nhealth = { tcp = ${port}, interval = "200ms" }\n` +
        `[services.exec]\n${sleeper}\nhealth = { exec = ["/bin/sh", "-c", "exit 0"], interval = "200ms" }\n` +
        `[services.bad]\n${sleeper}\nhealth = { exec = ["/bin/sh", "-c", "echo nope; exit 1"], interval = "200ms", retries = 50 }\n`,
    )
    await waitForView(
      d,
      "tcp",
      "healthy over tcp",
      (v) => v.state === "running" && v.health.status === "healthy",
    )
    await waitForView(
      d,
      "exec",
      "healthy over exec",
      (v) => v.state === "running" && v.health.status === "healthy",
    )
    const bad = await waitForView(d, "bad", "failing exec", (v) => v.health.failures >= 2)
    expect(bad.state).toBe("starting")
    expect(bad.health.last_error).toBe("/bin/sh -c echo nope; exit 1 exited with code 1: nope")
  })
})

describe("dependencies", () => {
  it("starts a service only once what it depends on is running (healthy when checked)", async () => {
    const port = await freePort()
    const d = await daemonWith(
      `[services.app]\n${sleeper}\ndepends_on = ["db"]\n` +
        `[services.db]\n${healthServer(port, `, DELAY_MS = "800"`)}\nhealth = { tcp = ${port}, interval = "200ms", start_period = "5s" }\n`,
    )
    const app = await waitForView(d, "app", "running", (v) => v.state === "running")
    const db = await view(d, "db")
    expect(db.state).toBe("running")
    expect(Date.parse(app.started_at)).toBeGreaterThan(Date.parse(db.started_at) + 700)
  })

  it("leaves a waiting service stopped when a person stopped it before its dependency came up_regression", async () => {
    const port = await freePort()
    const d = await daemonWith(
      `[services.app]\n${sleeper}\ndepends_on = ["db"]\n` +
        `[services.db]\n${healthServer(port, `, DELAY_MS = "1500"`)}\nhealth = { tcp = ${port}, interval = "200ms", start_period = "10s" }\n`,
    )
    expect((await d.api("POST", "/api/services/app/stop")).status).toBe(202)
    await waitForView(d, "db", "running", (v) => v.state === "running")
    const { lines } = await d.json("GET", "/api/services/app/logs?lines=20")
    expect(lines.some((l: { text: string }) => l.text === "waiting for db to be running")).toBe(true)
    // The dependency is up; give the (wrong) late start every chance to show before looking.
    await waitFor("app's log to settle", async () =>
      (await view(d, "db")).health.status === "healthy" ? true : undefined,
    )
    const app = await view(d, "app")
    expect([app.state, app.desired, app.pid]).toEqual(["stopped", "stopped", null])
  })

  it("refuses a depends_on cycle, naming it", async () => {
    const dir = tempDir()
    const config = join(dir, "config.toml")
    writeFileSync(
      config,
      `[services.a]\n${sleeper}\ndepends_on = ["b"]\n[services.b]\n${sleeper}\ndepends_on = ["a"]\n`,
    )
    const check = spawnSync(process.execPath, [BUNDLE, "check", "--config", config], { encoding: "utf8" })
    expect(check.status).toBe(2)
    expect(check.stderr).toMatch(/dependency cycle: (a -> b -> a|b -> a -> b)/)
  })
})

describe("group strategies", () => {
  const group = (strategy: string) =>
    `[services.first]\n${sleeper}\n[services.second]\n${sleeper}\nbackoff = { initial = "50ms" }\n[services.third]\n${sleeper}\n` +
    `[supervisors.g]\nstrategy = "${strategy}"\nchildren = ["first", "second", "third"]\n`
  const pids = async (d: Daemon) =>
    Object.fromEntries(
      await Promise.all(
        ["first", "second", "third"].map(async (n) => [
          n,
          (await waitForView(d, n, "running", (v) => v.state === "running")).pid,
        ]),
      ),
    )

  it("one_for_all restarts every child when one crashes", async () => {
    const d = await daemonWith(group("one_for_all"))
    const before = await pids(d)
    process.kill(before.second, "SIGKILL")
    for (const name of ["first", "second", "third"]) {
      await waitForView(d, name, "restarted", (v) => v.state === "running" && v.pid !== before[name])
    }
  })

  it("rest_for_one restarts the crashed child and those after it, leaving those before it alone", async () => {
    const d = await daemonWith(group("rest_for_one"))
    const before = await pids(d)
    process.kill(before.second, "SIGKILL")
    const second = await waitForView(
      d,
      "second",
      "restarted",
      (v) => v.state === "running" && v.pid !== before.second,
    )
    const third = await waitForView(
      d,
      "third",
      "restarted",
      (v) => v.state === "running" && v.pid !== before.third,
    )
    const first = await view(d, "first")
    expect([first.pid, first.restarts]).toEqual([before.first, 0])
    expect(second.restarts).toBe(1)
    expect(third.pid).not.toBe(before.third)
  })

  it("gives up on the whole group when it restarts more often than the group's intensity", async () => {
    const d = await daemonWith(
      group("one_for_all").replace(
        `children = ["first", "second", "third"]\n`,
        `children = ["first", "second", "third"]\nintensity = { max_restarts = 1, period = "1m" }\n`,
      ),
    )
    const before = await pids(d)
    process.kill(before.second, "SIGKILL")
    const again = await waitForView(
      d,
      "second",
      "restarted",
      (v) => v.state === "running" && v.pid !== before.second,
    )
    await waitForView(d, "first", "restarted", (v) => v.state === "running" && v.pid !== before.first)
    process.kill(again.pid, "SIGKILL")
    for (const name of ["first", "second", "third"]) {
      const failed = await waitForView(d, name, "failed", (v) => v.state === "failed")
      expect(failed.error).toContain("group g: more than 1 restarts in 1m")
    }
  })
})
