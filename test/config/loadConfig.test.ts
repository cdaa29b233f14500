// loadConfig against real files in a temp dir: built-in defaults, relative paths, and the exact
// user-facing message of every kind of problem (TOML syntax with line:column, values by key
// path, unknown keys with and without a suggestion), all reported in one ConfigInvalid.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted } from "effect"
import * as path from "node:path"
import { TlsSpec } from "../../src/config/Config.ts"
import { loadConfig } from "../../src/config/ConfigFile.ts"
import { configFile, configOf, issuesOf } from "./tempConfig.ts"

describe("loadConfig: values", () => {
  it.scoped("gives the built-in defaults for an empty file", () =>
    Effect.gen(function* () {
      const file = yield* configFile("")
      const config = yield* loadConfig(file)
      const dir = path.dirname(file)
      expect(config).toEqual({
        file,
        baseDir: dir,
        listen_port: 3080,
        listen_host: "0.0.0.0",
        data_dir: path.join(dir, "data"),
        auth: {
          token: undefined,
          token_file: undefined,
          viewer_tokens: [],
          viewer_token_file: undefined,
          metrics_token: undefined,
          metrics_token_file: undefined,
          session_idle: 12 * 3_600_000,
          session_max_age: 7 * 24 * 3_600_000,
        },
        http: { tls: TlsSpec.Plain() },
        log: { enabled: true, max_bytes: 10 * 1024 * 1024, keep: 5 },
        ports: { auto_range: [20000, 20999] },
        defaults: {},
        services: [],
        supervisors: [],
        supervisor: { intensity: { max_restarts: 20, period: 60_000 } },
        notify: [],
        notices: [],
      })
    }),
  )

  it.scoped("resolves data_dir, auth.token_file, cwd and path-like commands against the config dir", () =>
    Effect.gen(function* () {
      const config = yield* configOf(`
data_dir = "state"
[auth]
token_file = "secrets/token"
[services.api]
command = "./bin/api"
cwd = "srv/api"
[services.db]
command = "redis-server"
cwd = "/var/lib/redis"
`)
      const dir = config.baseDir
      expect(config.data_dir).toBe(path.join(dir, "state"))
      expect(config.auth.token_file).toBe(path.join(dir, "secrets/token"))
      expect(config.services.map((s) => [s.command, s.cwd])).toEqual([
        [path.join(dir, "bin/api"), path.join(dir, "srv/api")],
        ["redis-server", "/var/lib/redis"],
      ])
    }),
  )

  it.scoped(
    "decodes the SPEC example: [log], [ports], [defaults] merged, groups, services in file order",
    () =>
      Effect.gen(function* () {
        const config = yield* configOf(`
listen_port = 4000
listen_host = "127.0.0.1"
[auth]
token = "s3cret"
[log]
max_bytes = "1MiB"
keep = 3
[ports]
auto_range = [30000, 30010]
[defaults]
restart = "always"
backoff = { initial = "500ms" }
[services.zeta]
command = "z"
backoff = { max = "5s" }
[services.api]
command = "a"
restart = "never"
depends_on = ["zeta"]
[supervisors.backend]
strategy = "rest_for_one"
children = ["zeta", "api"]
[supervisors.solo]
children = ["other"]
[services.other]
command = "o"
`)
        expect(config.listen_port).toBe(4000)
        expect(config.listen_host).toBe("127.0.0.1")
        expect(config.auth.token && Redacted.value(config.auth.token)).toBe("s3cret")
        expect(config.log).toEqual({ enabled: true, max_bytes: 1024 * 1024, keep: 3 })
        expect(config.ports.auto_range).toEqual([30000, 30010])
        expect(config.services.map((s) => s.name)).toEqual(["zeta", "api", "other"])
        const [zeta, api] = config.services
        expect(zeta?.restart).toBe("always")
        expect(zeta?.backoff).toMatchObject({ initial: 500, max: 5000 })
        expect(api?.restart).toBe("never")
        expect(api?.log).toEqual(config.log)
        expect(config.defaults).toEqual({ restart: "always", backoff: { initial: "500ms" } })
        expect(config.supervisors).toEqual([
          {
            name: "backend",
            strategy: "rest_for_one",
            children: ["zeta", "api"],
            intensity: { max_restarts: 10, period: 60000 },
          },
          {
            name: "solo",
            strategy: "one_for_one",
            children: ["other"],
            intensity: { max_restarts: 10, period: 60000 },
          },
        ])
      }),
  )

  it.scoped("gives a group the backoff of its [supervisors.NAME] table, or none", () =>
    Effect.gen(function* () {
      const config = yield* configOf(`
[services.a]
command = "a"
[services.b]
command = "b"
[supervisors.g]
children = ["a"]
backoff = { initial = "2s", factor = 3 }
[supervisors.h]
children = ["b"]
`)
      expect(config.supervisors.map((g) => g.backoff)).toEqual([
        { initial: 2000, max: 60000, factor: 3, jitter: 0.1, reset_after: 60000 },
        undefined,
      ])
    }),
  )

  it.effect("reports a missing file as a file-level issue", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(loadConfig("/nonexistent/dockless/config.toml"))
      expect(error.issues).toHaveLength(1)
      expect(error.message).toMatch(/^\/nonexistent\/dockless\/config\.toml: cannot read the file: ENOENT/)
    }),
  )
})

