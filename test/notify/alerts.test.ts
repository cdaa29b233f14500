// Alerts end to end: a real daemon, real crashing services, and the targets' endpoints as
// loopback node:http servers (or a command) this test starts. Waits poll with deadlines.
import { spawn } from "node:child_process"
import { createHmac } from "node:crypto"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { nodeFlags } from "../../src/version.ts"
import {
  BUNDLE,
  FIXTURES,
  freePort,
  isAlive,
  tempDir,
  useDaemons,
  view,
  waitFor,
  waitForView,
} from "../support/daemon.ts"

const daemons = useDaemons()

interface Received {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly at: number
}

interface Endpoint {
  readonly url: string
  readonly received: Array<Received>
  /** What it answers next: a status, or "hang" (never answers). */
  answer: number | "hang"
  readonly json: () => Array<Record<string, unknown>>
}

const servers: Array<Server> = []
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((done) => {
          s.closeAllConnections()
          s.close(() => done())
        }),
    ),
  )
})

const endpoint = async (answer: number | "hang" = 200): Promise<Endpoint> => {
  const received: Array<Received> = []
  const server = createServer((req, res) => {
    let body = ""
    req.setEncoding("utf8")
    req.on("data", (c: string) => (body += c))
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
        at: Date.now(),
      })
      if (ep.answer === "hang") return
      res.writeHead(ep.answer, { "content-type": "text/plain" })
      res.end(ep.answer >= 300 ? "endpoint says no" : "ok")
    })
  })
  servers.push(server)
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  const ep: Endpoint = {
    url: `http://127.0.0.1:${port}/hook/path`,
    received,
    answer,
    json: () => received.map((r) => JSON.parse(r.body) as Record<string, unknown>),
  }
  return ep
}

const crasher = (name: string, extra = "") =>
  `[services.${name}]\ncommand = "${FIXTURES}/exit-with-code.sh"\nargs = ["3"]\nbackoff = { initial = "20ms", factor = 1 }\n${extra}\n`

/** Fails for good after its second restart. */
const failing = (name: string) => crasher(name, `intensity = { max_restarts = 1, period = "1m" }`)

const events = (ep: Endpoint, event: string) => ep.json().filter((p) => p["event"] === event)

/** `dockless notify test` against the daemon: exit code, stdout, stderr. */
const notifyTest = (configPath: string) =>
  new Promise<{ code: number | null; out: string; err: string }>((done) => {
    const child = spawn(process.execPath, [...nodeFlags, BUNDLE, "notify", "test", "--config", configPath])
    let out = ""
    let err = ""
    child.stdout.on("data", (d: Buffer) => (out += d.toString()))
    child.stderr.on("data", (d: Buffer) => (err += d.toString()))
    child.once("exit", (code) => done({ code, out, err }))
  })

