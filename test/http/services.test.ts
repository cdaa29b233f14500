// The /api/services routes and the status codes of SPEC section 5 over real HTTP: list, get,
// register, replace, delete, start/stop/restart, schema errors naming the field, conflicts,
// 413, bad JSON, garbage bodies that must never produce a 500, and paths that must not escape.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connect } from "node:net"
import {
  FIXTURES,
  isAlive,
  startDaemon,
  TOKEN,
  waitFor,
  waitForView,
  type Daemon,
} from "../support/daemon.ts"
import { cleanup, raw } from "./client.ts"

const daemons: Array<Daemon> = []
const pids: Array<number> = []
let d: Daemon

const sleeper = `${FIXTURES}/sleeper.sh`

beforeAll(async () => {
  d = await startDaemon({
    body: [
      `[services.web]`,
      `command = "${sleeper}"`,
      `ports = [31711]`,
      ``,
      `[services.idle]`,
      `command = "${sleeper}"`,
      `autostart = false`,
    ].join("\n"),
  })
  daemons.push(d)
  pids.push((await waitForView(d, "web", "running", (v) => v.state === "running")).pid)
})

afterAll(() => cleanup(daemons, pids))

const expectError = async (res: Response, status: number) => {
  expect(res.status).toBe(status)
  expect(res.headers.get("content-type")).toMatch(/^application\/json/)
  const body = await res.json()
  expect(typeof body.error).toBe("string")
  expect(body.error.length).toBeGreaterThan(0)
  expect(Array.isArray(body.details)).toBe(true)
  return body as { error: string; details: Array<{ path: string; message: string }> }
}

describe("reading services", () => {
  it("lists services in config order as ServiceViews", async () => {
    const res = await d.api("GET", "/api/services")
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toMatch(/^application\/json/)
    const views = await res.json()
    expect(views.map((v: { name: string }) => v.name)).toEqual(["web", "idle"])
    const web = views[0]
    for (const key of [
      "name",
      "source",
      "state",
      "desired",
      "pid",
      "restarts",
      "started_at",
      "uptime_s",
      "exit",
      "next_restart_at",
      "error",
      "cpu_percent",
      "rss_bytes",
      "ports",
      "spec",
    ])
      expect(web, key).toHaveProperty(key)
    expect(web).toMatchObject({ source: "config", state: "running", desired: "running", ports: [31711] })
    expect(new Date(web.started_at).toISOString()).toBe(web.started_at)
    expect(views[1]).toMatchObject({ name: "idle", state: "stopped", desired: "stopped", pid: null })
  })

  it("gets one service by name", async () => {
    const res = await d.api("GET", "/api/services/web")
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ name: "web", spec: { command: sleeper } })
  })

  it("answers 404 for an unknown service on every per-service route", async () => {
    const calls: Array<[string, string, unknown?]> = [
      ["GET", "/api/services/nope"],
      ["PUT", "/api/services/nope", { command: sleeper }],
      ["DELETE", "/api/services/nope"],
      ["POST", "/api/services/nope/start"],
      ["POST", "/api/services/nope/stop"],
      ["POST", "/api/services/nope/restart"],
      ["GET", "/api/services/nope/logs"],
      ["GET", "/api/services/nope/logs/stream"],
    ]
    for (const [method, path, body] of calls) {
      const error = await expectError(await d.api(method, path, body), 404)
      expect(error.error, `${method} ${path}`).toContain('"nope"')
    }
  })

  it("answers 404 in the error shape for an unknown route or method", async () => {
    await expectError(await d.api("GET", "/api/nothing-here"), 404)
    await expectError(await d.api("PATCH", "/api/services"), 404)
    await expectError(await d.api("GET", "/api/services/web/bogus"), 404)
  })
})

