// One service table, decoded the way both config.toml and the HTTP API use it: defaults,
// [defaults] merging, path resolution, health shapes, each refusal's message, and the
// encode → decode round trip that services.json and the API's `spec` field rely on.
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import {
  decodeServiceSpec,
  defaultBackoff,
  defaultLog,
  encodeServiceSpec,
  type DecodeContext,
  type ServiceSpec,
} from "../../src/config/ServiceSpec.ts"

const ctx = (overrides: Partial<DecodeContext> = {}): DecodeContext => ({
  name: "api",
  baseDir: "/etc/dockless",
  defaults: {},
  log: defaultLog,
  pathPrefix: "services.api",
  ...overrides,
})

const decoded = (raw: unknown, c: DecodeContext = ctx()): ServiceSpec => {
  const result = decodeServiceSpec(raw, c)
  if (Either.isLeft(result)) throw new Error(JSON.stringify(result.left))
  return result.right
}

const issues = (raw: unknown, c: DecodeContext = ctx()) => {
  const result = decodeServiceSpec(raw, c)
  if (Either.isRight(result)) throw new Error("expected issues")
  return result.left.map((i) => `${i.path}: ${i.message}`)
}

describe("decodeServiceSpec", () => {
  it("applies every default to a table with only a command", () => {
    expect(decoded({ command: "sleep" })).toEqual({
      name: "api",
      command: "sleep",
      args: [],
      cwd: undefined,
      env: {},
      env_file: undefined,
      secret_env: [],
      user: undefined,
      group: undefined,
      supplementary_groups: [],
      umask: undefined,
      limits: {},
      nice: undefined,
      oom_score_adjust: undefined,
      autostart: true,
      restart: "on-failure",
      backoff: { initial: 1000, max: 60000, factor: 2, jitter: 0.1, reset_after: 60000 },
      intensity: { max_restarts: 10, period: 60000 },
      stop_signal: "SIGTERM",
      stop_timeout: 10000,
      ports: [],
      port: undefined,
      depends_on: [],
      memory_max: undefined,
      health: undefined,
      ready: undefined,
      start_timeout: 90000,
      log: { enabled: true, max_bytes: 10 * 1024 * 1024, keep: 5 },
      type: "service",
      schedule: undefined,
      overlap: "skip",
      catch_up: false,
      kubernetes: undefined,
    })
  })

  it("decodes the full example from SPEC section 3", () => {
    const spec = decoded({
      command: "/usr/local/bin/api-server",
      args: ["--listen", "0.0.0.0:8080"],
      cwd: "/srv/api",
      env: { RUST_LOG: "info" },
      user: "www-data",
      autostart: true,
      restart: "always",
      backoff: { initial: "500ms", max: "30s", factor: 2.0, jitter: 0.1, reset_after: "60s" },
      intensity: { max_restarts: 5, period: "60s" },
      stop_signal: "SIGTERM",
      stop_timeout: "10s",
      ports: [8080],
      depends_on: ["db"],
      memory_max: "256MiB",
      health: {
        http: "http://127.0.0.1:8080/healthz",
        interval: "10s",
        timeout: "2s",
        retries: 3,
        start_period: "5s",
      },
      log: { max_bytes: "1MiB", keep: 2 },
    })
    expect(spec.backoff).toEqual({ initial: 500, max: 30000, factor: 2, jitter: 0.1, reset_after: 60000 })
    expect(spec.intensity).toEqual({ max_restarts: 5, period: 60000 })
    expect(spec.memory_max).toBe(256 * 1024 * 1024)
    expect(spec.health).toEqual({
      check: { _tag: "http", url: "http://127.0.0.1:8080/healthz" },
      interval: 10000,
      timeout: 2000,
      retries: 3,
      start_period: 5000,
    })
    expect(spec.log).toEqual({ enabled: true, max_bytes: 1024 * 1024, keep: 2 })
    expect(spec.user).toBe("www-data")
  })

  it("merges [defaults] under the service, table by table", () => {
    const defaults = {
      restart: "always",
      stop_timeout: "5s",
      backoff: { initial: "200ms", max: "5s" },
      env: { A: "1", B: "1" },
      log: { keep: 1 },
    }
    const spec = decoded(
      { command: "x", stop_timeout: "2s", backoff: { max: "9s" }, env: { B: "2" } },
      ctx({ defaults }),
    )
    expect(spec.restart).toBe("always")
    expect(spec.stop_timeout).toBe(2000)
    expect(spec.backoff).toEqual({ ...defaultBackoff, initial: 200, max: 9000 })
    expect(spec.env).toEqual({ A: "1", B: "2" })
    expect(spec.log).toEqual({ ...defaultLog, keep: 1 })
  })

  it("merges a partial backoff over the built-in default", () => {
    expect(decoded({ command: "x", backoff: { factor: 3 } }).backoff).toEqual({
      ...defaultBackoff,
      factor: 3,
    })
  })

  it("takes its log defaults from the file's [log] table", () => {
    const log = { enabled: false, max_bytes: 1000, keep: 9 }
    expect(decoded({ command: "x" }, ctx({ log })).log).toEqual(log)
    expect(decoded({ command: "x", log: { keep: 2 } }, ctx({ log })).log).toEqual({ ...log, keep: 2 })
  })

  it("resolves cwd and path-like commands against the config dir, leaves bare names for PATH", () => {
    const base = ctx({ baseDir: "/srv/conf" })
    expect(decoded({ command: "./bin/api", cwd: "work" }, base)).toMatchObject({
      command: "/srv/conf/bin/api",
      cwd: "/srv/conf/work",
    })
    expect(decoded({ command: "bin/api", cwd: "/abs" }, base)).toMatchObject({
      command: "/srv/conf/bin/api",
      cwd: "/abs",
    })
    expect(decoded({ command: "redis-server" }, base).command).toBe("redis-server")
    expect(decoded({ command: "/usr/bin/env" }, base).command).toBe("/usr/bin/env")
    const exec = decoded({ command: "x", health: { exec: ["./check", "--quick"] } }, base).health?.check
    expect(exec).toEqual({ _tag: "exec", command: ["/srv/conf/check", "--quick"] })
  })

  it.each([
    ["TERM", "SIGTERM"],
    ["SIGINT", "SIGINT"],
    ["hup", "SIGHUP"],
    ["SIGUSR2", "SIGUSR2"],
  ])("accepts stop_signal %j as %s", (raw, signal) => {
    expect(decoded({ command: "x", stop_signal: raw }).stop_signal).toBe(signal)
  })

  it('accepts port = "auto" or a number, and env numbers and booleans as strings', () => {
    expect(decoded({ command: "x", port: "auto" }).port).toBe("auto")
    expect(decoded({ command: "x", port: 9000 }).port).toBe(9000)
    expect(decoded({ command: "x", env: { N: 4, DEBUG: true } }).env).toEqual({ N: "4", DEBUG: "true" })
  })

  it("decodes tcp and exec health checks with default timing", () => {
    expect(decoded({ command: "x", health: { tcp: 6379 } }).health).toEqual({
      check: { _tag: "tcp", port: 6379 },
      interval: 10000,
      timeout: 2000,
      retries: 3,
      start_period: 0,
    })
    expect(decoded({ command: "x", health: { exec: ["/bin/true"] } }).health?.check).toEqual({
      _tag: "exec",
      command: ["/bin/true"],
    })
  })

  it("accepts the API body's own name when it matches", () => {
    expect(decoded({ name: "api", command: "x" }, ctx({ pathPrefix: "" })).name).toBe("api")
  })
})

