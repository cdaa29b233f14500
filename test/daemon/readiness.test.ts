// Readiness through a real daemon and real processes: a service is `starting` until its output
// matches, its port accepts or its URL answers 2xx; its dependant starts only once it is ready,
// and so does the next member of a group restart; one that is never ready within start_timeout
// is restarted by its policy and never shown running.
import { describe, expect, it } from "vitest"
import { FIXTURES, freePort, useDaemons, view, waitFor, waitForView, type Daemon } from "../support/daemon.ts"
import { useSampling } from "../support/sampling.ts"

const daemons = useDaemons()

const sampling = useSampling()

const linesOf = async (d: Daemon, name: string): Promise<ReadonlyArray<{ ts: string; text: string }>> =>
  (await d.json<{ lines: Array<{ ts: string; text: string }> }>("GET", `/api/services/${name}/logs?lines=50`))
    .lines

const logsOf = async (d: Daemon, name: string): Promise<ReadonlyArray<string>> =>
  (await linesOf(d, name)).map((l) => l.text)

const service = (name: string, lines: ReadonlyArray<string>) =>
  `[services.${name}]\ncommand = "node"\nargs = ["${FIXTURES}/ready-later.mjs"]\n${lines.join("\n")}\n`

describe("readiness", () => {
  it("keeps a log-ready service starting until its line, and its dependant waits for that", async () => {
    const d = await daemons.start(
      service("db", [`ready = { log = "^ready to serve" }`, `env = { DELAY_MS = "1500" }`]) +
        `[services.app]\ncommand = "${FIXTURES}/sleeper.sh"\ndepends_on = ["db"]\n`,
    )
    const s = sampling(d, ["db", "app"])
    await waitForView(d, "db", "starting with a pid", (v) => v.state === "starting" && v.pid !== null)
    await waitForView(d, "app", "running", (v) => v.state === "running")
    await s.stop()
    const whileStarting = s.samples.filter((row) => row.db?.state === "starting")
    expect(whileStarting.length).toBeGreaterThan(5)
    expect(whileStarting.every((row) => row.app?.pid === null)).toBe(true)
    expect((await view(d, "db")).state).toBe("running")
    expect(await logsOf(d, "db")).toContain('ready (its output printed "ready to serve"); running')
  }, 30_000)

  it("keeps a port-ready service starting until the port accepts on 127.0.0.1", async () => {
    const port = await freePort()
    const d = await daemons.start(
      service("web", [`ready = { port = ${port} }`, `env = { DELAY_MS = "1500", PORT = "${port}" }`]),
    )
    const starting = await waitForView(d, "web", "starting", (v) => v.state === "starting" && v.pid !== null)
    await waitForView(d, "web", "running", (v) => v.state === "running")
    expect((await view(d, "web")).pid).toBe(starting.pid)
    expect(await logsOf(d, "web")).toContain(`ready (port ${port} accepts connections); running`)
  }, 30_000)

  it("keeps an http-ready service starting through its 503s, running at the first 2xx", async () => {
    const port = await freePort()
    const d = await daemons.start(
      service("api", [
        `ready = { http = "http://127.0.0.1:${port}/ready" }`,
        `env = { WARM_MS = "2000", PORT = "${port}" }`,
      ]),
    )
    await waitFor("api to listen", async () =>
      (await logsOf(d, "api")).some((l) => l.startsWith("ready to serve on")) ? true : undefined,
    )
    // Listening, but answering 503 for 2 s: not ready.
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(503)
    expect((await view(d, "api")).state).toBe("starting")
    await waitForView(d, "api", "running", (v) => v.state === "running")
    expect(await logsOf(d, "api")).toContain(
      `ready (GET http://127.0.0.1:${port}/ready answered 2xx); running`,
    )
  }, 30_000)

  it.each(["one_for_all", "rest_for_one"])(
    "starts the next member of a %s group restart only once the first is ready again",
    async (strategy) => {
      const d = await daemons.start(
        service("db", [`ready = { log = "^ready to serve" }`, `env = { DELAY_MS = "1500" }`]) +
          `[services.app]\ncommand = "${FIXTURES}/sleeper.sh"\n` +
          `[supervisors.pair]\nstrategy = "${strategy}"\nchildren = ["db", "app"]\n`,
      )
      const first = await waitForView(d, "app", "running", (v) => v.state === "running")
      const before = { db: (await view(d, "db")).pid, app: first.pid }
      const s = sampling(d, ["db", "app"])
      process.kill(before.db, "SIGKILL")
      const db = await waitForView(
        d,
        "db",
        "ready again",
        (v) => v.state === "running" && v.pid !== before.db,
      )
      const app = await waitForView(
        d,
        "app",
        "restarted",
        (v) => v.state === "running" && v.pid !== before.app,
      )
      await s.stop()
      // The new db's ready line, as captured (the lines carry the time Dockless read them).
      const lines = await linesOf(d, "db")
      const born = lines.findIndex((l) => l.text === `warming up as ${db.pid}`)
      const ready = lines.slice(born).find((l) => l.text === "ready to serve")
      expect(born).toBeGreaterThanOrEqual(0)
      expect(Date.parse(app.started_at)).toBeGreaterThanOrEqual(Date.parse(ready?.ts ?? ""))
      expect(Date.parse(app.started_at) - Date.parse(db.started_at)).toBeGreaterThanOrEqual(1400)
      // While the new db was starting, no app ran: the group had stopped it and waited.
      const whileStarting = s.samples.filter((row) => row.db?.pid === db.pid && row.db?.state === "starting")
      expect(whileStarting.length).toBeGreaterThan(5)
      expect(whileStarting.every((row) => row.app?.pid === null)).toBe(true)
    },
    30_000,
  )

  it("restarts a service never ready within start_timeout by its policy, never showing it running", async () => {
    const d = await daemons.start(
      service("stuck", [
        `ready = { log = "never printed" }`,
        `start_timeout = "1s"`,
        `backoff = { initial = "200ms", jitter = 0 }`,
      ]) + `[services.after]\ncommand = "${FIXTURES}/sleeper.sh"\ndepends_on = ["stuck"]\n`,
    )
    const s = sampling(d, ["stuck", "after"])
    await waitForView(d, "stuck", "restarted twice", (v) => v.restarts >= 2, 15_000)
    await s.stop()
    expect(s.samples.some((row) => row.stuck?.state === "running")).toBe(false)
    expect(s.samples.some((row) => row.after !== undefined && row.after.pid !== null)).toBe(false)
    const notes = await logsOf(d, "stuck")
    expect(notes.filter((l) => l.startsWith("not ready within 1s")).length).toBeGreaterThanOrEqual(2)
  }, 30_000)
})
