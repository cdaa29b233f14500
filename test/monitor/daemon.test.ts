// Monitoring in a real daemon with real processes: memory_max restarts a hog with nobody
// watching, /metrics is valid Prometheus text with CPU and memory of running services,
// /api/events sends `usage` frames, the usage history endpoint and `dockless status` show values.
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BUNDLE, FIXTURES, startDaemon, waitFor, waitForView, type Daemon } from "../support/daemon.ts"
import { nodeFlags } from "../../src/version.ts"
import { cleanup, openSse, type SseReader } from "../http/client.ts"

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
      `[services.off]`,
      `command = "${FIXTURES}/sleeper.sh"`,
      `autostart = false`,
    ].join("\n"),
  })
  daemons.push(d)
  pids.push((await waitForView(d, "sl", "running", (v) => v.state === "running")).pid)
})

afterAll(async () => {
  for (const r of readers.splice(0)) r.close()
  await cleanup(daemons, pids)
})

interface Sample {
  readonly name: string
  readonly labels: Record<string, string>
  readonly value: number
}

/** A strict reader of the Prometheus text format: fails on any line it does not understand. */
const parsePrometheus = (text: string) => {
  const help = new Set<string>()
  const type = new Map<string, string>()
  const samples: Array<Sample> = []
  expect(text.endsWith("\n")).toBe(true)
  for (const line of text.slice(0, -1).split("\n")) {
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
    if (comment !== null) {
      const [, kind, name = "", rest = ""] = comment
      if (kind === "HELP") help.add(name)
      else {
        expect(["counter", "gauge", "histogram", "summary", "untyped"]).toContain(rest)
        type.set(name, rest)
      }
      continue
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (sample === null) throw new Error(`not a Prometheus line: ${JSON.stringify(line)}`)
    const [, name = "", rawLabels = "", rawValue = ""] = sample
    if (!help.has(name) || !type.has(name)) throw new Error(`${name} has a sample before its HELP and TYPE`)
    const labels: Record<string, string> = {}
    const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/y
    let at = 0
    while (at < rawLabels.length) {
      label.lastIndex = at
      const m = label.exec(rawLabels)
      if (m === null) throw new Error(`bad labels in ${JSON.stringify(line)}`)
      labels[m[1] ?? ""] = (m[2] ?? "").replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c))
      at = label.lastIndex
    }
    const value = Number.parseFloat(rawValue)
    if (Number.isNaN(value) && rawValue !== "NaN") throw new Error(`bad value in ${JSON.stringify(line)}`)
    samples.push({ name, labels, value })
  }
  return { samples, type }
}

