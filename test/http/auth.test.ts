// Who may call the API, over real HTTP against a real daemon: no token, a wrong bearer, the right
// bearer, the session cookie from POST /api/login, and the Origin check on writes (SPEC section 5).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { FIXTURES, startDaemon, TOKEN, waitForView, type Daemon } from "../support/daemon.ts"
import { cleanup } from "./client.ts"

const daemons: Array<Daemon> = []
const pids: Array<number> = []
let d: Daemon

beforeAll(async () => {
  d = await startDaemon({ body: `[services.sl]\ncommand = "${FIXTURES}/sleeper.sh"\n` })
  daemons.push(d)
  const v = await waitForView(d, "sl", "running", (v) => v.state === "running")
  pids.push(v.pid)
})

afterAll(() => cleanup(daemons, pids))

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${d.url}${path}`, { headers })

describe("authentication", () => {
  it("answers GET /api/health without a token", async () => {
    const res = await get("/api/health")
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body).toMatchObject({ status: "ok", services: 1 })
    expect(typeof body.version).toBe("string")
    expect(typeof body.uptime_s).toBe("number")
  })

  it.each([
    ["/api/services"],
    ["/api/services/sl"],
    ["/api/services/sl/logs"],
    ["/api/events"],
    ["/metrics"],
  ])("refuses GET %s without a token with 401 and an error sentence", async (path) => {
    const res = await get(path)
    expect(res.status).toBe(401)
    const body = await res.json()
    expect(body.error).toMatch(/token|log in/)
    expect(body.details).toEqual([])
  })

  it("refuses a wrong bearer token with 401", async () => {
    const res = await get("/api/services", { authorization: "Bearer not-the-token" })
    expect(res.status).toBe(401)
    expect((await res.json()).error).toMatch(/token/)
  })

  it("refuses a write without a token with 401 and leaves the service alone", async () => {
    const res = await fetch(`${d.url}/api/services/sl/stop`, { method: "POST" })
    expect(res.status).toBe(401)
    expect((await d.json("GET", "/api/services/sl")).desired).toBe("running")
  })

  it("accepts the right bearer token", async () => {
    const res = await get("/api/services", { authorization: `Bearer ${TOKEN}` })
    expect(res.status).toBe(200)
    expect((await res.json()).map((v: { name: string }) => v.name)).toEqual(["sl"])
  })

  it("refuses a wrong login token with 401 and sets no cookie", async () => {
    const res = await fetch(`${d.url}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: "wrong" }),
    })
    expect(res.status).toBe(401)
    expect(res.headers.get("set-cookie")).toBeNull()
  })

  it("refuses a login body without a token string with 400", async () => {
    for (const body of ["{}", "[1]", '{"token": 5}']) {
      const res = await fetch(`${d.url}/api/login`, { method: "POST", body })
      expect(res.status, body).toBe(400)
    }
  })

  it("refuses a login body with keys besides token, naming each in details", async () => {
    const res = await fetch(`${d.url}/api/login`, {
      method: "POST",
      body: JSON.stringify({ token: TOKEN, tokn: "x" }),
    })
    expect(res.status).toBe(400)
    expect((await res.json()).details).toEqual([
      { path: "tokn", message: 'unknown key "tokn", did you mean "token"?' },
    ])
  })

  it("sets an HttpOnly, SameSite=Strict session cookie on login that then authenticates", async () => {
    const res = await fetch(`${d.url}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: TOKEN }),
    })
    expect(res.status).toBe(200)
    const setCookie = res.headers.get("set-cookie") ?? ""
    expect(setCookie).toMatch(/HttpOnly/i)
    expect(setCookie).toMatch(/SameSite=Strict/i)
    expect(setCookie).not.toContain(TOKEN)
    const cookie = setCookie.split(";")[0] ?? ""
    expect(cookie).toMatch(/^dockless_session=.+/)

    const withCookie = await get("/api/services/sl", { cookie })
    expect(withCookie.status).toBe(200)
    expect((await withCookie.json()).name).toBe("sl")

    const forged = await get("/api/services/sl", { cookie: "dockless_session=forged" })
    expect(forged.status).toBe(401)
  })

  it("clears the session cookie on logout", async () => {
    const res = await fetch(`${d.url}/api/logout`, { method: "POST" })
    expect(res.status).toBe(200)
    expect(res.headers.get("set-cookie")).toMatch(/dockless_session=;.*Max-Age=0/)
  })
})

describe("origin check on writes", () => {
  it("refuses a write from a foreign Origin with 403 even with the right token", async () => {
    const res = await d.api("POST", "/api/services/sl/stop", undefined, { origin: "http://evil.example" })
    expect(res.status).toBe(403)
    expect((await res.json()).error).toContain("http://evil.example")
    expect((await d.json("GET", "/api/services/sl")).desired).toBe("running")
  })

  it("refuses a foreign Origin on a registration too", async () => {
    const res = await d.api(
      "POST",
      "/api/services",
      { name: "evil", command: `${FIXTURES}/sleeper.sh` },
      { origin: "https://127.0.0.1.evil.example" },
    )
    expect(res.status).toBe(403)
    expect((await d.api("GET", "/api/services/evil")).status).toBe(404)
  })

  it("accepts a write carrying the server's own Origin", async () => {
    const res = await d.api("POST", "/api/services/sl/restart", undefined, { origin: d.url })
    expect(res.status).toBe(202)
    const v = await waitForView(d, "sl", "running again", (v) => v.state === "running")
    pids.push(v.pid)
  })

  it("lets a read with a foreign Origin through (only writes are checked)", async () => {
    const res = await d.api("GET", "/api/services/sl", undefined, { origin: "http://evil.example" })
    expect(res.status).toBe(200)
  })
})