describe("loadConfig: messages", () => {
  it.scoped("names file:line:column for a TOML syntax error", () =>
    Effect.gen(function* () {
      expect(yield* issuesOf(`listen_port = 3080\nlisten_host = "x\n`)).toEqual([
        "F:2:17: Invalid TOML document: control characters are not allowed in strings",
      ])
      expect(yield* issuesOf(`a = 1\na = 2\n`)).toEqual([
        "F:2:1: Invalid TOML document: trying to redefine an already defined table or value",
      ])
    }),
  )

  it.scoped("names the key path and what was expected for a bad duration", () =>
    Effect.gen(function* () {
      expect(yield* issuesOf(`[services.api]\ncommand = "x"\nbackoff = { initial = "fast" }\n`)).toEqual([
        'F: services.api.backoff.initial: expected a duration like "500ms", "10s", "5m", "1h" or integer milliseconds, got "fast"',
      ])
    }),
  )

  it.scoped("refuses a user that does not exist on this host, naming it", () =>
    Effect.gen(function* () {
      expect(yield* issuesOf(`[services.api]\ncommand = "x"\nuser = "no-such-user-dockless"\n`)).toEqual([
        'F: services.api.user: no user named "no-such-user-dockless" in /etc/passwd',
      ])
      const root = yield* configOf(`[services.api]\ncommand = "x"\nuser = "root"\n`)
      expect(root.services[0]?.user).toBe("root")
    }),
  )

  it.scoped("names the key path and what was expected for a bad size", () =>
    Effect.gen(function* () {
      expect(yield* issuesOf(`[log]\nmax_bytes = "10mb"\n`)).toEqual([
        'F: log.max_bytes: expected a size like "512KiB", "10MiB", "1GiB", "500KB", "10MB", "100B" or integer bytes, got "10mb"',
      ])
    }),
  )

  it.scoped("suggests the close key for an unknown key, everywhere", () =>
    Effect.gen(function* () {
      expect(
        yield* issuesOf(`
listen_prot = 1
[auth]
tokn = "x"
[log]
kep = 1
[ports]
auto_ranges = [1, 2]
[defaults]
restat = "always"
[services.api]
comand = "x"
[supervisors.g]
chilren = ["api"]
`),
      ).toEqual([
        'F: listen_prot: unknown key "listen_prot", did you mean "listen_port"?',
        'F: auth.tokn: unknown key "tokn", did you mean "token"?',
        'F: log.kep: unknown key "kep", did you mean "keep"?',
        'F: ports.auto_ranges: unknown key "auto_ranges", did you mean "auto_range"?',
        'F: defaults.restat: unknown key "restat", did you mean "restart"?',
        'F: services.api.comand: unknown key "comand", did you mean "command"?',
        "F: services.api.command: is required: the program to run (an absolute path, a path relative to the config file, or a name found on PATH)",
        'F: supervisors.g.chilren: unknown key "chilren", did you mean "children"?',
        "F: supervisors.g.children: is required: the services this group supervises, in start order",
      ])
    }),
  )

  it.scoped("lists the allowed keys when no known key is close", () =>
    Effect.gen(function* () {
      expect(yield* issuesOf(`[log]\nrotation = "daily"\n`)).toEqual([
        'F: log.rotation: unknown key "rotation", expected one of: enabled, max_bytes, keep',
      ])
      expect(yield* issuesOf(`[server]\nport = 1\n`)).toEqual([
        'F: server: unknown key "server", expected one of: listen_port, listen_host, data_dir, auth, http, log, ports, defaults, supervisor, services, supervisors, notify',
      ])
    }),
  )

  it.scoped("refuses a bad service name with the rule, quoting the key in the path", () =>
    Effect.gen(function* () {
      expect(yield* issuesOf(`[services."my api"]\ncommand = "x"\n`)).toEqual([
        'F: services."my api": service name "my api" is invalid: it must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$ (letters, digits, "_", "." and "-", starting with a letter or digit, at most 63 characters)',
      ])
    }),
  )

  it.scoped("refuses a bad restart value", () =>
    Effect.gen(function* () {
      expect(yield* issuesOf(`[services.api]\ncommand = "x"\nrestart = "permanent"\n`)).toEqual([
        'F: services.api.restart: expected "always" | "on-failure" | "never", got "permanent"',
      ])
    }),
  )

  it.scoped("refuses bad top-level values", () =>
    Effect.gen(function* () {
      expect(
        yield* issuesOf(`
listen_port = 0
listen_host = ""
[auth]
token = "a"
token_file = "b"
[ports]
auto_range = [21000, 20000]
[supervisors.g]
strategy = "one_for_some"
children = []
`),
      ).toEqual([
        "F: listen_port: expected a port number from 1 to 65535, got 0",
        'F: listen_host: expected a non-empty string, got ""',
        "F: auth: set either token or token_file, not both",
        "F: ports.auto_range: expected [low, high] with low <= high, got [21000,20000]",
        'F: supervisors.g.strategy: expected "one_for_one" | "one_for_all" | "rest_for_one", got "one_for_some" (did you mean "one_for_one"?)',
        "F: supervisors.g.children: expected at least one service name, got []",
      ])
    }),
  )

  it.scoped("refuses a TOML date where a table or a string is expected", () =>
    Effect.gen(function* () {
      expect(
        yield* issuesOf(`[services.api]\ncommand = 1979-05-27T07:32:00Z\nbackoff = 1979-05-27\n`),
      ).toEqual([
        "F: services.api.command: expected a non-empty string, got a date (1979-05-27T07:32:00.000Z)",
        "F: services.api.backoff: expected a table, got a date (1979-05-27)",
      ])
    }),
  )

  it.scoped("refuses a group backoff the way it refuses a service's", () =>
    Effect.gen(function* () {
      expect(
        yield* issuesOf(
          `[services.a]\ncommand = "a"\n[supervisors.g]\nchildren = ["a"]\nbackoff = { intial = "1s", max = "soon" }\n`,
        ),
      ).toEqual([
        'F: supervisors.g.backoff.intial: unknown key "intial", did you mean "initial"?',
        'F: supervisors.g.backoff.max: expected a duration like "500ms", "10s", "5m", "1h" or integer milliseconds, got "soon"',
      ])
    }),
  )

  it.scoped("reports a bad [defaults] value once, not once per service", () =>
    Effect.gen(function* () {
      expect(
        yield* issuesOf(`
[defaults]
stop_timeout = "soon"
name = "x"
[services.a]
command = "a"
[services.b]
command = "b"
`),
      ).toEqual([
        'F: defaults.name: unknown key "name", did you mean "nice"?',
        'F: defaults.stop_timeout: expected a duration like "500ms", "10s", "5m", "1h" or integer milliseconds, got "soon"',
      ])
    }),
  )

  it.scoped("reports several errors of different kinds at once", () =>
    Effect.gen(function* () {
      expect(
        yield* issuesOf(`
listen_port = 3080
[services.api]
command = "./api"
restart = "sometimes"
ports = [8080, 3080]
depends_on = ["db", "cache"]
stop_timeout = "10 seconds"

[services.db]
command = "redis-server"
ports = [8080]
depends_on = ["api"]
memory_max = "big"
`),
      ).toEqual([
        'F: services.api.restart: expected "always" | "on-failure" | "never", got "sometimes"',
        'F: services.api.stop_timeout: expected a duration like "500ms", "10s", "5m", "1h" or integer milliseconds, got "10 seconds"',
        'F: services.db.memory_max: expected a size like "512KiB", "10MiB", "1GiB", "500KB", "10MB", "100B" or integer bytes, got "big"',
        `F: services.api.ports: port 3080 is Dockless's own listen_port (dashboard and API); service "api" cannot reserve it`,
        'F: services.db.ports: port 8080 is reserved by both service "api" and service "db"',
        'F: services.api.depends_on: names unknown service "cache"',
        "F: services.api.depends_on: dependency cycle: api -> db -> api",
      ])
    }),
  )

  it.scoped("the error's fields carry the absolute file and structured issues", () =>
    Effect.gen(function* () {
      const file = yield* configFile(`listen_port = "x"\n`)
      const result = yield* Effect.either(loadConfig(file))
      expect(Either.isLeft(result) && result.left).toMatchObject({
        _tag: "ConfigInvalid",
        file,
        issues: [{ path: "listen_port", message: 'expected a port number from 1 to 65535, got "x"' }],
      })
    }),
  )
})