describe("start, stop, restart", () => {
  it("stops with 202 and the service reaches stopped with its process gone", async () => {
    const before = await d.json("GET", "/api/services/web")
    const res = await d.api("POST", "/api/services/web/stop")
    expect(res.status).toBe(202)
    expect((await res.json()).desired).toBe("stopped")
    await waitForView(d, "web", "stopped", (v) => v.state === "stopped" && v.pid === null)
    await waitFor("the old process to be gone", () => (isAlive(before.pid) ? undefined : true))
  })

  it("starts with 202 and the service runs with a new pid", async () => {
    const res = await d.api("POST", "/api/services/web/start")
    expect(res.status).toBe(202)
    expect((await res.json()).desired).toBe("running")
    const v = await waitForView(d, "web", "running", (v) => v.state === "running")
    pids.push(v.pid)
    expect(isAlive(v.pid)).toBe(true)
  })

  it("restarts with 202 and the pid changes", async () => {
    const before = await d.json("GET", "/api/services/web")
    const res = await d.api("POST", "/api/services/web/restart")
    expect(res.status).toBe(202)
    const after = await waitForView(
      d,
      "web",
      "running with a new pid",
      (v) => v.state === "running" && v.pid !== before.pid,
    )
    pids.push(after.pid)
    expect(isAlive(before.pid)).toBe(false)
  })
})

