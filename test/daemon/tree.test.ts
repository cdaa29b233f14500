// The supervision tree as a tree of owners, end to end: shutdown in reverse dependency order
// and bounded however many services crash-loop; group restarts in OTP order, as the children
// themselves saw it; a call racing a delete answered at once; a failed registration leaving
// nothing behind. Real daemon, real processes, timestamps taken by the children.
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  FIXTURES,
  freePort,
  isAlive,
  startDaemon,
  tempDir,
  useDaemons,
  waitFor,
  waitForView,
} from "../support/daemon.ts"
import { nth, readStamps } from "../support/stamps.ts"

const daemons = useDaemons()
const stamped = (file: string, port?: number) =>
  `command = "node"\nargs = ["${FIXTURES}/stamped.mjs", "${file}"${port === undefined ? "" : `, "${port}"`}]`

/** Pids of live processes whose environment says they belong to `service` of the daemon in `dir`. */
const processesOf = (service: string): Array<number> =>
  readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const env = readFileSync(`/proc/${p}/environ`, "utf8").split("\0")
        return env.includes(`DOCKLESS_SERVICE=${service}`) && isAlive(Number(p)) ? [Number(p)] : []
      } catch {
        return []
      }
    })

describe("shutdown", () => {
  it("stops a service before what it depends on, whatever the order they are declared in", async () => {
    const dir = tempDir()
    const db = join(dir, "db.stamps")
    const app = join(dir, "app.stamps")
    const d = await daemons.start(
      `[services.db]\n${stamped(db)}\n[services.app]\n${stamped(app)}\ndepends_on = ["db"]\n`,
    )
    await waitForView(d, "app", "running", (v) => v.state === "running")
    // Both children must have set their SIGTERM trap: `running` only says they were spawned.
    await waitFor("app to have stamped its start", () => nth(app, "start", 0))
    await waitFor("db to have stamped its start", () => nth(db, "start", 0))
    expect(await d.stop()).toBe(0)
    const appStop = nth(app, "stop", 0)
    const dbStop = nth(db, "stop", 0)
    expect(appStop).toBeDefined()
    expect(dbStop).toBeDefined()
    expect((appStop?.at ?? 0n) < (dbStop?.at ?? 0n)).toBe(true)
  })

  it("stops 100 crash-looping and 100 idle services within 3 s of SIGTERM, leaving no process", async () => {
    let body = ""
    for (let i = 0; i < 100; i++) {
      body +=
        `[services.crash${i}]\ncommand = "${FIXTURES}/exit-with-code.sh"\nargs = ["3"]\n` +
        `backoff = { initial = "10ms", factor = 1, jitter = 0 }\nintensity = { max_restarts = 1000000, period = "1s" }\n` +
        `[services.idle${i}]\ncommand = "${FIXTURES}/sleeper.sh"\n`
    }
    // 200 spawns before the API listens (SPEC section 8): on a loaded 2-core machine that takes a while.
    const d = daemons.track(await startDaemon({ body, readyMs: 90_000 }))
    await waitFor(
      "every idle service to run and the crash loops to be looping",
      async () => {
        const views: Array<{ name: string; state: string; restarts: number }> = await d.json(
          "GET",
          "/api/services",
        )
        const idle = views.filter((v) => v.name.startsWith("idle"))
        const looping = views.filter((v) => v.name.startsWith("crash") && v.restarts > 0)
        return idle.every((v) => v.state === "running") && looping.length === 100 ? true : undefined
      },
      60_000,
    )
    const idlePids = (await d.json("GET", "/api/services")).flatMap((v: { pid: number | null }) =>
      v.pid === null ? [] : [v.pid],
    )
    const started = Date.now()
    expect(await d.stop()).toBe(0)
    const took = Date.now() - started
    expect(took, `SIGTERM to exit took ${took} ms`).toBeLessThan(3000)
    expect(idlePids.filter(isAlive)).toEqual([])
  }, 120_000)
})

