// `ready`, `start_timeout` and `watchdog` in a service table: the three kinds decoded to tagged
// values, notify and watchdog decoded (whether the host can have them is HostChecks' to say, with
// the reason and the alternatives), each refusal as the sentence a person reads (with its key
// path), and the encode → decode round trip.
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { notifyUnavailable, watchdogUnavailable } from "../../src/config/ReadySpec.ts"
import { checkNotify } from "../../src/config/HostChecks.ts"
import {
  decodeServiceSpec,
  defaultLog,
  encodeServiceSpec,
  type ServiceSpec,
} from "../../src/config/ServiceSpec.ts"

const ctx = {
  name: "api",
  baseDir: "/etc/dockless",
  defaults: {},
  log: defaultLog,
  pathPrefix: "services.api",
}

const decoded = (raw: Record<string, unknown>): ServiceSpec => {
  const result = decodeServiceSpec({ command: "x", ...raw }, ctx)
  if (Either.isLeft(result)) throw new Error(JSON.stringify(result.left))
  return result.right
}

const issues = (raw: Record<string, unknown>) => {
  const result = decodeServiceSpec({ command: "x", ...raw }, ctx)
  if (Either.isRight(result)) throw new Error("expected issues")
  return result.left.map((i) => `${i.path}: ${i.message}`)
}

describe("ready", () => {
  it("decodes log, port and http to tagged conditions, with start_timeout 90s by default", () => {
    expect(decoded({ ready: { log: "listening on \\d+" } }).ready).toEqual({
      _tag: "log",
      pattern: "listening on \\d+",
    })
    expect(decoded({ ready: { port: 8080 } }).ready).toEqual({ _tag: "port", port: 8080 })
    expect(decoded({ ready: { http: "http://127.0.0.1:8080/ready" } }).ready).toEqual({
      _tag: "http",
      url: "http://127.0.0.1:8080/ready",
    })
    expect(decoded({}).start_timeout).toBe(90_000)
    expect(decoded({ ready: { port: 80 }, start_timeout: "5s" }).start_timeout).toBe(5000)
  })

  it.each<[string, Record<string, unknown>, string]>([
    [
      "a zero watchdog",
      { watchdog: "0s" },
      'services.api.watchdog: expected a duration greater than 0, got "0s"',
    ],
    [
      "two kinds",
      { ready: { port: 80, http: "http://a/" } },
      "services.api.ready: expected exactly one of log, port or http, got port and http",
    ],
    ["no kind", { ready: {} }, "services.api.ready: expected exactly one of log, port or http, got none"],
    [
      "a pattern that does not compile",
      { ready: { log: "(" } },
      'services.api.ready.log: expected a regular expression, got "(": Invalid regular expression: /(/: Unterminated group',
    ],
    [
      "a port out of range",
      { ready: { port: 0 } },
      "services.api.ready.port: expected a port number from 1 to 65535, got 0",
    ],
    [
      "a URL that is not http",
      { ready: { http: "ftp://a/" } },
      'services.api.ready.http: expected an http:// or https:// URL, got "ftp://a/"',
    ],
    [
      "an unknown kind",
      { ready: { tcp: 80 } },
      'services.api.ready.tcp: unknown key "tcp", expected one of: log, port, http',
    ],
    [
      "a word",
      { ready: "yes" },
      'services.api.ready: expected "notify", or a table like { log = "listening on" }, { port = 8080 } or { http = "http://…" }, got "yes"',
    ],
    [
      "a zero start_timeout",
      { start_timeout: "0s" },
      'services.api.start_timeout: expected a duration greater than 0, got "0s"',
    ],
  ])("refuses %s with a sentence at its key path", (_, raw, message) => {
    expect(issues(raw)).toEqual([message])
  })

  it('decodes ready = "notify" and watchdog, which the host check accepts where the addon loads', () => {
    const spec = decoded({ ready: "notify", watchdog: "30s" })
    expect(spec.ready).toEqual({ _tag: "notify" })
    expect(spec.watchdog).toBe(30_000)
    expect(decoded({}).watchdog).toBeUndefined()
    expect(checkNotify(spec, "services.api")).toEqual([])
  })

  it("names the reason and the alternatives when notify cannot be had", () => {
    const reason = "the notify addon is prebuilt for linux x64 and arm64 only, not for this CPU (riscv64)"
    expect(notifyUnavailable(reason)).toBe(
      `ready = "notify" cannot be used on this host: ${reason}; use ready = { log = "a regex its output ` +
        `prints when ready" }, ready = { port = N } or ready = { http = "http://127.0.0.1:PORT/path" } instead`,
    )
    expect(watchdogUnavailable(reason)).toContain("use a health check instead")
  })

  it.each([{ log: "ready" }, { port: 6379 }, { http: "https://127.0.0.1/up" }, "notify"])(
    "encodes %j back to its TOML shape, and decodes it again",
    (ready) => {
      const spec = decoded({ ready, start_timeout: "3s" })
      const table = JSON.parse(JSON.stringify(encodeServiceSpec(spec)))
      expect(table.ready).toEqual(ready)
      expect(table.start_timeout).toBe(3000)
      expect(decoded(table)).toEqual(spec)
    },
  )
})
