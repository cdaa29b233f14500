// What the API changes survives a restart of Dockless (SPEC sections 4 and 7): a registered
// service comes back with source "api" and is in data/services.json; a service a person stopped
// through the API stays stopped; a deleted one stays gone.
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import {
  FIXTURES,
  isAlive,
  launch,
  startDaemon,
  waitFor,
  waitForView,
  type Daemon,
} from "../support/daemon.ts"
import { cleanup } from "./client.ts"

const daemons: Array<Daemon> = []
const pids: Array<number> = []

afterEach(() => cleanup(daemons, pids))

const sleeper = `${FIXTURES}/sleeper.sh`

const restart = async (d: Daemon): Promise<Daemon> => {
  expect(await d.stop()).toBe(0)
  const next = await launch(d.dir, d.configPath, d.port)
  daemons.push(next)
  return next
}

const registered = (d: Daemon): Array<{ name: string }> => {
  const file = join(d.dir, "data/services.json")
  if (!existsSync(file)) return []
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"))
  const list = Array.isArray(parsed)
    ? parsed
    : typeof parsed === "object" && parsed !== null && "services" in parsed && Array.isArray(parsed.services)
      ? parsed.services
      : []
  return list
}

describe("persistence across a restart of Dockless", () => {
  it("brings a registered service back with source api, and keeps it in data/services.json", async () => {
    const d = await startDaemon({ body: `[services.cfg]\ncommand = "${sleeper}"\n` })
    daemons.push(d)
    const res = await d.api("POST", "/api/services", {
      name: "keeper",
      command: sleeper,
      ports: [31801],
      env: { GREETING: "hi" },
    })
    expect(res.status).toBe(201)
    const first = await waitForView(d, "keeper", "running", (v) => v.state === "running")
    pids.push(first.pid)
    expect(registered(d).map((s) => s.name)).toEqual(["keeper"])

    const d2 = await restart(d)
    await waitFor("the old process to be gone", () => (isAlive(first.pid) ? undefined : true))
    const back = await waitForView(d2, "keeper", "running again", (v) => v.state === "running")
    pids.push(back.pid)
    expect(back).toMatchObject({ source: "api", desired: "running", ports: [31801] })
    expect(back.spec.env).toEqual({ GREETING: "hi" })
    const names = (await d2.json("GET", "/api/services")).map((v: { name: string }) => v.name)
    expect(names).toEqual(["cfg", "keeper"])
    expect(registered(d2).map((s) => s.name)).toEqual(["keeper"])
  })

  it("keeps a service stopped through the API stopped after a restart", async () => {
    const d = await startDaemon({ body: `[services.cfg]\ncommand = "${sleeper}"\n` })
    daemons.push(d)
    expect((await d.api("POST", "/api/services", { name: "reg", command: sleeper })).status).toBe(201)
    pids.push((await waitForView(d, "reg", "running", (v) => v.state === "running")).pid)
    pids.push((await waitForView(d, "cfg", "running", (v) => v.state === "running")).pid)
    expect((await d.api("POST", "/api/services/cfg/stop")).status).toBe(202)
    expect((await d.api("POST", "/api/services/reg/stop")).status).toBe(202)
    await waitForView(d, "cfg", "stopped", (v) => v.state === "stopped")
    await waitForView(d, "reg", "stopped", (v) => v.state === "stopped")

    const d2 = await restart(d)
    for (const name of ["cfg", "reg"]) {
      const v = await d2.json("GET", `/api/services/${name}`)
      expect(v, name).toMatchObject({ state: "stopped", desired: "stopped", pid: null })
    }

    // And a start through the API is remembered the other way.
    expect((await d2.api("POST", "/api/services/cfg/start")).status).toBe(202)
    pids.push((await waitForView(d2, "cfg", "running", (v) => v.state === "running")).pid)
    const d3 = await restart(d2)
    const cfg = await waitForView(d3, "cfg", "running after the restart", (v) => v.state === "running")
    pids.push(cfg.pid)
    expect((await d3.json("GET", "/api/services/reg")).state).toBe("stopped")
  })

  it("forgets a deleted service for good", async () => {
    const d = await startDaemon()
    daemons.push(d)
    expect((await d.api("POST", "/api/services", { name: "gone", command: sleeper })).status).toBe(201)
    pids.push((await waitForView(d, "gone", "running", (v) => v.state === "running")).pid)
    expect((await d.api("DELETE", "/api/services/gone")).status).toBe(204)
    expect(registered(d)).toEqual([])

    const d2 = await restart(d)
    expect((await d2.api("GET", "/api/services/gone")).status).toBe(404)
    expect(await d2.json("GET", "/api/services")).toEqual([])
  })
})
