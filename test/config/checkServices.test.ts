// Cross-checks over a set of services, as run by loadConfig and, for a registration through
// the API, by checkServices with the existing services plus the new one.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { checkServices, type GroupSpec } from "../../src/config/Config.ts"
import {
  decodeServiceSpec,
  defaultIntensity,
  defaultLog,
  type ServiceSpec,
} from "../../src/config/ServiceSpec.ts"
import { configOf, issuesOf } from "./tempConfig.ts"

const service = (name: string, raw: Record<string, unknown>): ServiceSpec => {
  const result = decodeServiceSpec(
    { command: "x", ...raw },
    { name, baseDir: "/", defaults: {}, log: defaultLog, pathPrefix: "" },
  )
  if (Either.isLeft(result)) throw new Error(JSON.stringify(result.left))
  return result.right
}

const group = (name: string, children: ReadonlyArray<string>): GroupSpec => ({
  name,
  strategy: "one_for_one",
  children,
  intensity: defaultIntensity,
  backoff: undefined,
})

const messages = (services: ReadonlyArray<ServiceSpec>, supervisors: ReadonlyArray<GroupSpec> = []) =>
  checkServices({ listen_port: 3080, supervisors }, services).map((i) => `${i.path}: ${i.message}`)

describe("checkServices", () => {
  it("accepts services without conflicts", () => {
    const services = [
      service("db", { ports: [6379] }),
      service("api", { ports: [8080], port: "auto", depends_on: ["db"] }),
      service("web", { port: "auto", depends_on: ["api", "db"] }),
    ]
    expect(messages(services, [group("backend", ["db", "api"])])).toEqual([])
  })

  it("refuses two services reserving the same port, naming both", () => {
    expect(messages([service("api", { ports: [8080] }), service("web", { port: 8080 })])).toEqual([
      'services.web.port: port 8080 is reserved by both service "api" and service "web"',
    ])
  })

  it("refuses a port registered through the API that a configured service holds", () => {
    const existing = [service("db", { ports: [6379] })]
    const registered = service("cache", { ports: [6380, 6379] })
    expect(messages([...existing, registered])).toEqual([
      'services.cache.ports: port 6379 is reserved by both service "db" and service "cache"',
    ])
  })

  it("refuses Dockless's own listen_port", () => {
    expect(messages([service("api", { port: 3080 })])).toEqual([
      `services.api.port: port 3080 is Dockless's own listen_port (dashboard and API); service "api" cannot reserve it`,
    ])
  })

  it("refuses a name used twice", () => {
    expect(messages([service("api", {}), service("api", {})])).toEqual([
      'services.api: service "api" is already defined',
    ])
  })

  it("refuses depends_on naming an unknown service, with a suggestion when one is close", () => {
    expect(messages([service("db", {}), service("api", { depends_on: ["dbs", "queue"] })])).toEqual([
      'services.api.depends_on: names unknown service "dbs" (did you mean "db"?)',
      'services.api.depends_on: names unknown service "queue"',
    ])
  })

  it("refuses a service depending on itself", () => {
    expect(messages([service("api", { depends_on: ["api"] })])).toEqual([
      'services.api.depends_on: service "api" depends on itself',
    ])
  })

  it("names each depends_on cycle once, starting at the service first in the file", () => {
    const services = [
      service("a", { depends_on: ["b"] }),
      service("b", { depends_on: ["c"] }),
      service("c", { depends_on: ["a"] }),
      service("d", { depends_on: ["e"] }),
      service("e", { depends_on: ["d", "a"] }),
    ]
    expect(messages(services)).toEqual([
      "services.a.depends_on: dependency cycle: a -> b -> c -> a",
      "services.d.depends_on: dependency cycle: d -> e -> d",
    ])
  })

  it("counts group order as start order: a cycle through depends_on and a group is named with the group", () => {
    const services = [
      service("a", { depends_on: ["c"] }),
      service("b", {}),
      service("c", { depends_on: ["b"] }),
    ]
    expect(messages(services, [group("g", ["a", "b"])])).toEqual([
      "services.a.depends_on: dependency cycle: a -> c -> b -> a (b comes after a in supervisors.g)",
    ])
  })

  it("refuses a group child whose depends_on names a later sibling", () => {
    const services = [service("db", { depends_on: ["api"] }), service("api", {})]
    expect(messages(services, [group("backend", ["db", "api"])])).toEqual([
      "services.db.depends_on: dependency cycle: db -> api -> db (api comes after db in supervisors.backend)",
    ])
  })

  it("accepts depends_on that follows the group order", () => {
    const services = [service("db", {}), service("api", { depends_on: ["db"] })]
    expect(messages(services, [group("backend", ["db", "api"])])).toEqual([])
  })

  it("refuses group children that are unknown, listed twice, or in two groups", () => {
    const services = [service("db", {}), service("api", {})]
    expect(
      messages(services, [group("backend", ["db", "api", "db", "ap1"]), group("other", ["api"])]),
    ).toEqual([
      'supervisors.backend.children: service "db" is listed twice',
      'supervisors.backend.children: names unknown service "ap1" (did you mean "api"?)',
      'supervisors.other.children: service "api" is already a child of supervisors.backend; a service belongs to at most one group',
    ])
  })
})

describe("cross-checks in loadConfig", () => {
  it.scoped("runs them even for services that have other errors, so everything shows at once", () =>
    Effect.gen(function* () {
      expect(
        yield* issuesOf(`
[services.api]
command = "x"
restart = "bad"
ports = [8080]
[services.web]
ports = [8080]
`),
      ).toEqual([
        'F: services.api.restart: expected "always" | "on-failure" | "never", got "bad"',
        "F: services.web.command: is required: the program to run (an absolute path, a path relative to the config file, or a name found on PATH)",
        'F: services.web.ports: port 8080 is reserved by both service "api" and service "web"',
      ])
    }),
  )

  it.scoped("does not call a service unknown because it has errors of its own", () =>
    Effect.gen(function* () {
      expect(
        yield* issuesOf(`
[services.db]
command = ""
[services.api]
command = "x"
depends_on = ["db"]
[supervisors.g]
children = ["db"]
`),
      ).toEqual(['F: services.db.command: expected a non-empty string, got ""'])
    }),
  )

  it.scoped("sees ports and depends_on that come from [defaults]", () =>
    Effect.gen(function* () {
      expect(
        yield* issuesOf(`
[defaults]
ports = [9000]
[services.a]
command = "x"
[services.b]
command = "y"
`),
      ).toEqual(['F: services.b.ports: port 9000 is reserved by both service "a" and service "b"'])
      const config = yield* configOf(
        `[defaults]\nport = "auto"\n[services.a]\ncommand = "x"\n[services.b]\ncommand = "y"\n`,
      )
      expect(config.services.map((s) => s.port)).toEqual(["auto", "auto"])
    }),
  )
})
