// The live endpoints over real HTTP: /api/events (snapshot, then a ServiceView on every change),
// /api/services/:name/logs (recent lines with their stream) and /logs/stream (new lines as SSE).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { FIXTURES, startDaemon, waitForView, type Daemon } from "../support/daemon.ts"
import { cleanup, openSse, type SseReader } from "./client.ts"

const daemons: Array<Daemon> = []
const pids: Array<number> = []
const readers: Array<SseReader> = []
let d: Daemon

beforeAll(async () => {
  d = await startDaemon({
    body: [
      `[services.sl]`,
      `command = "${FIXTURES}/sleeper.sh"`,
      ``,
      `[services.once]`,
      `command = "${FIXTURES}/exit-with-code.sh"`,
      `args = ["0"]`,
      `restart = "never"`,
    ].join("\n"),
  })
  daemons.push(d)
  pids.push((await waitForView(d, "sl", "running", (v) => v.state === "running")).pid)
})

afterAll(async () => {
  for (const r of readers.splice(0)) r.close()
  await cleanup(daemons, pids)
})

const sse = async (path: string) => {
  const reader = await openSse(`${d.url}${path}`)
  readers.push(reader)
  return reader
}

describe("/api/events", () => {
  it("sends a snapshot of every service, then the state changes of a stop and a start", async () => {
    const events = await sse("/api/events")
    expect(events.status).toBe(200)
    expect(events.contentType).toMatch(/^text\/event-stream/)
    const snapSl = await events.next("snapshot of sl", (f) => f.event === "service" && f.data.name === "sl")
    await events.next("snapshot of once", (f) => f.event === "service" && f.data.name === "once")
    expect(snapSl.data.state).toBe("running")

    const mark = events.frames.length
    expect((await d.api("POST", "/api/services/sl/stop")).status).toBe(202)
    const stopped = await events.next(
      "sl stopped",
      (f) => f.event === "service" && f.data.name === "sl" && f.data.state === "stopped",
      mark,
    )
    expect(stopped.data).toMatchObject({ desired: "stopped", pid: null })

    const mark2 = events.frames.length
    expect((await d.api("POST", "/api/services/sl/start")).status).toBe(202)
    const running = await events.next(
      "sl running",
      (f) => f.event === "service" && f.data.name === "sl" && f.data.state === "running",
      mark2,
    )
    pids.push(running.data.pid)
    events.close()
  })

  it("sends registrations and `removed` on delete", async () => {
    const events = await sse("/api/events")
    await events.next("snapshot", (f) => f.event === "service" && f.data.name === "sl")
    const mark = events.frames.length
    const reg = await d.api("POST", "/api/services", { name: "tmp1", command: `${FIXTURES}/sleeper.sh` })
    expect(reg.status).toBe(201)
    const up = await events.next(
      "tmp1 running",
      (f) => f.event === "service" && f.data.name === "tmp1" && f.data.state === "running",
      mark,
    )
    pids.push(up.data.pid)
    expect(up.data.source).toBe("api")
    expect((await d.api("DELETE", "/api/services/tmp1")).status).toBe(204)
    await events.next("tmp1 removed", (f) => f.event === "removed" && f.data.name === "tmp1", mark)
    events.close()
  })

  it("keeps serving after clients hang up", async () => {
    for (let i = 0; i < 5; i++) {
      const events = await sse("/api/events")
      await events.next("snapshot", (f) => f.event === "service")
      events.close()
    }
    const res = await fetch(`${d.url}/api/health`)
    expect(res.status).toBe(200)
    expect(d.child.exitCode).toBeNull()
  })
})

describe("/api/services/:name/logs", () => {
  it("returns lines the service printed, on stdout and stderr, with ISO timestamps", async () => {
    await waitForView(d, "once", "exited", (v) => v.state === "exited")
    const res = await d.api("GET", "/api/services/once/logs?lines=50")
    expect(res.status).toBe(200)
    const { lines } = await res.json()
    expect(lines).toContainEqual(expect.objectContaining({ stream: "stdout", text: "exiting with 0" }))
    expect(lines).toContainEqual(expect.objectContaining({ stream: "stderr", text: "bye" }))
    for (const line of lines) {
      expect(["stdout", "stderr", "dockless"]).toContain(line.stream)
      expect(new Date(line.ts).toISOString()).toBe(line.ts)
    }
  })

  it("returns at most N lines, the newest", async () => {
    const all = (await d.json("GET", "/api/services/once/logs?lines=50")).lines
    expect(all.length).toBeGreaterThan(2)
    const two = (await d.json("GET", "/api/services/once/logs?lines=2")).lines
    expect(two).toEqual(all.slice(-2))
  })

  it("streams a new line as `event: log` when the service prints it", async () => {
    const stream = await sse("/api/services/sl/logs/stream")
    expect(stream.status).toBe(200)
    expect(stream.contentType).toMatch(/^text\/event-stream/)
    const before = await d.json("GET", "/api/services/sl")
    expect((await d.api("POST", "/api/services/sl/restart")).status).toBe(202)
    const after = await waitForView(
      d,
      "sl",
      "running with a new pid",
      (v) => v.state === "running" && v.pid !== before.pid,
    )
    pids.push(after.pid)
    const line = await stream.next(
      "the new sleeper's line",
      (f) => f.event === "log" && f.data.text === `sleeper up ${after.pid}`,
    )
    expect(line.data.stream).toBe("stdout")
    expect(new Date(line.data.ts).toISOString()).toBe(line.data.ts)
    stream.close()
  })
})
