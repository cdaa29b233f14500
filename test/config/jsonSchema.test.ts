// The JSON Schema of config.toml against the daemon, with a real Taplo (@taplo/cli): the shipped
// configs pass it, and configs the daemon refuses (every kind: wrong type, unknown key, bad
// duration, bad enum and more) are refused by it too, while what the daemon accepts it accepts.
// Checks that span services (ports, cycles) are the daemon's alone and are not listed here.
import { Effect, Either } from "effect"
import { execFile, execFileSync } from "node:child_process"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { configJsonSchema } from "../../src/config/ConfigJsonSchema.ts"
import { loadConfig } from "../../src/config/ConfigFile.ts"
import { BUNDLE, ROOT } from "../support/daemon.ts"

const TAPLO = join(ROOT, "node_modules/@taplo/cli/dist/cli.js")

/**
 * Runs one Taplo over all files (it takes seconds to start) and gives the set of files it found
 * invalid, after checking from its log that it read every one of them.
 */
const taploRefuses = (files: ReadonlyArray<string>): Promise<ReadonlySet<string>> =>
  new Promise((done, fail) => {
    execFile(process.execPath, [TAPLO, "check", "--colors", "never", ...files], (_, stdout, stderr) => {
      const log = `${stdout}${stderr}`
      const found = /found files total=(\d+)/.exec(log)?.[1]
      if (found !== String(files.length)) return fail(new Error(`taplo did not check every file:\n${log}`))
      done(new Set([...log.matchAll(/invalid file .*path="([^"]+)"/g)].map((m) => m[1] ?? "")))
    })
  })

const daemonRefuses = (file: string) => Effect.runPromise(Effect.either(loadConfig(file))).then(Either.isLeft)

const refused: ReadonlyArray<readonly [string, string]> = [
  ["wrong type", `listen_port = "x"`],
  ["unknown key", `listen_prot = 1`],
  ["unknown service key", `[services.a]\ncommand = "x"\nrestrat = "always"`],
  ["bad duration", `[services.a]\ncommand = "x"\nstop_timeout = "soon"`],
  ["duration without unit", `[services.a]\ncommand = "x"\nstop_timeout = "10"`],
  ["zero interval", `[services.a]\ncommand = "x"\nhealth = { tcp = 80, interval = "0s" }`],
  ["bad enum", `[services.a]\ncommand = "x"\nrestart = "sometimes"`],
  [
    "bad strategy",
    `[services.a]\ncommand = "x"\n[supervisors.g]\nstrategy = "one_for_some"\nchildren = ["a"]`,
  ],
  ["bad size", `[log]\nmax_bytes = "10mb"`],
  ["empty size", `[services.a]\ncommand = "x"\nmemory_max = "0B"`],
  ["port out of range", `[services.a]\ncommand = "x"\nports = [70000]`],
  ["port listed twice", `[services.a]\ncommand = "x"\nports = [80, 80]`],
  ["bad signal", `[services.a]\ncommand = "x"\nstop_signal = "KILL9"`],
  ["bad service name", `[services."my api"]\ncommand = "x"`],
  ["bad env name", `[services.a]\ncommand = "x"\nenv = { "A=B" = "1" }`],
  ["missing command", `[services.a]\nargs = ["x"]`],
  ["two health kinds", `[services.a]\ncommand = "x"\nhealth = { tcp = 80, http = "http://a/" }`],
  ["health url not http", `[services.a]\ncommand = "x"\nhealth = { http = "ftp://a/" }`],
  ["token and token_file", `[auth]\ntoken = "a"\ntoken_file = "b"`],
  ["empty group", `[supervisors.g]\nchildren = []`],
  ["a date for a table", `[services.a]\ncommand = "x"\nbackoff = 1979-05-27`],
  ["two ready kinds", `[services.a]\ncommand = "x"\nready = { port = 80, log = "up" }`],
  ["a zero watchdog", `[services.a]\ncommand = "x"\nwatchdog = "0s"`],
]

const accepted: ReadonlyArray<readonly [string, string]> = [
  [
    "decimal and padded durations",
    `[services.a]\ncommand = "x"\nstop_timeout = "1.5s"\nbackoff = { initial = " 250ms " }`,
  ],
  ["integer milliseconds and bytes", `[services.a]\ncommand = "x"\nstop_timeout = 1500\nmemory_max = 4096`],
  ["a signal in any case, without SIG", `[services.a]\ncommand = "x"\nstop_signal = "term"`],
  ["ready = notify with a watchdog", `[services.a]\ncommand = "x"\nready = "notify"\nwatchdog = "30s"`],
  ["sizes with spaces and decimals", `[log]\nmax_bytes = "1.5 KiB"`],
  ["a command from [defaults]", `[defaults]\ncommand = "x"\n[services.a]\n[services.b]\nargs = ["1"]`],
  [
    "an auto port and an exec check",
    `[services.a]\ncommand = "x"\nport = "auto"\nhealth = { exec = ["./ok"] }`,
  ],
  [
    "a group with its own backoff",
    `[services.a]\ncommand = "x"\n[supervisors.g]\nchildren = ["a"]\nbackoff = { max = "5s" }`,
  ],
  ["upper-case http scheme", `[services.a]\ncommand = "x"\nhealth = { http = "HTTP://127.0.0.1:8080/" }`],
  [
    "each ready kind with a start_timeout",
    `[services.a]\ncommand = "x"\nready = { log = "^up" }\nstart_timeout = "30s"\n[services.b]\ncommand = "x"\nready = { port = 80 }\n[services.c]\ncommand = "x"\nready = { http = "http://127.0.0.1/up" }`,
  ],
]

let dir = ""
const verdicts = new Map<string, { taplo: boolean; daemon: boolean }>()

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dockless-jsonschema-"))
  await writeFile(join(dir, "config.schema.json"), JSON.stringify(configJsonSchema(), null, 2))
  const files = await Promise.all(
    [...refused, ...accepted].map(async ([name, body], i) => {
      const file = join(dir, `case-${i}.toml`)
      await writeFile(file, `#:schema ./config.schema.json\n${body}\n`)
      return [name, file] as const
    }),
  )
  const byTaplo = await taploRefuses(files.map(([, file]) => file))
  for (const [name, file] of files)
    verdicts.set(name, { taplo: byTaplo.has(file), daemon: await daemonRefuses(file) })
}, 120_000)

