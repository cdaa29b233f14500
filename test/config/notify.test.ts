// [[notify]] tables in config.toml: each type decoded with its defaults, and every bad key told
// in one sentence at its path (notify[N].key), all at once, through the file's own decoding.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as path from "node:path"
import { ALERT_KINDS } from "../../src/config/NotifySpec.ts"
import { configOf, issuesOf } from "./tempConfig.ts"

describe("[[notify]]", () => {
  it.scoped("decodes each type, with the defaults and the secret kept Redacted", () =>
    Effect.gen(function* () {
      const config = yield* configOf(`
[[notify]]
type = "webhook"
url = "https://hooks.example.com/abc"
secret = "s3cret"
events = ["failed", "crash_loop"]
services = ["web-*"]

[[notify]]
type = "ntfy"
name = "phone"
url = "https://ntfy.sh/my-topic"
dedupe = "1m"
rate_limit = { messages = 3, per = "1h" }
crash_loop = { restarts = 4, within = "2m" }

[[notify]]
type = "command"
command = "bin/page"
args = ["--urgent"]
retries = 0
timeout = "3s"
`)
      const [hook, phone, page] = config.notify
      expect(hook?.name).toBe("webhook 1")
      expect(hook?.events).toEqual(["failed", "crash_loop"])
      expect(hook?.services).toEqual(["web-*"])
      expect(hook?.destination._tag === "Webhook" && Redacted.value(hook.destination.secret!)).toBe("s3cret")
      expect(hook).toMatchObject({ dedupe: 600_000, rate_limit: { messages: 10, per: 60_000 }, retries: 3 })
      expect(phone).toMatchObject({
        index: 1,
        name: "phone",
        type: "ntfy",
        events: ALERT_KINDS,
        dedupe: 60_000,
        rate_limit: { messages: 3, per: 3_600_000 },
        crash_loop: { restarts: 4, within: 120_000 },
      })
      expect(page).toMatchObject({
        type: "command",
        destination: {
          _tag: "Command",
          command: "bin/page",
          args: ["--urgent"],
          cwd: path.dirname(config.file!),
        },
        retries: 0,
        timeout: 3000,
      })
    }),
  )

  it.scoped("says every bad key at its path, in one pass", () =>
    Effect.gen(function* () {
      const lines = yield* issuesOf(`
[[notify]]
type = "webhook"
url = "ftp://example.com"
args = ["x"]

[[notify]]
type = "command"
events = ["crashloop"]
dedupe = "soon"
colour = "red"

[[notify]]
type = "pager"

[[notify]]
type = "ntfy"
rate_limit = { messages = 0, per = "1m" }
`)
      expect(lines).toEqual([
        `F: notify[0].url: expected an http:// or https:// URL, got "ftp://example.com"`,
        `F: notify[0].args: is not a key of a webhook target (it takes url, secret); command targets do`,
        `F: notify[1].colour: unknown key "colour", expected one of: type, name, url, secret, token, command, args, events, services, dedupe, rate_limit, crash_loop, retries, retry_delay, timeout`,
        `F: notify[1].events.0: expected "failed" | "crash_loop" | "health_failing" | "health_recovered" | "memory_max" | "dockless_started" | "dockless_stopped", got "crashloop" (did you mean "crash_loop"?)`,
        `F: notify[1].dedupe: expected a duration like "500ms", "10s", "5m", "1h" or integer milliseconds, got "soon"`,
        `F: notify[1].command: is required for type = "command"`,
        `F: notify[2].type: expected "webhook" | "ntfy" | "command", got "pager"`,
        `F: notify[3].rate_limit.messages: expected an integer from 1 to 10000, got 0`,
        `F: notify[3].url: is required for type = "ntfy"`,
      ])
    }),
  )

  it.scoped("refuses a [notify] table that is not an array of tables", () =>
    Effect.gen(function* () {
      const lines = yield* issuesOf(`[notify]\ntype = "webhook"\n`)
      expect(lines).toEqual([`F: notify: expected [[notify]] tables (an array of tables)`])
    }),
  )
})