describe("decodeServiceSpec refusals", () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      "a missing command",
      {},
      "services.api.command: is required: the program to run (an absolute path, a path relative to the config file, or a name found on PATH)",
    ],
    ["an empty command", { command: "" }, 'services.api.command: expected a non-empty string, got ""'],
    [
      "a restart value",
      { command: "x", restart: "sometimes" },
      'services.api.restart: expected "always" | "on-failure" | "never", got "sometimes"',
    ],
    [
      "a restart typo",
      { command: "x", restart: "alway" },
      'services.api.restart: expected "always" | "on-failure" | "never", got "alway" (did you mean "always"?)',
    ],
    [
      "a signal",
      { command: "x", stop_signal: "SIGFOO" },
      'services.api.stop_signal: expected a signal name like "SIGTERM", "TERM", "SIGINT" or "SIGHUP", got "SIGFOO"',
    ],
    [
      "a port out of range",
      { command: "x", ports: [80, 70000] },
      "services.api.ports.1: expected a port number from 1 to 65535, got 70000",
    ],
    ["a port listed twice", { command: "x", ports: [80, 80] }, "services.api.ports: port 80 is listed twice"],
    [
      "a port that is neither auto nor a number",
      { command: "x", port: "any" },
      'services.api.port: expected "auto" or a port number from 1 to 65535, got "any"',
    ],
    [
      "a factor below 1",
      { command: "x", backoff: { factor: 0.5 } },
      "services.api.backoff.factor: expected a number of at least 1 (like 2.0), got 0.5",
    ],
    [
      "a jitter above 1",
      { command: "x", backoff: { jitter: 1.5 } },
      "services.api.backoff.jitter: expected a number from 0 to 1 (like 0.1), got 1.5",
    ],
    [
      "initial above max",
      { command: "x", backoff: { initial: "2m", max: "1m" } },
      "services.api.backoff.initial: expected at most backoff.max (60000 ms), got 120000 ms",
    ],
    [
      "a negative keep",
      { command: "x", log: { keep: -1 } },
      "services.api.log.keep: expected an integer from 0 to 1000, got -1",
    ],
    [
      "a bad size",
      { command: "x", memory_max: "lots" },
      'services.api.memory_max: expected a size like "512KiB", "10MiB", "1GiB", "500KB", "10MB", "100B" or integer bytes, got "lots"',
    ],
    ["an empty user", { command: "x", user: "" }, 'services.api.user: expected a non-empty string, got ""'],
    [
      "args that are not strings",
      { command: "x", args: ["-p", 3] },
      "services.api.args.1: expected a string, got 3",
    ],
    [
      "a wrong type for a table",
      { command: "x", backoff: "fast" },
      'services.api.backoff: expected a table, got "fast"',
    ],
    [
      "a health check with two kinds",
      { command: "x", health: { http: "http://a/", tcp: 80 } },
      "services.api.health: expected exactly one of http, tcp or exec, got http and tcp",
    ],
    [
      "a health check with none",
      { command: "x", health: { interval: "5s" } },
      "services.api.health: expected exactly one of http, tcp or exec, got none",
    ],
    [
      "a health url that is not http",
      { command: "x", health: { http: "ftp://a/" } },
      'services.api.health.http: expected an http:// or https:// URL, got "ftp://a/"',
    ],
    [
      "an unknown key with a close match",
      { command: "x", restrat: "always" },
      'services.api.restrat: unknown key "restrat", did you mean "restart"?',
    ],
    [
      "an unknown nested key",
      { command: "x", backoff: { intial: "1s" } },
      'services.api.backoff.intial: unknown key "intial", did you mean "initial"?',
    ],
  ])("refuses %s", (_, raw, message) => {
    expect(issues(raw)).toEqual([message])
  })

  it("refuses an unknown key with no close match, listing the allowed keys", () => {
    expect(issues({ command: "x", colour: "red" })).toEqual([
      'services.api.colour: unknown key "colour", expected one of: name, command, args, cwd, env, env_file, secret_env, user, group, supplementary_groups, umask, limits, nice, oom_score_adjust, autostart, restart, backoff, intensity, stop_signal, stop_timeout, ports, port, depends_on, memory_max, health, ready, start_timeout, watchdog, log, type, schedule, overlap, catch_up, kubernetes',
    ])
  })

  it.each(["bad name", "-lead", "a/b", "x".repeat(64), ""])(
    "refuses the service name %j with the rule",
    (name) => {
      expect(issues({ command: "x" }, ctx({ name, pathPrefix: "" }))).toEqual([
        `name: service name ${JSON.stringify(name)} is invalid: it must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$ (letters, digits, "_", "." and "-", starting with a letter or digit, at most 63 characters)`,
      ])
    },
  )

  it("refuses an API body whose name differs from the one it is registered under", () => {
    expect(issues({ name: "web", command: "x" }, ctx({ pathPrefix: "" }))).toEqual([
      'name: expected "api", got "web"',
    ])
  })

  it("reports every problem of one service at once", () => {
    expect(issues({ restart: "x", ports: [0], stop_timeout: "soon", bogus: 1 })).toHaveLength(5)
  })

  it("refuses a value that is not a table at all", () => {
    expect(issues("sleep", ctx({ pathPrefix: "" }))).toEqual([
      ': expected a table of service settings, got "sleep"',
    ])
  })
})