describe("group restarts in OTP order, as the children saw them", () => {
  const group = async (strategy: string) => {
    const dir = tempDir()
    const files = { a: join(dir, "a.stamps"), b: join(dir, "b.stamps"), c: join(dir, "c.stamps") }
    let body = ""
    for (const [name, file] of Object.entries(files)) {
      const port = await freePort()
      body +=
        `[services.${name}]\n${stamped(file, port)}\nports = [${port}]\n` +
        `backoff = { initial = "100ms", jitter = 0 }\nhealth = { tcp = ${port}, interval = "100ms", retries = 100 }\n`
    }
    body += `[supervisors.g]\nstrategy = "${strategy}"\nchildren = ["a", "b", "c"]\n`
    const d = await daemons.start(body)
    for (const name of ["a", "b", "c"]) await waitForView(d, name, "running", (v) => v.state === "running")
    const b = await waitForView(d, "b", "running", (v) => v.state === "running")
    process.kill(b.pid, "SIGKILL")
    return { d, files, oldB: b.pid as number }
  }

  it("rest_for_one: c stops before b restarts, then b starts before c; a is untouched", async () => {
    const { d, files } = await group("rest_for_one")
    await waitForView(
      d,
      "c",
      "running again",
      (v) => v.state === "running" && nth(files.c, "start", 1) !== undefined,
    )
    const cStop = nth(files.c, "stop", 0)?.at ?? 0n
    const bStart = nth(files.b, "start", 1)?.at ?? 0n
    const cStart = nth(files.c, "start", 1)?.at ?? 0n
    expect(cStop > 0n && cStop < bStart).toBe(true)
    expect(bStart < cStart).toBe(true)
    expect(readStamps(files.a).map((s) => s.what)).toEqual(["start"])
    expect((await d.json("GET", "/api/services/b")).restarts).toBe(1)
  })

  it("one_for_all: the others stop in reverse start order, then all start in start order", async () => {
    const { d, files } = await group("one_for_all")
    await waitForView(
      d,
      "c",
      "running again",
      (v) => v.state === "running" && nth(files.c, "start", 1) !== undefined,
    )
    const stop = (f: string) => nth(f, "stop", 0)?.at ?? 0n
    const start2 = (f: string) => nth(f, "start", 1)?.at ?? 0n
    expect(stop(files.c) > 0n && stop(files.c) < stop(files.a)).toBe(true)
    expect(stop(files.a) < start2(files.a)).toBe(true)
    expect(start2(files.a) < start2(files.b)).toBe(true)
    expect(start2(files.b) < start2(files.c)).toBe(true)
  })
})

describe("calls never hang, failures leave nothing", () => {
  it("answers a command sent while DELETE is stopping the service within 1 s, with 409 and the reason", async () => {
    const d = await daemons.start("")
    const created = await d.api("POST", "/api/services", {
      name: "slow",
      command: `${FIXTURES}/ignore-sigterm.sh`,
      stop_timeout: "3s",
    })
    expect(created.status).toBe(201)
    await waitForView(d, "slow", "running", (v) => v.state === "running")
    const deleting = d.api("DELETE", "/api/services/slow")
    await waitFor("the delete to be under way", async () => {
      const r = await d.api("POST", "/api/services/slow/start")
      return r.status === 409 ? true : undefined
    })
    for (const verb of ["start", "stop", "restart"]) {
      const sent = Date.now()
      const answer = await d.api("POST", `/api/services/slow/${verb}`, undefined, {})
      expect(Date.now() - sent).toBeLessThan(1000)
      expect(answer.status).toBe(409)
      expect((await answer.json()).error).toContain("being deleted")
    }
    expect((await deleting).status).toBe(204)
    expect((await d.api("GET", "/api/services/slow")).status).toBe(404)
  })

  it("leaves nothing of a registration whose save fails, and a retry then succeeds", async () => {
    const d = await daemons.start("")
    const port = await freePort()
    // services.json cannot be replaced while a non-empty directory stands in its place.
    const blocker = join(d.dir, "data", "services.json")
    mkdirSync(join(blocker, "x"), { recursive: true })
    const body = { name: "ghost", command: `${FIXTURES}/sleeper.sh`, ports: [port] }
    const refused = await d.api("POST", "/api/services", body)
    expect(refused.status).toBe(507)
    expect((await refused.json()).error).toContain("nothing was changed")
    expect((await d.api("GET", "/api/services/ghost")).status).toBe(404)
    expect(processesOf("ghost")).toEqual([])
    const data = readdirSync(join(d.dir, "data"))
    expect(data.filter((f) => f.includes(".tmp-"))).toEqual([])
    expect(readdirSync(join(d.dir, "data", "logs")).filter((f) => f.startsWith("ghost"))).toEqual([])
    rmSync(blocker, { recursive: true })
    const retried = await d.api("POST", "/api/services", body)
    expect(retried.status).toBe(201)
    await waitForView(d, "ghost", "running", (v) => v.state === "running")
  })
})