describe("alerts", () => {
  it("a webhook gets a failed service as signed JSON, and Dockless's start and stop", async () => {
    const hook = await endpoint()
    const d = await daemons.start(
      `[[notify]]\ntype = "webhook"\nurl = "${hook.url}"\nsecret = "hush"\n` +
        `events = ["failed", "dockless_started", "dockless_stopped"]\n\n${failing("bad")}`,
    )
    const [failed] = await waitFor("the failed alert", () => {
      const got = events(hook, "failed")
      return got.length > 0 ? got : undefined
    })
    expect(failed).toMatchObject({ event: "failed", service: "bad", title: "bad failed", suppressed: 0 })
    expect(String(failed?.["message"])).toMatch(
      /^bad failed and will not be restarted: more than 1 restarts in 1m/,
    )
    const request = hook.received.find((r) => r.body.includes('"failed"'))
    expect(request?.headers["content-type"]).toBe("application/json")
    expect(request?.headers["x-dockless-event"]).toBe("failed")
    const expected = `sha256=${createHmac("sha256", "hush")
      .update(request?.body ?? "")
      .digest("hex")}`
    expect(request?.headers["x-dockless-signature"]).toBe(expected)
    expect(events(hook, "dockless_started")).toHaveLength(1)
    expect(await d.stop()).toBe(0)
    expect(events(hook, "dockless_stopped")).toHaveLength(1)
  })

  it("a crash loop is one message per dedupe window (superlance #108), and a dead endpoint slows no restart", async () => {
    const hook = await endpoint()
    const dead = await endpoint("hang")
    const d = await daemons.start(
      `[[notify]]\ntype = "webhook"\nurl = "${hook.url}"\nevents = ["crash_loop"]\n` +
        `crash_loop = { restarts = 3, within = "1m" }\ndedupe = "1h"\n\n` +
        `[[notify]]\ntype = "webhook"\nurl = "${dead.url}"\ntimeout = "1m"\n\n` +
        crasher("loop", `intensity = { max_restarts = 1000, period = "1m" }`),
    )
    const started = Date.now()
    await waitForView(d, "loop", "20 restarts", (v) => v.restarts >= 20, 15_000)
    const restartsTook = Date.now() - started
    await waitFor("the crash-loop alert", () => (events(hook, "crash_loop").length > 0 ? true : undefined))
    const [loop] = events(hook, "crash_loop")
    expect(loop).toMatchObject({ service: "loop", details: { restarts: 3, within_ms: 60_000 } })
    expect(String(loop?.["message"])).toBe("loop is crash-looping: 3 restarts within 1m")
    // Twenty restarts later still one message; the hung endpoint holds its own queue only.
    expect(events(hook, "crash_loop")).toHaveLength(1)
    expect(dead.received.length).toBe(1)
    expect(restartsTook).toBeLessThan(15_000)
    const status = await d.json<{ targets: Array<Record<string, number>> }>("GET", "/api/notify")
    expect(status.targets[0]).toMatchObject({ sent: 1, failed: 0 })
    expect(status.targets[0]?.["deduped"]).toBeGreaterThan(10)
    expect(status.targets[1]?.["pending"]).toBeGreaterThan(0)
  })

  it("delivers a second and a third alert after the first (supervisor #220)", async () => {
    const hook = await endpoint()
    await daemons.start(
      `[[notify]]\ntype = "webhook"\nurl = "${hook.url}"\nevents = ["failed"]\n\n` +
        failing("one") +
        failing("two") +
        failing("three"),
    )
    const names = await waitFor("three failed alerts", () => {
      const got = events(hook, "failed").map((p) => p["service"])
      return got.length >= 3 ? got : undefined
    })
    expect([...names].sort()).toEqual(["one", "three", "two"])
  })

  it("retries a refusing endpoint with backoff, then logs the failure and shows it in GET /api/notify", async () => {
    const hook = await endpoint(500)
    const d = await daemons.start(
      `[[notify]]\nname = "ops"\ntype = "webhook"\nurl = "${hook.url}"\nevents = ["failed"]\n` +
        `retries = 2\nretry_delay = "300ms"\n\n${failing("bad")}`,
    )
    const status = await waitFor("the failure shown", async () => {
      const s = await d.json<{ targets: Array<any> }>("GET", "/api/notify")
      return s.targets[0]?.failed === 1 ? s.targets[0] : undefined
    })
    expect(hook.received).toHaveLength(3)
    const [a, b, c] = hook.received.map((r) => r.at)
    expect(b! - a!).toBeGreaterThanOrEqual(280)
    expect(c! - b!).toBeGreaterThanOrEqual(580)
    expect(status).toMatchObject({ name: "ops", type: "webhook", sent: 0, failed: 1 })
    expect(status.destination).toBe(`${new URL(hook.url).origin}/…`)
    expect(status.last_error.message).toMatch(/answered 500: endpoint says no/)
    await waitFor("the log line", () =>
      d.output.includes('notify ops: could not deliver "bad failed" after 3 tries') ? true : undefined,
    )
  })

  it("a command target reads the alert on stdin and in its environment", async () => {
    const dir = tempDir()
    const out = join(dir, "alerts.jsonl")
    await daemons.start(
      `[[notify]]\ntype = "command"\ncommand = "${process.execPath}"\nargs = ["${FIXTURES}/alert-sink.mjs", "${out}"]\n` +
        `events = ["failed"]\n\n${failing("bad")}`,
    )
    // The sink's append creates the file before it writes: a record counts once its line ends.
    const line = await waitFor("the command's record", () => {
      const text = existsSync(out) ? readFileSync(out, "utf8") : ""
      return text.includes("\n") ? text.slice(0, text.indexOf("\n")) : undefined
    })
    const { env, stdin } = JSON.parse(line)
    expect(env).toMatchObject({
      DOCKLESS_EVENT: "failed",
      DOCKLESS_SERVICE: "bad",
      DOCKLESS_TITLE: "bad failed",
    })
    expect(stdin).toMatchObject({ event: "failed", service: "bad", title: "bad failed" })
    expect(stdin.message).toBe(env.DOCKLESS_MESSAGE)
  })

  it("dockless notify test exits 0 when delivered, 1 with each reason when not; a hung command's group is killed", async () => {
    const hook = await endpoint()
    const dir = tempDir()
    const pidFile = join(dir, "grandchild.pid")
    const d = await daemons.start(`[[notify]]\ntype = "webhook"\nurl = "${hook.url}"\n`)
    const ok = await notifyTest(d.configPath)
    expect(ok).toMatchObject({ code: 0, out: "notify[0] webhook 1: delivered\n" })
    expect(events(hook, "test")).toHaveLength(1)
    hook.answer = 503
    const refused = await notifyTest(d.configPath)
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(
      /notify\[0\] webhook 1: not delivered: 127\.0\.0\.1:\d+ answered 503: endpoint says no/,
    )
    await d.stop()

    const hung = await daemons.start(
      `[[notify]]\nname = "slow"\ntype = "command"\ncommand = "/bin/sh"\n` +
        `args = ["-c", "sleep 30 & echo $! > ${pidFile}; wait"]\ntimeout = "500ms"\n`,
    )
    const slow = await notifyTest(hung.configPath)
    expect(slow.code).toBe(1)
    expect(slow.err).toMatch(
      /slow: not delivered: \/bin\/sh did not finish within 500 ms; its process group was killed/,
    )
    const grandchild = Number(readFileSync(pidFile, "utf8"))
    await waitFor("the command's grandchild gone", () => (isAlive(grandchild) ? undefined : true))
    const shown = await hung.json<{ targets: Array<any> }>("GET", "/api/notify")
    expect(shown.targets[0].last_error.message).toMatch(/did not finish within 500 ms/)
    // Its "Dockless stopped" hangs too: shutdown waits for it at most 2 s (a regression: 20 s
    // when the bound ran inside the uninterruptible finalizer).
    const stopping = Date.now()
    expect(await hung.stop()).toBe(0)
    expect(Date.now() - stopping).toBeLessThan(6000)
  })

  it("without [[notify]] the API says so: no targets, and notify test exits 1", async () => {
    const d = await daemons.start(crasher("x"))
    expect(await d.json("GET", "/api/notify")).toEqual({ targets: [] })
    const none = await notifyTest(d.configPath)
    expect(none.code).toBe(1)
    expect(none.err).toMatch(/has no \[\[notify\]\] targets/)
  })
  it("an ntfy topic gets the message as its body, with Title, Priority and Tags headers and the token", async () => {
    const topic = await endpoint()
    await daemons.start(
      `[[notify]]\ntype = "ntfy"\nurl = "${topic.url}"\ntoken = "tk_0123"\n` +
        `events = ["failed", "dockless_started"]\n\n${failing("bad")}`,
    )
    const [started, failed] = await waitFor("both alerts at the topic", () => {
      const s = topic.received.find((r) => r.body.startsWith("Dockless started"))
      const f = topic.received.find((r) => r.body.startsWith("bad failed"))
      return s !== undefined && f !== undefined ? ([s, f] as const) : undefined
    })
    const host = hostname()
    expect(failed).toMatchObject({ method: "POST", path: "/hook/path" })
    expect(failed.body).toBe(
      "bad failed and will not be restarted: more than 1 restarts in 1m; last exited with code 3",
    )
    expect(failed.headers).toMatchObject({
      "content-type": "text/plain; charset=utf-8",
      title: `${host}: bad failed`,
      priority: "5",
      tags: "rotating_light,bad",
      authorization: "Bearer tk_0123",
    })
    // Dockless's own event names no service: its emoji tag alone.
    expect(started.body).toBe("Dockless started, supervising 1 service")
    expect(started.headers).toMatchObject({
      title: `${host}: Dockless started`,
      priority: "2",
      tags: "arrow_forward",
    })
    expect(topic.received).toHaveLength(2)
  })

  it("a real http health check that fails for several checks then passes is health_failing then health_recovered, once each", async () => {
    const hook = await endpoint()
    const port = await freePort()
    const sick = join(tempDir(), "sick")
    const d = await daemons.start(
      `[[notify]]\ntype = "webhook"\nurl = "${hook.url}"\nevents = ["health_failing", "health_recovered"]\n` +
        `dedupe = 0\n\n[services.web]\ncommand = "${process.execPath}"\nargs = ["${FIXTURES}/health-server.mjs"]\n` +
        `port = ${port}\nenv = { SICK_FILE = "${sick}" }\n` +
        // Never restarted for failing: the same process turns healthy again.
        `health = { http = "http://127.0.0.1:${port}/healthz", interval = "200ms", timeout = "1s", retries = 1000 }\n`,
    )
    const healthy = await waitForView(d, "web", "healthy", (v) => v.health?.status === "healthy")
    writeFileSync(sick, "")
    // Every failed check publishes a new view: three of them must still be one alert.
    await waitForView(d, "web", "three failed checks", (v) => v.health?.failures >= 3)
    rmSync(sick)
    const recovered = await waitForView(d, "web", "healthy again", (v) => v.health?.status === "healthy")
    const kinds = () => hook.json().map((p) => p["event"])
    await waitFor("the recovered alert", () => (kinds().includes("health_recovered") ? true : undefined))
    // Three more passing checks (each a new view) bring no second alert of either kind.
    const since = Date.parse(recovered.health.checked_at)
    await waitForView(d, "web", "three more checks", (v) => Date.parse(v.health?.checked_at) >= since + 600)
    expect(kinds()).toEqual(["health_failing", "health_recovered"])
    const [failing, back] = hook.json()
    expect(failing).toMatchObject({
      service: "web",
      title: "web is unhealthy",
      details: { failures: 1 },
    })
    expect(String(failing?.["message"])).toMatch(/^web's health check failed 1 time in a row: .*500/)
    expect(back).toMatchObject({
      service: "web",
      title: "web is healthy again",
      message: "web's health check passes again",
    })
    const after = await view(d, "web")
    expect(after).toMatchObject({ pid: healthy.pid, restarts: 0 })
  })

  it("a service above its memory_max is a memory_max alert saying how far over, and it is restarted", async () => {
    const hook = await endpoint()
    const d = await daemons.start(
      `[[notify]]\ntype = "webhook"\nurl = "${hook.url}"\nevents = ["memory_max"]\n\n` +
        `[services.hog]\ncommand = "${process.execPath}"\nargs = ["${FIXTURES}/hog.mjs"]\n` +
        `env = { HOG_MIB = "100" }\nmemory_max = "64MiB"\nrestart = "always"\n` +
        `backoff = { initial = "100ms", max = "200ms" }\nintensity = { max_restarts = 100, period = "60s" }\n` +
        `stop_timeout = "2s"\n`,
    )
    // Sampled every 2 s, two samples over: a few seconds; the bound leaves room for a loaded host.
    const [alert] = await waitFor(
      "the memory_max alert",
      () => {
        const got = events(hook, "memory_max")
        return got.length > 0 ? got : undefined
      },
      20_000,
    )
    expect(alert).toMatchObject({ service: "hog", title: "hog went over memory_max" })
    const reason = /^hog: (memory \d+(\.\d)? MiB above memory_max 64 MiB for two samples; restarting)$/.exec(
      String(alert?.["message"]),
    )?.[1]
    expect(reason).toBeDefined()
    expect(alert?.["details"]).toEqual({ reason })
    const restarted = await waitForView(d, "hog", "restarted", (v) => v.restarts >= 1)
    expect(restarted.last_restart_reason).toBe("memory_max")
  })

  it("a service that cannot spawn fails with a failed alert naming why: its binary removed, or made non-executable", async () => {
    const hook = await endpoint()
    const dir = tempDir()
    const script = (name: string) => {
      const path = join(dir, name)
      writeFileSync(path, "#!/bin/sh\nexec sleep 600\n")
      chmodSync(path, 0o755)
      return path
    }
    const gone = script("gone.sh")
    const revoked = script("revoked.sh")
    const d = await daemons.start(
      `[[notify]]\ntype = "webhook"\nurl = "${hook.url}"\nevents = ["failed"]\n\n` +
        `[services.gone]\ncommand = "${gone}"\nrestart = "never"\nautostart = false\n\n` +
        `[services.revoked]\ncommand = "${revoked}"\nrestart = "on-failure"\n` +
        `backoff = { initial = "20ms", factor = 1 }\nintensity = { max_restarts = 1, period = "1m" }\n`,
    )
    // Both binaries were there when the config was read; now one goes and one loses its x bits.
    rmSync(gone)
    expect((await d.api("POST", "/api/services/gone/start")).status).toBeLessThan(300)
    const running = await waitForView(d, "revoked", "running", (v) => v.state === "running")
    chmodSync(revoked, 0o644)
    process.kill(running.pid, "SIGKILL")
    const failed = await waitFor("two failed alerts", () => {
      const got = events(hook, "failed")
      return got.length >= 2 ? got : undefined
    })
    const about = (service: string) => failed.find((p) => p["service"] === service)
    expect(about("gone")).toMatchObject({
      title: "gone failed",
      message: `gone failed and will not be restarted: cannot start: ${gone} does not exist`,
      details: { error: `cannot start: ${gone} does not exist` },
    })
    expect(about("revoked")).toMatchObject({
      title: "revoked failed",
      message:
        `revoked failed and will not be restarted: more than 1 restarts in 1m; ` +
        `last cannot start: ${revoked} is not executable (permission denied)`,
    })
    expect(failed).toHaveLength(2)
    expect(await view(d, "gone")).toMatchObject({ state: "failed" })
    expect(await view(d, "revoked")).toMatchObject({ state: "failed", pid: null })
  })
})