describe("encodeServiceSpec", () => {
  it.each<[string, Record<string, unknown>]>([
    ["a minimal service", { command: "sleep" }],
    [
      "a full service",
      {
        command: "./bin/api",
        args: ["a", "b"],
        cwd: "work",
        env: { A: "1" },
        user: "nobody",
        autostart: false,
        restart: "never",
        backoff: { initial: "1.5s", factor: 1.5 },
        intensity: { max_restarts: 0, period: "1h" },
        stop_signal: "INT",
        stop_timeout: "3s",
        ports: [8080, 8081],
        port: "auto",
        depends_on: ["db"],
        memory_max: "1GB",
        health: { http: "https://127.0.0.1/", retries: 5, start_period: "2s" },
        log: { enabled: false, max_bytes: "1KiB", keep: 0 },
      },
    ],
    ["a tcp health check", { command: "x", port: 9000, health: { tcp: 9000 } }],
    ["an exec health check", { command: "x", health: { exec: ["./probe", "-q"] } }],
  ])("round-trips %s through JSON", (_, raw) => {
    const spec = decoded(raw, ctx({ baseDir: "/base" }))
    const table = JSON.parse(JSON.stringify(encodeServiceSpec(spec)))
    expect(table.name).toBe("api")
    expect(decoded(table, ctx({ baseDir: "/elsewhere", pathPrefix: "" }))).toEqual(spec)
  })

  it("writes durations as integer ms, sizes as integer bytes, health in its TOML shape", () => {
    const spec = decoded({
      command: "x",
      stop_timeout: "1m",
      memory_max: "1KiB",
      health: { tcp: 80, interval: "1s" },
    })
    expect(encodeServiceSpec(spec)).toMatchObject({
      stop_timeout: 60000,
      memory_max: 1024,
      health: { tcp: 80, interval: 1000, timeout: 2000, retries: 3, start_period: 0 },
    })
  })
})
