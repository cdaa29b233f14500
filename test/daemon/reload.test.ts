// Reload that touches only what changed, through a real daemon: config.toml is rewritten and
// POST /api/reload (or SIGHUP, or `dockless reload`) applies the difference. Unchanged services
// keep their pid; a person's stop survives (supervisord #214); a change to one group member
// restarts only what its strategy says (supervisord #1154); an invalid file, or one that takes
// the name of a service registered through the API, changes nothing.
import { execFile } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import {
  BUNDLE,
  FIXTURES,
  isAlive,
  useDaemons,
  view,
  waitFor,
  waitForView,
  type Daemon,
} from "../support/daemon.ts"

const daemons = useDaemons()
const run = promisify(execFile)

const sleeper = (name: string, extra = "") =>
  `[services.${name}]\ncommand = "${FIXTURES}/sleeper.sh"\n${extra}\n`

/** config.toml with its generated header kept and `body` as its services. */
const rewrite = (d: Daemon, body: string) => {
  const text = readFileSync(d.configPath, "utf8")
  const header = text.slice(0, text.indexOf("[auth]"))
  const auth = text.slice(text.indexOf("[auth]"), text.indexOf("\n", text.indexOf("token =")) + 1)
  writeFileSync(d.configPath, `${header}${auth}\n${body}`)
}

const pids = async (d: Daemon, names: ReadonlyArray<string>) =>
  Object.fromEntries(
    await Promise.all(
      names.map(async (n) => [n, (await waitForView(d, n, "running", (v) => v.state === "running")).pid]),
    ),
  )