describe("monitoring in a running daemon", () => {
  it("restarts a service above memory_max with nobody watching, saying why in its log", async () => {
    // Its own daemon, read only through the log file until the restart: no API call looks.
    const h = await startDaemon({
      body: [
        `[services.hog]`,
        `command = "node"`,
        `args = ["${FIXTURES}/hog.mjs"]`,
        `env = { HOG_MIB = "100" }`,
        `memory_max = "64MiB"`,
        `restart = "always"`,
        `backoff = { initial = "100ms", max = "200ms" }`,
        `intensity = { max_restarts = 100, period = "60s" }`,
        `stop_timeout = "2s"`,
      ].join("\n"),
    })
    daemons.push(h)
    const log = join(h.dir, "data/logs/hog.log")
    const why = await waitFor(
      "a memory_max line in hog's log",
      () => /^\S+ dockless (memory .*memory_max.*)$/m.exec(readFileSync(log, "utf8"))?.[1],
      30_000,
    )
    expect(why).toMatch(/^memory \d+(\.\d)? MiB above memory_max 64 MiB for two samples; restarting$/)
    const view = await waitForView(h, "hog", "restarted", (v) => v.restarts >= 1 && v.pid !== null)
    pids.push(view.pid)
  })

  it("serves /metrics as Prometheus text with every SPEC family and usage of running services", async () => {
    const response = await d.api("GET", "/metrics")
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/)
    const { samples, type } = parsePrometheus(await response.text())
    for (const [family, kind] of [
      ["dockless_service_up", "gauge"],
      ["dockless_service_restarts_total", "counter"],
      ["dockless_service_cpu_seconds_total", "counter"],
      ["dockless_service_memory_bytes", "gauge"],
      ["dockless_service_state", "gauge"],
    ] as const) {
      expect(type.get(family)).toBe(kind)
    }
    const of = (name: string, service: string) =>
      samples.filter((s) => s.name === name && s.labels["service"] === service)
    expect(of("dockless_service_up", "sl")[0]?.value).toBe(1)
    expect(of("dockless_service_up", "off")[0]?.value).toBe(0)
    expect(of("dockless_service_cpu_seconds_total", "sl")[0]?.value).toBeGreaterThanOrEqual(0)
    expect(of("dockless_service_memory_bytes", "sl")[0]?.value).toBeGreaterThan(0)
    // A stopped service has no usage: no sample rather than a made-up zero.
    expect(of("dockless_service_memory_bytes", "off")).toEqual([])
    const states = of("dockless_service_state", "sl")
    expect(states.find((s) => s.labels["state"] === "running")?.value).toBe(1)
    expect(states.filter((s) => s.value === 1).length).toBe(1)
  })

  it("sends `event: usage` frames on /api/events and merges usage into ServiceViews", async () => {
    const events = await openSse(`${d.url}/api/events`)
    readers.push(events)
    const usage = await events.next(
      "a usage frame with sl",
      (f) => f.event === "usage" && "sl" in f.data.services,
    )
    expect(Number.isNaN(Date.parse(usage.data.at))).toBe(false)
    expect(usage.data.services.sl).toEqual({
      cpu_percent: expect.any(Number),
      rss_bytes: expect.any(Number),
      cpu_seconds: expect.any(Number),
    })
    expect(usage.data.services.off).toBeUndefined()
    const second = await events.next(
      "a second usage frame",
      (f) => f.event === "usage" && f !== usage,
      events.frames.indexOf(usage) + 1,
    )
    expect(Date.parse(second.data.at) - Date.parse(usage.data.at)).toBeGreaterThanOrEqual(1000)
    events.close()
    const view = await d.json("GET", "/api/services/sl")
    expect(view.rss_bytes).toBeGreaterThan(0)
    expect(typeof view.cpu_percent).toBe("number")
    expect(typeof view.cpu_seconds).toBe("number")
    const off = await d.json("GET", "/api/services/off")
    expect([off.cpu_percent, off.rss_bytes, off.cpu_seconds]).toEqual([null, null, null])
  })

  it("answers GET /api/services/:name/usage with the recent history, 404 for an unknown service", async () => {
    const { history } = await waitFor("two history points", async () => {
      const body = await d.json<{ history: Array<{ at: string; cpu_percent: number; rss_bytes: number }> }>(
        "GET",
        "/api/services/sl/usage",
      )
      return body.history.length >= 2 ? body : undefined
    })
    for (const point of history) {
      expect(Object.keys(point).sort()).toEqual(["at", "cpu_percent", "rss_bytes"])
      expect(point.rss_bytes).toBeGreaterThan(0)
    }
    expect((await d.api("GET", "/api/services/nope/usage")).status).toBe(404)
  })

  it("shows CPU and MEM values in `dockless status`", () => {
    const out = spawnSync(process.execPath, [...nodeFlags, BUNDLE, "status", "--config", d.configPath], {
      encoding: "utf8",
    })
    expect(out.status).toBe(0)
    const lines = out.stdout.split("\n")
    const header = lines[0] ?? ""
    const row = lines.find((l) => l.startsWith("sl ")) ?? ""
    const cell = (column: string) => row.slice(header.indexOf(column)).split(/\s+/)[0]
    expect(cell("CPU")).toMatch(/^\d+\.\d%$/)
    expect(cell("MEM")).toMatch(/^\d+\.\dM$/)
  })
})
