// Sessions, login throttling and roles over real HTTP against real daemons: an old cookie fails
// after logout, after a revoke, after expiry (a short configured idle time), after a restart with
// another token, and keeps working across a restart with the same one; the 6th quick wrong login
// gets 429 and a right one after Retry-After works; a viewer token reads everything and every
// write route answers 403 (the route table walked); the metrics token reads /metrics only.
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { routes } from "../../src/http/routes.ts"
import { freePort, startDaemon, tempDir, TOKEN, useDaemons, waitFor, type Daemon } from "../support/daemon.ts"

const daemons = useDaemons()

const login = (d: Daemon, token: string, cookie?: string) =>
  fetch(`${d.url}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie === undefined ? {} : { cookie }) },
    body: JSON.stringify({ token }),
  })

/** The `name=value` of the session cookie a login set. */
const cookieOf = (res: Response) => (res.headers.get("set-cookie") ?? "").split(";")[0] ?? ""

const withCookie = (d: Daemon, cookie: string, path = "/api/services", method = "GET") =>
  fetch(`${d.url}${path}`, { method, headers: { cookie } })

describe("sessions", () => {
  it("are stored hashed in a 0600 file, listed with the current one marked, and end at logout", async () => {
    const d = daemons.track(await startDaemon())
    const res = await login(d, TOKEN)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, role: "admin" })
    const cookie = cookieOf(res)
    const id = cookie.split("=")[1] ?? ""
    expect(id.length).toBeGreaterThanOrEqual(40)
    const file = join(d.dir, "data/sessions.json")
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, "utf8")).not.toContain(id)

    const listed = await (await withCookie(d, cookie, "/api/sessions")).json()
    expect(listed.role).toBe("admin")
    expect(listed.sessions).toHaveLength(1)
    expect(listed.sessions[0]).toMatchObject({ role: "admin", address: "127.0.0.1", current: true })

    const out = await fetch(`${d.url}/api/logout`, { method: "POST", headers: { cookie } })
    expect(out.status).toBe(200)
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/)
    // The old cookie, replayed: refused on the server, not only cleared in the browser.
    expect((await withCookie(d, cookie)).status).toBe(401)
  })

  it("rotate at login: the cookie a browser came with stops working", async () => {
    const d = daemons.track(await startDaemon())
    const first = cookieOf(await login(d, TOKEN))
    const second = cookieOf(await login(d, TOKEN, first))
    expect(second).not.toBe(first)
    expect((await withCookie(d, first)).status).toBe(401)
    expect((await withCookie(d, second)).status).toBe(200)
  })

  it("end when revoked through DELETE /api/sessions/:id", async () => {
    const d = daemons.track(await startDaemon())
    const cookie = cookieOf(await login(d, TOKEN))
    const { sessions } = await d.json("GET", "/api/sessions")
    expect(sessions[0].current).toBe(false)
    expect((await d.api("DELETE", `/api/sessions/${sessions[0].id}`)).status).toBe(204)
    expect((await withCookie(d, cookie)).status).toBe(401)
    expect((await d.api("DELETE", `/api/sessions/${sessions[0].id}`)).status).toBe(404)
  })

  it("end after the configured idle time", async () => {
    const d = daemons.track(await startDaemon({ auth: 'session_idle = "1s"' }))
    const cookie = cookieOf(await login(d, TOKEN))
    expect((await withCookie(d, cookie)).status).toBe(200)
    // Watched with the bearer token: using the cookie would keep the session alive.
    await waitFor("the session to expire", async () =>
      (await d.json("GET", "/api/sessions")).sessions.length === 0 ? true : undefined,
    )
    expect((await withCookie(d, cookie)).status).toBe(401)
  })

  it("survive a restart with the same token and end with a token change", async () => {
    const dir = tempDir()
    const port = await freePort()
    const first = daemons.track(await startDaemon({ dir, port }))
    const cookie = cookieOf(await login(first, TOKEN))
    await first.stop()
    const same = daemons.track(await startDaemon({ dir, port }))
    expect((await withCookie(same, cookie)).status).toBe(200)
    await same.stop()
    const configPath = join(dir, "config.toml")
    writeFileSync(configPath, readFileSync(configPath, "utf8").replace(TOKEN, "another-token-0123456789"))
    const { launch } = await import("../support/daemon.ts")
    const changed = daemons.track(await launch(dir, configPath, port))
    expect((await withCookie(changed, cookie)).status).toBe(401)
  })
})

describe("login throttling", () => {
  it("answers the 6th quick wrong login with 429 and Retry-After, then lets a right one in after the wait", async () => {
    const d = daemons.track(await startDaemon())
    for (let i = 0; i < 5; i++) expect((await login(d, "wrong-token")).status).toBe(401)
    const refused = await login(d, TOKEN)
    expect(refused.status).toBe(429)
    const wait = Number(refused.headers.get("retry-after"))
    expect(wait).toBeGreaterThanOrEqual(1)
    expect((await refused.json()).error).toMatch(/too many failed logins/)
    await new Promise((r) => setTimeout(r, wait * 1000))
    expect((await login(d, TOKEN)).status).toBe(200)
    // The failures were logged with the address, never the token tried.
    await waitFor("the failed-login line in Dockless's log", async () =>
      /failed login from 127\.0\.0\.1 \(5 in a row\)/.test(d.output) ? true : undefined,
    )
    expect(d.output).not.toContain("wrong-token")
  })
})

describe("roles", () => {
  const VIEWER = "viewer-token-0123456789"
  const METRICS = "metrics-token-0123456789"
  const auth = `viewer_tokens = ["${VIEWER}"]\nmetrics_token = "${METRICS}"`

  /** A path of the route table with its parameters filled in. */
  const concrete = (path: string) =>
    path
      .replace(":name", path.startsWith("/api/groups/") ? "grp" : "cfg")
      .replace(":id", "0000000000000000")
      .replace("/**", "/index.html")

  it("a viewer token reads every GET route and every write route answers 403", async () => {
    const d = daemons.track(
      await startDaemon({
        auth,
        body: `[services.cfg]\ncommand = "/bin/sleep"\nargs = ["60"]\n[supervisors.grp]\nchildren = ["cfg"]\n`,
      }),
    )
    const bearer = { authorization: `Bearer ${VIEWER}` }
    const walked: Array<string> = []
    for (const route of routes) {
      if (route.access === "open") continue
      const controller = new AbortController()
      const res = await fetch(`${d.url}${concrete(route.path)}`, {
        method: route.method,
        headers: { ...bearer, "content-type": "application/json" },
        signal: controller.signal,
        ...(route.method === "GET" ? {} : { body: "{}" }),
      })
      controller.abort()
      walked.push(`${route.method} ${route.path} ${res.status}`)
      if (route.method === "GET") expect(res.status, route.path).toBe(200)
      else expect(res.status, `${route.method} ${route.path}`).toBe(403)
    }
    expect(walked.filter((w) => !w.startsWith("GET")).length).toBeGreaterThanOrEqual(7)
    // Nothing changed: the service still runs, as configured.
    expect((await d.json("GET", "/api/services/cfg")).desired).toBe("running")
    // A viewer logs in as a viewer, and its session is as read-only.
    const res = await login(d, VIEWER)
    expect(await res.json()).toEqual({ ok: true, role: "viewer" })
    const cookie = cookieOf(res)
    expect((await withCookie(d, cookie, "/api/sessions")).status).toBe(200)
    expect((await (await withCookie(d, cookie, "/api/sessions")).json()).role).toBe("viewer")
    expect((await withCookie(d, cookie, "/api/services/cfg/stop", "POST")).status).toBe(403)
  })

  it("the metrics token reads /metrics and nothing else, and cannot log in", async () => {
    const d = daemons.track(await startDaemon({ auth }))
    const bearer = { authorization: `Bearer ${METRICS}` }
    const metrics = await fetch(`${d.url}/metrics`, { headers: bearer })
    expect(metrics.status).toBe(200)
    expect(await metrics.text()).toContain("dockless_")
    expect((await fetch(`${d.url}/api/services`, { headers: bearer })).status).toBe(401)
    expect((await login(d, METRICS)).status).toBe(401)
  })

  it("reads viewer tokens and the metrics token from files", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "viewers"), `# people who look\n\n${VIEWER}\nsecond-viewer-token\n`)
    writeFileSync(join(dir, "metrics-token"), `${METRICS}\n`)
    const d = daemons.track(
      await startDaemon({ dir, auth: 'viewer_token_file = "viewers"\nmetrics_token_file = "metrics-token"' }),
    )
    for (const token of [VIEWER, "second-viewer-token"]) {
      const headers = { authorization: `Bearer ${token}` }
      expect((await fetch(`${d.url}/api/services`, { headers })).status).toBe(200)
      expect((await fetch(`${d.url}/api/services/x/stop`, { method: "POST", headers })).status).toBe(403)
    }
    expect(
      (await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })).status,
    ).toBe(200)
    expect(
      (await fetch(`${d.url}/api/services`, { headers: { authorization: "Bearer # people who look" } }))
        .status,
    ).toBe(401)
  })
})