describe("registration", () => {
  it("registers a service with 201, a Location header and source api, and starts it", async () => {
    const res = await d.api("POST", "/api/services", { name: "reg1", command: sleeper, ports: [31712] })
    expect(res.status).toBe(201)
    expect(res.headers.get("location")).toBe("/api/services/reg1")
    const view = await res.json()
    expect(view).toMatchObject({ name: "reg1", source: "api", desired: "running", ports: [31712] })
    const running = await waitForView(d, "reg1", "running", (v) => v.state === "running")
    pids.push(running.pid)
    const names = (await d.json("GET", "/api/services")).map((v: { name: string }) => v.name)
    expect(names).toEqual(["web", "idle", "reg1"])
  })

  it("refuses a duplicate registration with 409", async () => {
    const error = await expectError(
      await d.api("POST", "/api/services", { name: "reg1", command: sleeper }),
      409,
    )
    expect(error.error).toContain("reg1")
    // Named as the name field's problem too, for a form to show it there.
    expect(error.details).toEqual([
      { path: "name", message: '"reg1" is taken by another service; choose another name' },
    ])
  })

  it("refuses a port already reserved with 409 naming both services", async () => {
    const error = await expectError(
      await d.api("POST", "/api/services", { name: "thief", command: sleeper, ports: [31711] }),
      409,
    )
    expect(error.error).toContain("31711")
    expect(error.error).toContain("web")
    expect(error.error).toContain("thief")
    expect((await d.api("GET", "/api/services/thief")).status).toBe(404)
  })

  it("refuses Dockless's own listen_port with 409", async () => {
    const error = await expectError(
      await d.api("POST", "/api/services", { name: "thief2", command: sleeper, ports: [d.port] }),
      409,
    )
    expect(error.error).toContain(String(d.port))
  })

  it.each([
    [{ name: "bad1", command: sleeper, restart: "sometimes" }, "restart"],
    [{ name: "bad2", command: sleeper, ports: ["x"] }, "ports"],
    [{ name: "bad3", command: sleeper, stop_timeout: "soon" }, "stop_timeout"],
    [{ name: "bad4", command: sleeper, backoff: { factor: "x" } }, "factor"],
    [{ name: "bad5", command: sleeper, colour: "blue" }, "colour"],
    [{ name: "../etc", command: sleeper }, "name"],
    [{ name: "bad6" }, "command"],
    [{ name: "bad7", command: sleeper, user: "no-such-user-dockless" }, "user"],
  ])("refuses %j with 400 and a details path naming %s", async (spec, field) => {
    const error = await expectError(await d.api("POST", "/api/services", spec), 400)
    const paths = error.details.map((i) => i.path)
    expect(
      paths.some((p) => new RegExp(`(^|\\.)${field}(\\.\\d+)?$`).test(p)),
      JSON.stringify(paths),
    ).toBe(true)
    expect(error.error).toContain(field)
  })

  it("answers 400 for bad JSON and for an empty body", async () => {
    const bad = await expectError(await d.api("POST", "/api/services", '{"name": "x",'), 400)
    expect(bad.error).toMatch(/JSON/)
    await expectError(await d.api("POST", "/api/services", ""), 400)
    await expectError(
      await fetch(`${d.url}/api/services`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
      400,
    )
  })

  it("answers 413 for a body over 64 KiB (declared length)", async () => {
    const big = JSON.stringify({ name: "big", command: sleeper, args: ["x".repeat(70 * 1024)] })
    await expectError(await d.api("POST", "/api/services", big), 413)
    expect((await d.api("GET", "/api/services/big")).status).toBe(404)
  })

  it.each([["/api/services"], ["/api/login"]])(
    "answers 413 for a chunked body over 64 KiB to POST %s and keeps running_regression",
    async (path) => {
      const chunk = new TextEncoder().encode(" ".repeat(16 * 1024))
      let sent = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 8) return controller.close()
          sent++
          controller.enqueue(chunk)
        },
      })
      const res = await fetch(`${d.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body,
        duplex: "half",
      } as RequestInit)
      await expectError(res, 413)
      // Cancelling the body used to kill the daemon (the socket was destroyed under the 413).
      expect((await fetch(`${d.url}/api/health`)).status).toBe(200)
      expect(d.child.exitCode).toBeNull()
    },
  )

  it("survives a client that hangs up in the middle of a request body", async () => {
    await new Promise<void>((done, fail) => {
      const socket = connect(d.port, "127.0.0.1", () => {
        socket.write(
          `POST /api/services HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\n` +
            `Authorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n` +
            `Content-Length: 100000\r\n\r\n{"name": "half`,
          () => {
            socket.destroy()
            done()
          },
        )
      })
      socket.on("error", fail)
    })
    const health = await waitFor("the daemon to answer after the hang-up", async () => {
      const res = await fetch(`${d.url}/api/health`)
      return res.ok ? res : undefined
    })
    expect(health.status).toBe(200)
    expect(d.child.exitCode).toBeNull()
  })

  it("never answers 500 to garbage bodies", async () => {
    const garbage: Array<string | Uint8Array<ArrayBuffer>> = [
      "[]",
      "[1,2,3]",
      "42",
      '"a string"',
      "null",
      "true",
      '{"a":{"b":[[[{"c":{}}]]]}}',
      '{"name":{"x":1},"command":[1]}',
      '{"name":"g1","command":"/bin/sleep","stop_timeout":1e400}',
      '{"name":"g2","command":"/bin/sleep","ports":[99999999999999999999999]}',
      '{"name":"g3","command":"/bin/sleep","backoff":{"initial":1e308,"factor":1e308}}',
      '{"name":"g4","command":"/bin/sleep","intensity":{"max_restarts":-1,"period":-5}}',
      '{"__proto__":{"polluted":1},"name":"g5","command":"/bin/sleep"}',
      '{"constructor":{"prototype":{}},"name":"g6","command":"/bin/sleep"}',
      `{"name":"${"n".repeat(1000)}","command":"/bin/sleep"}`,
      '{"name":"g7","command":"/bin/sleep","env":"not a table","args":{"0":"x"}}',
      '{"name":"g8","command":"/bin/sleep","health":{"http":"notaurl","tcp":0}}',
      '{"name":"g9","command":"/bin/sleep","depends_on":"g9"}',
      new Uint8Array([0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28]),
      new Uint8Array(
        Buffer.concat([
          Buffer.from('{"name":"'),
          Buffer.from([0xc3, 0x28, 0xff]),
          Buffer.from('","command":"/bin/sleep"}'),
        ]),
      ),
      "\u0000\u0001\u0002",
      "{".repeat(5000),
    ]
    for (const body of garbage) {
      for (const [method, path] of [
        ["POST", "/api/services"],
        ["PUT", "/api/services/web"],
        ["POST", "/api/login"],
      ] as const) {
        const res = await fetch(`${d.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
          body,
        })
        const label = `${method} ${path} ${String(body).slice(0, 60)}`
        expect(res.status, label).toBeGreaterThanOrEqual(400)
        expect(res.status, label).toBeLessThan(500)
        const parsed = await res.json()
        expect(typeof parsed.error, label).toBe("string")
      }
    }
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
    const names = (await d.json("GET", "/api/services")).map((v: { name: string }) => v.name)
    expect(names.filter((n: string) => n.startsWith("g"))).toEqual([])
  })

  it("answers 400 in the error shape for malformed percent-encoding in the path", async () => {
    const res = await raw(d.port, "GET", "/api/services/%zz", {
      authorization: `Bearer ${TOKEN}`,
    })
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toMatchObject({ error: expect.any(String), details: [] })
  })

  it("answers 400 for a bad lines parameter and honours a good one", async () => {
    await expectError(await d.api("GET", "/api/services/web/logs?lines=abc"), 400)
    await expectError(await d.api("GET", "/api/services/web/logs?lines=-1"), 400)
    const res = await d.api("GET", "/api/services/web/logs?lines=1")
    expect(res.status).toBe(200)
    expect((await res.json()).lines).toHaveLength(1)
  })

  it("answers as many lines as asked for, reading back from the log file what memory no longer holds", async () => {
    const created = await d.api("POST", "/api/services", {
      name: "talker",
      command: "sh",
      args: ["-c", "seq 0 4999 | sed 's/^/line /'; exec sleep 600"],
    })
    expect(created.status).toBe(201)
    pids.push((await waitForView(d, "talker", "running", (v) => v.state === "running")).pid)
    const texts = async (n: number): Promise<Array<string>> =>
      (await d.json("GET", `/api/services/talker/logs?lines=${n}`)).lines.map((l: { text: string }) => l.text)
    await waitFor("the last line to be captured", async () =>
      (await texts(1))[0] === "line 4999" ? true : undefined,
    )
    const asked = await texts(3000)
    expect(asked).toHaveLength(3000)
    expect(asked[0]).toBe("line 2000")
    expect(asked.at(-1)).toBe("line 4999")
    expect(asked.every((text, i) => text === `line ${2000 + i}`)).toBe(true)
    // More than there is: everything, from the first line Dockless wrote about it.
    const all = await texts(10_000)
    expect(all.filter((text) => text.startsWith("line "))).toHaveLength(5000)
  })
})

describe("replace and delete", () => {
  it("replaces a registered service's spec and restarts it when it was running", async () => {
    const before = await waitForView(d, "reg1", "running", (v) => v.state === "running")
    const res = await d.api("PUT", "/api/services/reg1", { command: sleeper, ports: [31713] })
    expect(res.status).toBe(200)
    expect((await res.json()).spec.ports).toEqual([31713])
    const after = await waitForView(
      d,
      "reg1",
      "running with the new spec",
      (v) => v.state === "running" && v.pid !== before.pid && v.ports[0] === 31713,
    )
    pids.push(after.pid)
    await waitFor("the old process to be gone", () => (isAlive(before.pid) ? undefined : true))
  })

  it("refuses a PUT whose body names another service with 400", async () => {
    const other = await expectError(
      await d.api("PUT", "/api/services/reg1", { name: "other", command: sleeper }),
      400,
    )
    expect(other.error).toContain('"other"')
    const odd = await expectError(
      await d.api("PUT", "/api/services/reg1", { name: { a: 1 }, command: sleeper }),
      400,
    )
    expect(odd.error).not.toContain("[object Object]")
  })

  it("refuses a PUT with an invalid spec with 400 naming the field, keeping the old spec", async () => {
    const error = await expectError(
      await d.api("PUT", "/api/services/reg1", { command: sleeper, restart: "sometimes" }),
      400,
    )
    expect(error.details.map((i) => i.path)).toContain("restart")
    expect((await d.json("GET", "/api/services/reg1")).spec.ports).toEqual([31713])
  })

  it("refuses PUT and DELETE of a service defined in config.toml with 409", async () => {
    const put = await expectError(await d.api("PUT", "/api/services/web", { command: sleeper }), 409)
    expect(put.error).toContain("config")
    const del = await expectError(await d.api("DELETE", "/api/services/web"), 409)
    expect(del.error).toContain("config")
    expect((await d.api("GET", "/api/services/web")).status).toBe(200)
  })

  it("deletes a registered service with 204, stops its process and forgets it", async () => {
    const before = await waitForView(d, "reg1", "running", (v) => v.state === "running")
    const res = await d.api("DELETE", "/api/services/reg1")
    expect(res.status).toBe(204)
    expect(await res.text()).toBe("")
    expect((await d.api("GET", "/api/services/reg1")).status).toBe(404)
    await waitFor("the deleted service's process to be gone", () => (isAlive(before.pid) ? undefined : true))
    // Its port is free for another registration now.
    const again = await d.api("POST", "/api/services", { name: "reg2", command: sleeper, ports: [31713] })
    expect(again.status).toBe(201)
    pids.push((await waitForView(d, "reg2", "running", (v) => v.state === "running")).pid)
  })
})

describe("paths that must not escape", () => {
  it("does not serve /etc/passwd through an encoded service name", async () => {
    for (const path of [
      "/api/services/..%2f..%2fetc/passwd",
      "/api/services/..%2f..%2f..%2f..%2fetc%2fpasswd",
      "/api/services/..%2f..%2fetc%2fpasswd/logs",
    ]) {
      const res = await raw(d.port, "GET", path, { authorization: `Bearer ${TOKEN}` })
      expect(res.status, path).toBe(404)
      expect(res.body, path).not.toContain("root:")
    }
  })

  it("does not serve files outside the static dir", async () => {
    for (const path of [
      "/%2e%2e/package.json",
      "/..%2fpackage.json",
      "/%2e%2e/%2e%2e/package.json",
      "/../../package.json",
      "/static/..%2f..%2fpackage.json",
      "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "/%00",
    ]) {
      const res = await raw(d.port, "GET", path)
      expect(res.status, path).toBeGreaterThanOrEqual(400)
      expect(res.status, path).toBeLessThan(500)
      expect(res.body, path).not.toContain('"name": "dockless"')
      expect(res.body, path).not.toContain("root:")
    }
  })
})

describe("dashboard and metrics", () => {
  it("serves the dashboard at / with a Content-Security-Policy", async () => {
    const res = await fetch(`${d.url}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toMatch(/text\/html/)
    const csp = res.headers.get("content-security-policy") ?? ""
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(await res.text()).toMatch(/<html/i)
  })

  it("serves Alpine from /vendor/alpine.min.js", async () => {
    const res = await fetch(`${d.url}/vendor/alpine.min.js`)
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toMatch(/javascript/)
    expect((await res.text()).length).toBeGreaterThan(10_000)
  })

  it("serves Prometheus text on /metrics with a per-service up gauge", async () => {
    await waitForView(d, "web", "running", (v) => v.state === "running")
    const res = await d.api("GET", "/metrics")
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toContain("# TYPE dockless_service_up gauge")
    expect(text).toMatch(/^dockless_service_up\{service="web"\} 1$/m)
    expect(text).toMatch(/^dockless_service_up\{service="idle"\} 0$/m)
    expect(text).toMatch(/^dockless_service_restarts_total\{service="web"\} \d+$/m)
    expect(text).toMatch(/^dockless_service_state\{service="web",state="running"\} 1$/m)
    // The heap governor's cost: counters, whatever it has done so far.
    expect(text).toMatch(/^dockless_heap_collections_total \d+$/m)
    expect(text).toMatch(/^dockless_heap_collection_seconds_total [\d.e+-]+$/m)
  })
})
