// GET /api/openapi.json against a real daemon: served without a token, a valid OpenAPI 3.1
// document by a real validator (@seriousme/openapi-schema-validator), every route of routes.ts in
// it and nothing else, and every documented operation answering with a status it documents and
// a body its schema accepts (strictly: no key it does not name), event streams included.
// docs/openapi.json must be the document served (`npm run schemas` writes it).
import { Validator } from "@seriousme/openapi-schema-validator"
import { Either } from "effect"
import * as Schema from "effect/Schema"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Api from "../../src/http/ApiSchema.ts"
import { openApiPath } from "../../src/http/openapi.ts"
import { routes } from "../../src/http/routes.ts"
import { FIXTURES, ROOT, startDaemon, TOKEN, waitForView, type Daemon } from "../support/daemon.ts"
import { cleanup, openSse } from "./client.ts"

interface Operation {
  readonly responses: Record<string, unknown>
  readonly security: ReadonlyArray<unknown>
}
interface Document {
  readonly openapi: string
  readonly paths: Record<string, Record<string, Operation>>
}

const daemons: Array<Daemon> = []
const pids: Array<number> = []
let d: Daemon
let served: Document

beforeAll(async () => {
  d = await startDaemon({
    body:
      `[services.cfg]\ncommand = "${FIXTURES}/sleeper.sh"\n[supervisors.grp]\nchildren = ["cfg"]\n` +
      `[services.job]\ncommand = "${FIXTURES}/exit-with-code.sh"\nargs = ["0"]\ntype = "oneshot"\nschedule = "*/10 * * * *"\n`,
  })
  daemons.push(d)
  pids.push((await waitForView(d, "cfg", "running", (v) => v.state === "running")).pid)
  const res = await fetch(`${d.url}/api/openapi.json`)
  expect(res.status).toBe(200)
  served = await res.json()
})

afterAll(() => cleanup(daemons, pids))

const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  )

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const validator = new Validator()
    const result = await validator.validate({ ...structuredClone(served) })
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe("3.1")
  })

  it("documents every route of routes.ts, and only those", () => {
    const documented = operations(served).map((o) => `${o.method} ${o.path}`)
    const listed = routes.map((r) => `${r.method} ${openApiPath(r.path)}`)
    expect(documented.sort()).toEqual(listed.sort())
  })

  it("asks for a token exactly where the server does", () => {
    for (const route of routes) {
      const operation = served.paths[openApiPath(route.path)]?.[route.method.toLowerCase()]
      expect(operation?.security.length, `${route.method} ${route.path}`).toBe(
        route.access === "open" ? 0 : 2,
      )
    }
  })

  it("is the one in docs/openapi.json", async () => {
    expect(JSON.parse(await readFile(join(ROOT, "docs/openapi.json"), "utf8"))).toEqual(served)
  })
})

/** A request each documented operation can take: a real service name, a body it accepts. */
const request = (method: string, path: string): { url: string; body?: unknown } => {
  const url = path.replace(
    "{name}",
    path.startsWith("/api/groups/")
      ? "grp"
      : path === "/api/services/{name}" && method !== "GET"
        ? "probe"
        : path.endsWith("/run") || path.endsWith("/history")
          ? "job"
          : "cfg",
  )
  const bodies: Record<string, unknown> = {
    "POST /api/login": { token: TOKEN },
    "POST /api/services": { name: "probe", command: `${FIXTURES}/sleeper.sh`, autostart: false },
    "PUT /api/services/{name}": { command: `${FIXTURES}/sleeper.sh`, autostart: false, args: ["x"] },
  }
  return { url: url.replace("{file}", "index.html"), body: bodies[`${method} ${path}`] }
}

/** The problems of `body` against `schema` (decoded strictly), as text; "" when it fits. */
const misfit = (schema: Schema.Schema.AnyNoContext, body: unknown): string => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(body)
  return Either.isLeft(result) ? String(result.left) : ""
}

/** Registration first and removal last, so the operations on "probe" find it. */
const order = (method: string, path: string) =>
  method === "POST" && path === "/api/services" ? 0 : method === "DELETE" ? 2 : 1

describe("every documented operation", () => {
  it("answers with a status it documents", async () => {
    const all = operations(served).sort((a, b) => order(a.method, a.path) - order(b.method, b.path))
    const answers: Array<string> = []
    for (const { path, method, operation } of all) {
      const { url: template, body } = request(method, path)
      // The session POST /api/login opened above (logins come before removals).
      const url = template.includes("{id}")
        ? template.replace("{id}", (await d.json("GET", "/api/sessions")).sessions[0]?.id ?? "none")
        : template
      const controller = new AbortController()
      const res = await fetch(`${d.url}${url}`, {
        method,
        signal: controller.signal,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      // Event streams stay open: the status and type are the answer (their frames: below).
      const route = routes.find((r) => r.method === method && openApiPath(r.path) === path)
      const answer = route?.doc.answer
      if (res.headers.get("content-type")?.startsWith("text/event-stream")) controller.abort()
      else if (answer !== undefined && "json" in answer && res.status === answer.status)
        expect(misfit(answer.json, await res.json()), `${method} ${url}`).toBe("")
      else await res.arrayBuffer()
      answers.push(`${method} ${path} ${res.status}`)
      expect(Object.keys(operation.responses), `${method} ${url} answered ${res.status}`).toContain(
        String(res.status),
      )
      expect(res.status, `${method} ${url}`).toBeLessThan(400)
    }
    expect(answers).toHaveLength(routes.length)
  })
})

describe("event streams", () => {
  it("send views, removals, usage and log lines their schemas accept", async () => {
    const events = await openSse(`${d.url}/api/events`)
    const logs = await openSse(`${d.url}/api/services/cfg/logs/stream`)
    try {
      const view = await events.next("a service event", (f) => f.event === "service")
      expect(misfit(Api.ServiceView, view.data)).toBe("")
      expect((await d.api("POST", "/api/services/cfg/restart")).status).toBe(202)
      const line = await logs.next("a log line", (f) => f.event === "log")
      expect(misfit(Api.LogLine, line.data)).toBe("")
      const registered = await d.api("POST", "/api/services", {
        name: "gone",
        command: `${FIXTURES}/sleeper.sh`,
        autostart: false,
      })
      expect(registered.status).toBe(201)
      expect((await d.api("DELETE", "/api/services/gone")).status).toBe(204)
      const removed = await events.next("a removed event", (f) => f.event === "removed")
      expect(misfit(Api.RemovedEvent, removed.data)).toBe("")
      const usage = await events.next("a usage event", (f) => f.event === "usage", 0, 20_000)
      expect(misfit(Api.UsageEvent, usage.data)).toBe("")
    } finally {
      events.close()
      logs.close()
    }
    pids.push((await waitForView(d, "cfg", "running", (v) => v.state === "running")).pid)
  })
})