describe("reload", () => {
  it("adds, removes and restarts only what changed; the rest keeps its process", async () => {
    const d = await daemons.start(sleeper("same") + sleeper("changed") + sleeper("gone"))
    const before = await pids(d, ["same", "changed", "gone"])
    rewrite(d, sleeper("same") + sleeper("changed", `args = ["v2"]`) + sleeper("fresh"))
    const response = await d.api("POST", "/api/reload")
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      added: ["fresh"],
      removed: ["gone"],
      restarted: ["changed"],
      updated: [],
      kept: ["same"],
      needs_restart: [],
    })
    const after = await pids(d, ["same", "changed", "fresh"])
    expect(after["same"]).toBe(before["same"])
    expect(after["changed"]).not.toBe(before["changed"])
    expect((await d.api("GET", "/api/services/gone")).status).toBe(404)
    await waitFor("gone's process to end", async () => (isAlive(before["gone"]) ? undefined : true))
    expect((await d.json("GET", "/api/services")).map((v: { name: string }) => v.name)).toEqual([
      "same",
      "changed",
      "fresh",
    ])
  })

  it("keeps a service a person stopped stopped, with its new spec (supervisord #214)", async () => {
    const d = await daemons.start(sleeper("quiet") + sleeper("other"))
    await pids(d, ["quiet", "other"])
    await d.api("POST", "/api/services/quiet/stop")
    await waitForView(d, "quiet", "stopped", (v) => v.state === "stopped")
    rewrite(d, sleeper("quiet", `args = ["v2"]`) + sleeper("other"))
    const answer = await d.json("POST", "/api/reload")
    expect(answer.updated).toEqual(["quiet"])
    expect(answer.restarted).toEqual([])
    const quiet = await view(d, "quiet")
    expect(quiet.state).toBe("stopped")
    expect(quiet.spec.args).toEqual(["v2"])
  })

  it("restarts only the changed member of a one_for_one group (supervisord #1154), and the rest after it in rest_for_one", async () => {
    const groups = (a: string) =>
      sleeper("a", a) +
      sleeper("b") +
      sleeper("x", a) +
      sleeper("y") +
      `[supervisors.apart]\nchildren = ["a", "b"]\n` +
      `[supervisors.chain]\nstrategy = "rest_for_one"\nchildren = ["x", "y"]\n`
    const d = await daemons.start(groups(""))
    const before = await pids(d, ["a", "b", "x", "y"])
    rewrite(d, groups(`args = ["v2"]`))
    const answer = await d.json("POST", "/api/reload")
    expect([...answer.restarted].sort()).toEqual(["a", "x", "y"])
    expect(answer.kept).toEqual(["b"])
    const after = await pids(d, ["a", "b", "x", "y"])
    expect(after["b"]).toBe(before["b"])
    for (const n of ["a", "x", "y"]) expect(after[n]).not.toBe(before[n])
  })

  it("builds a group again when its table or membership changes, its members started in order", async () => {
    const d = await daemons.start(sleeper("p") + sleeper("q"))
    const before = await pids(d, ["p", "q"])
    rewrite(
      d,
      sleeper("p") + sleeper("q") + `[supervisors.pq]\nstrategy = "one_for_all"\nchildren = ["p", "q"]\n`,
    )
    const answer = await d.json("POST", "/api/reload")
    expect([...answer.restarted].sort()).toEqual(["p", "q"])
    const after = await pids(d, ["p", "q"])
    expect(after["p"]).not.toBe(before["p"])
    expect(await d.json("GET", "/api/groups")).toMatchObject([{ name: "pq", state: "running" }])
    // The group supervises them now: one_for_all restarts q with p.
    process.kill(after["p"], "SIGKILL")
    await waitForView(d, "q", "restarted with p", (v) => v.state === "running" && v.pid !== after["q"])
  })

  it("changes nothing when the file is invalid, and says every problem", async () => {
    const d = await daemons.start(sleeper("keep"))
    const before = await pids(d, ["keep"])
    rewrite(d, sleeper("keep", `restart = "sometimes"\nbackoff = { initial = "soon" }`))
    const response = await d.api("POST", "/api/reload")
    expect(response.status).toBe(400)
    const body = await response.json()
    expect(body.error).toMatch(/^config\.toml was not reloaded, nothing changed: 2 problems in /)
    expect(body.details.map((i: { path: string }) => i.path)).toEqual([
      "services.keep.restart",
      "services.keep.backoff.initial",
    ])
    expect((await pids(d, ["keep"]))["keep"]).toBe(before["keep"])
  })

  it("answers 409 and changes nothing when the file names a service registered through the API", async () => {
    const d = await daemons.start(sleeper("keep"))
    const created = await d.api("POST", "/api/services", {
      name: "api-made",
      command: `${FIXTURES}/sleeper.sh`,
    })
    expect(created.status).toBe(201)
    const before = await pids(d, ["keep", "api-made"])
    rewrite(d, sleeper("keep", `args = ["v2"]`) + sleeper("added") + sleeper("api-made"))
    const response = await d.api("POST", "/api/reload")
    expect(response.status).toBe(409)
    const message =
      'service "api-made" in config.toml has the name of a service registered through the API; ' +
      "rename it there, or delete the registered one (DELETE /api/services/api-made), and reload again"
    expect(await response.json()).toEqual({
      error: `config.toml was not reloaded, nothing changed: ${message}`,
      details: [{ path: "services.api-made", message }],
    })
    expect(await pids(d, ["keep", "api-made"])).toEqual(before)
    expect((await view(d, "keep")).spec.args).toEqual([])
    expect((await d.api("GET", "/api/services/added")).status).toBe(404)
    expect((await view(d, "api-made")).source).toBe("api")
  })

  it("reports listen_port and data_dir as needing a restart, and applies the rest", async () => {
    const d = await daemons.start(sleeper("svc"))
    await pids(d, ["svc"])
    const text = readFileSync(d.configPath, "utf8")
    writeFileSync(
      d.configPath,
      text
        .replace(`listen_port = ${d.port}`, `listen_port = ${d.port + 1}`)
        .replace(`data_dir = "data"`, `data_dir = "data2"`),
    )
    const answer = await d.json("POST", "/api/reload")
    expect(answer.needs_restart).toEqual(["listen_port", "data_dir"])
    expect(answer.kept).toEqual(["svc"])
    expect((await d.api("GET", "/api/health")).status).toBe(200)
  })

  it("SIGHUP reloads, and so does `dockless reload`, which prints what it did", async () => {
    const d = await daemons.start(sleeper("first"))
    await pids(d, ["first"])
    rewrite(d, sleeper("first") + sleeper("second"))
    d.child.kill("SIGHUP")
    await waitForView(d, "second", "added by SIGHUP", (v) => v.state === "running")
    rewrite(d, sleeper("first") + sleeper("second") + sleeper("third"))
    const { stdout } = await run(process.execPath, [BUNDLE, "reload", "--config", d.configPath])
    expect(stdout).toContain("added         third")
    expect(stdout).toContain("kept          first, second")
    await waitForView(d, "third", "added by dockless reload", (v) => v.state === "running")
  })
})