describe("loadConfig: shipped examples", () => {
  it.effect.each(["test/fixtures/config/spec-example.toml", "examples/config.default.toml"])(
    "loads %s",
    (file) =>
      Effect.gen(function* () {
        const config = yield* loadConfig(file)
        expect(config.file).toBe(path.resolve(file))
      }),
  )

  it.effect("decodes the SPEC example as documented", () =>
    Effect.gen(function* () {
      const config = yield* loadConfig("test/fixtures/config/spec-example.toml")
      expect(config.data_dir).toBe("/etc/dockless/data")
      expect(config.services.map((s) => s.name)).toEqual(["api", "db", "worker"])
      expect(config.services[0]).toMatchObject({
        restart: "always",
        backoff: { initial: 500, max: 30000, factor: 2, jitter: 0.1, reset_after: 60000 },
        stop_timeout: 10000,
        memory_max: 256 * 1024 * 1024,
        log: { enabled: true, max_bytes: 1024 * 1024, keep: 2 },
      })
      expect(config.services[1]?.restart).toBe("on-failure")
      expect(config.services[2]?.port).toBe("auto")
      expect(config.supervisors[0]).toMatchObject({
        name: "backend",
        strategy: "rest_for_one",
        children: ["db", "api"],
      })
    }),
  )
})
