// The identity keys of a service table (issue 24): decoded as config.toml and the API give them,
// each refusal's sentence with its key path, [defaults] limits merged key by key, and the
// encode → decode round trip services.json and the API's `spec` rely on.
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import {
  decodeServiceSpec,
  defaultLog,
  encodeServiceSpec,
  type DecodeContext,
  type ServiceSpec,
} from "../../src/config/ServiceSpec.ts"

const ctx = (overrides: Partial<DecodeContext> = {}): DecodeContext => ({
  name: "web",
  baseDir: "/etc/dockless",
  defaults: {},
  log: defaultLog,
  pathPrefix: "services.web",
  ...overrides,
})

const decoded = (raw: unknown, c: DecodeContext = ctx()): ServiceSpec => {
  const result = decodeServiceSpec(raw, c)
  if (Either.isLeft(result)) throw new Error(JSON.stringify(result.left))
  return result.right
}

const issues = (raw: unknown) => {
  const result = decodeServiceSpec(raw, ctx())
  if (Either.isRight(result)) throw new Error("expected issues")
  return result.left.map((i) => `${i.path}: ${i.message}`)
}

describe("identity keys", () => {
  it("decodes every key as written", () => {
    const spec = decoded({
      command: "/usr/bin/gpio-daemon",
      user: "pi",
      group: "pi",
      supplementary_groups: ["gpio", 997],
      umask: "0027",
      limits: { nofile: 65536, nproc: "infinity", core: 0, memlock: "64MiB" },
      nice: -5,
      oom_score_adjust: -500,
    })
    expect(spec).toMatchObject({
      user: "pi",
      group: "pi",
      supplementary_groups: ["gpio", 997],
      umask: "0027",
      limits: { nofile: 65536, nproc: "infinity", core: 0, memlock: 64 * 1024 * 1024 },
      nice: -5,
      oom_score_adjust: -500,
    })
  })

  it("leaves them unset by default", () => {
    expect(decoded({ command: "x" })).toMatchObject({
      group: undefined,
      supplementary_groups: [],
      umask: undefined,
      limits: {},
      nice: undefined,
      oom_score_adjust: undefined,
    })
  })

  it("merges [defaults] limits under the service's key by key", () => {
    const spec = decoded(
      { command: "x", limits: { core: 0 } },
      ctx({ defaults: { limits: { nofile: 65536, core: "infinity" } } }),
    )
    expect(spec.limits).toEqual({ nofile: 65536, core: 0 })
  })

  it("round-trips through its encoded table", () => {
    const spec = decoded({
      command: "/bin/x",
      group: 44,
      supplementary_groups: ["video"],
      umask: "022",
      limits: { nofile: 4096, memlock: "infinity" },
      nice: 10,
      oom_score_adjust: 1000,
    })
    const again = decoded(JSON.parse(JSON.stringify(encodeServiceSpec(spec))))
    expect(again).toEqual(spec)
  })

  it.each([
    [
      "nice below -20",
      { nice: -21 },
      "services.web.nice: expected an integer from -20 (most favoured) to 19 (least), got -21",
    ],
    [
      "nice above 19",
      { nice: 20 },
      "services.web.nice: expected an integer from -20 (most favoured) to 19 (least), got 20",
    ],
    [
      "an OOM score adjustment out of range",
      { oom_score_adjust: 1001 },
      "services.web.oom_score_adjust: expected an integer from -1000 (never killed) to 1000, got 1001",
    ],
    [
      "a umask that is not octal",
      { umask: "0999" },
      'services.web.umask: expected an octal umask in a string, like "0027" or "022", got "0999"',
    ],
    [
      "a umask as a number",
      { umask: 23 },
      'services.web.umask: expected an octal umask in a string, like "0027" or "022", got 23',
    ],
    [
      "a limit that is not a number",
      { limits: { nofile: "many" } },
      'services.web.limits.nofile: expected open files: a non-negative integer or "infinity", got "many"',
    ],
    [
      "a negative limit",
      { limits: { nproc: -1 } },
      'services.web.limits.nproc: expected processes of its user: a non-negative integer or "infinity", got -1',
    ],
    [
      "a core size that is not a size",
      { limits: { core: "big" } },
      'services.web.limits.core: expected core file size: a size like "64MiB" or integer bytes, or "infinity", got "big"',
    ],
    [
      "an unknown limit",
      { limits: { nofiles: 10 } },
      'services.web.limits.nofiles: unknown key "nofiles", did you mean "nofile"?',
    ],
    ["an empty group", { group: "" }, 'services.web.group: expected a group name or number, got ""'],
    [
      "a group list that is not a list",
      { supplementary_groups: "gpio" },
      'services.web.supplementary_groups: expected an array of group names or numbers, got "gpio"',
    ],
    [
      "a negative group number in the list",
      { supplementary_groups: ["gpio", -1] },
      "services.web.supplementary_groups.1: expected a group name or number, got -1",
    ],
  ])("refuses %s", (_, raw, message) => {
    expect(issues({ command: "x", ...raw })).toEqual([message])
  })
})
