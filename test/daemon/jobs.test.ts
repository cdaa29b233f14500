// Jobs through a real daemon and real processes: a oneshot that its dependant waits for, a
// schedule that fires again after each run has exited (PM2's cron never runs an app again once
// its run exited with autorestart off, #1767 / #2622), Run now and its refusal for a
// long-running service, the history with the log lines of each run, a person's stop pausing
// the schedule on purpose until a start, and a schedule that survives kill -9 of the daemon
// (PM2 loses it on resurrect, #5443).
import { describe, expect, it } from "vitest"
import { launch, useDaemons, view, waitForView } from "../support/daemon.ts"

const daemons = useDaemons()

interface Run {
  readonly started_at: string
  readonly ended_at: string
  readonly exit_code: number | null
  readonly outcome: string
  readonly trigger: string
  readonly logs: string
}
interface History {
  readonly runs: ReadonlyArray<Run>
  readonly next_run_at: string | null
  readonly running: unknown
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("oneshot services", () => {
  it("exits 0 as a success, and its dependant starts only after it", async () => {
    const d = await daemons.start(`
[services.migrate]
command = "sh"
args = ["-c", "echo migrating; sleep 0.5; echo migrated"]
type = "oneshot"

[services.app]
command = "sleep"
args = ["600"]
depends_on = ["migrate"]
`)
    const app = await waitForView(d, "app", "running", (v) => v.state === "running")
    const migrate = await view(d, "migrate")
    expect(migrate.state).toBe("exited")
    expect(migrate.exit.code).toBe(0)
    expect(migrate.error).toBeNull()
    expect(migrate.last_run).toMatchObject({ outcome: "success", exit_code: 0 })
    expect(Date.parse(app.started_at)).toBeGreaterThanOrEqual(Date.parse(migrate.last_run.ended_at))
    const history: History = await d.json("GET", "/api/services/migrate/history")
    expect(history.runs).toHaveLength(1)
    const lines = (await d.json("GET", history.runs[0]?.logs ?? "")).lines.map(
      (l: { text: string }) => l.text,
    )
    expect(lines).toContain("migrating")
    expect(lines).toContain("migrated")
  })

  it("runs now on POST /run, and refuses Run now for a long-running service with a sentence", async () => {
    const d = await daemons.start(`
[services.job]
command = "sh"
args = ["-c", "echo ran"]
type = "oneshot"
autostart = false

[services.api]
command = "sleep"
args = ["600"]
`)
    const answer = await d.api("POST", "/api/services/job/run")
    expect(answer.status).toBe(202)
    const done = await waitForView(d, "job", "exited", (v) => v.state === "exited")
    expect(done.last_run).toMatchObject({ outcome: "success", trigger: "run-now" })
    expect(done.desired).toBe("stopped")
    const refused = await d.api("POST", "/api/services/api/run")
    expect(refused.status).toBe(409)
    expect((await refused.json()).error).toBe(
      'service "api" is not a job: "Run now" is for type = "oneshot" services; use start or restart',
    )
  })
})

describe("scheduled jobs", () => {
  it("registers through the API with a cron schedule (the parser loaded then), or refuses a bad one at its key", async () => {
    const d = await daemons.start("")
    const bad = await d.api("POST", "/api/services", {
      name: "nightly",
      command: "true",
      type: "oneshot",
      schedule: "0 3 * * 8",
    })
    expect(bad.status).toBe(400)
    expect((await bad.json()).details).toEqual([
      {
        path: "schedule",
        message:
          'expected "every DURATION" (like "every 10m") or a cron expression of 5 fields (minute hour day-of-month month day-of-week, like "*/10 * * * *") or 6 with seconds first; "0 3 * * 8" is not valid: Invalid value for dayOfWeek: 8',
      },
    ])
    const created = await d.api("POST", "/api/services", {
      name: "nightly",
      command: "true",
      type: "oneshot",
      schedule: "0/10 * * * *",
    })
    expect(created.status).toBe(201)
    const v = await waitForView(d, "nightly", "armed", (x) => x.next_run_at !== null)
    expect(new Date(v.next_run_at).getMinutes() % 10).toBe(0)
    expect(v.state).toBe("stopped")
  })

  const every2s = `
[services.tick]
command = "sh"
args = ["-c", "echo tick"]
type = "oneshot"
schedule = "every 2s"
`

  it("fire on their schedule again after a run exited; a person's stop pauses the schedule until a start", async () => {
    const d = await daemons.start(every2s)
    const first = await waitForView(d, "tick", "a run", (v) => v.last_run !== null, 8000)
    expect(first.last_run).toMatchObject({ outcome: "success", trigger: "schedule" })
    expect(first.next_run_at).not.toBeNull()
    // The run has exited, and the schedule runs the job again (PM2 #1767 / #2622 never does).
    const two = await waitFor(d, (h) => h.runs.length >= 2, 6000)
    expect(two.runs.every((r) => r.trigger === "schedule" && r.outcome === "success")).toBe(true)
    const stopped = await d.json("POST", "/api/services/tick/stop")
    expect(stopped.next_run_at).toBeNull()
    const runsAtStop = (await d.json("GET", "/api/services/tick/history")).runs.length
    await sleep(4500)
    const paused: History = await d.json("GET", "/api/services/tick/history")
    expect(paused.runs.length).toBe(runsAtStop)
    expect(paused.next_run_at).toBeNull()
    const started = await d.json("POST", "/api/services/tick/start")
    expect(started.next_run_at).not.toBeNull()
    await waitFor(d, (h) => h.runs.length > runsAtStop, 6000)
  })

  it("survives kill -9 of the daemon: the next firing still comes", async () => {
    const first = await daemons.start(every2s)
    await waitForView(first, "tick", "a run", (v) => v.last_run !== null, 8000)
    await sleep(500) // state.json is written lazily (within 250 ms)
    first.child.kill("SIGKILL")
    await first.exited
    const killedAt = Date.now()
    const second = daemons.track(await launch(first.dir, first.configPath, first.port))
    const armed = await view(second, "tick")
    expect(armed.next_run_at).not.toBeNull()
    expect(armed.last_run).not.toBeNull() // the history came back too
    const after = await waitForView(
      second,
      "tick",
      "a run after the restart",
      (v) => v.last_run !== null && Date.parse(v.last_run.started_at) > killedAt,
      8000,
    )
    expect(after.last_run.trigger).toBe("schedule")
  })
})

const waitFor = async (
  d: { json: (m: string, p: string) => Promise<History> },
  ok: (h: History) => boolean,
  ms: number,
) => {
  const deadline = Date.now() + ms
  for (;;) {
    const h = await d.json("GET", "/api/services/tick/history")
    if (ok(h)) return h
    if (Date.now() > deadline) throw new Error(`history never matched: ${JSON.stringify(h)}`)
    await sleep(200)
  }
}