afterAll(() => rm(dir, { recursive: true, force: true }))

describe("the JSON Schema of config.toml", () => {
  it.each(refused.map(([name]) => [name]))("refuses what the daemon refuses: %s", (name) => {
    expect(verdicts.get(name)).toEqual({ taplo: true, daemon: true })
  })

  it.each(accepted.map(([name]) => [name]))("accepts what the daemon accepts: %s", (name) => {
    expect(verdicts.get(name)).toEqual({ taplo: false, daemon: false })
  })

  it("is the one committed beside the examples and the one the build ships", async () => {
    const fresh = configJsonSchema()
    expect(JSON.parse(await readFile(join(ROOT, "examples/config.schema.json"), "utf8"))).toEqual(fresh)
    expect(JSON.parse(await readFile(join(ROOT, "dist/config.schema.json"), "utf8"))).toEqual(fresh)
    expect(
      JSON.parse(execFileSync(process.execPath, [BUNDLE, "schema", "config"], { encoding: "utf8" })),
    ).toEqual(fresh)
  })
})

describe("the shipped configs", () => {
  it("start with the #:schema line and pass Taplo: examples/config.toml and the installed default", async () => {
    const root = join(dir, "root")
    execFileSync(process.execPath, [BUNDLE, "install", "--root", root], { encoding: "utf8" })
    const installed = join(root, "etc/dockless/config.toml")
    const example = join(ROOT, "examples/config.toml")
    for (const file of [installed, example])
      expect((await readFile(file, "utf8")).split("\n")[0]).toBe("#:schema ./config.schema.json")
    expect(await taploRefuses([installed, example])).toEqual(new Set())
    expect(await daemonRefuses(installed)).toBe(false)
    expect(await daemonRefuses(example)).toBe(false)
  }, 120_000)
})
