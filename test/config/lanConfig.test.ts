// The [http] and [auth] keys of issue 12: tls, viewer and metrics tokens, session lifetimes.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as path from "node:path"
import { TlsSpec } from "../../src/config/Config.ts"
import { configOf, issuesOf } from "./tempConfig.ts"

describe("config: dashboard on a LAN", () => {
  it.scoped('decodes tls = "self-signed", { cert, key } (against the config dir), and none', () =>
    Effect.gen(function* () {
      expect((yield* configOf(`[http]\ntls = "self-signed"\n`)).http.tls).toEqual(TlsSpec.SelfSigned())
      const files = yield* configOf(`[http]\ntls = { cert = "c.pem", key = "/k.pem" }\n`)
      expect(files.http.tls).toEqual(
        TlsSpec.Files({ cert: path.join(path.dirname(files.file ?? ""), "c.pem"), key: "/k.pem" }),
      )
      expect((yield* configOf("")).http.tls).toEqual(TlsSpec.Plain())
    }),
  )

  it.scoped("refuses another tls value with what it expects", () =>
    Effect.gen(function* () {
      expect(yield* issuesOf(`[http]\ntls = "yes"\n`)).toEqual([
        'F: http.tls: expected "self-signed" or { cert = "path", key = "path" }, got "yes"',
      ])
    }),
  )

  it.scoped("decodes viewer and metrics tokens as Redacted, and session lifetimes", () =>
    Effect.gen(function* () {
      const config = yield* configOf(`
[auth]
viewer_tokens = ["v1", "v2"]
metrics_token = "m"
session_idle = "30m"
session_max_age = "48h"
`)
      expect(config.auth.viewer_tokens.map(Redacted.value)).toEqual(["v1", "v2"])
      expect(String(config.auth.viewer_tokens[0])).not.toContain("v1")
      expect(config.auth.metrics_token && Redacted.value(config.auth.metrics_token)).toBe("m")
      expect(config.auth.session_idle).toBe(30 * 60_000)
      expect(config.auth.session_max_age).toBe(48 * 3_600_000)
    }),
  )

  it.scoped("refuses a value and its file together", () =>
    Effect.gen(function* () {
      expect(yield* issuesOf(`[auth]\nviewer_tokens = ["v"]\nviewer_token_file = "f"\n`)).toEqual([
        "F: auth: set either viewer_tokens or viewer_token_file, not both",
      ])
      expect(yield* issuesOf(`[auth]\nmetrics_token = "m"\nmetrics_token_file = "f"\n`)).toEqual([
        "F: auth: set either metrics_token or metrics_token_file, not both",
      ])
    }),
  )
})
