// `dockless export toml NAME` (issue 18): a service registered through the API comes out as a
// config.toml table that `dockless check` accepts and that decodes to the same spec, so moving
// it into the file is one command. Secret values are not printed (the API never shows them).
import { spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { loadConfig } from "../../src/config/ConfigFile.ts"
import { encodeServiceSpec } from "../../src/config/ServiceSpec.ts"
import { serviceToml } from "../../src/config/TomlTable.ts"
import { BUNDLE, FIXTURES, startDaemon, tempDir, useDaemons, waitForView } from "../support/daemon.ts"

const daemons = useDaemons()

const cli = (args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [BUNDLE, ...args], { encoding: "utf8", timeout: 15_000 })

describe("dockless export toml", () => {
  it("prints a registered service's table, which check accepts and which decodes to the same spec", async () => {
    const d = daemons.track(await startDaemon())
    const dir = tempDir()
    // Port 31977 is below Linux's ephemeral range (32768–60999), where freePort() finds the
    // daemon's listen_port: the two once met in CI, and the registration was refused as a clash.
    const spec = {
      name: "web.v2",
      command: `${FIXTURES}/sleeper.sh`,
      args: ["--greeting", 'say "hi"\tthere', "ünïcode"],
      cwd: dir,
      env: { GREETING: "hello", "dotted.key": "x", API_KEY: "s3cret" },
      secret_env: ["API_KEY"],
      restart: "always",
      backoff: { initial: "250ms", max: "5s", factor: 1.5, jitter: 0, reset_after: "1m" },
      intensity: { max_restarts: 3, period: "30s" },
      stop_signal: "SIGINT",
      stop_timeout: "2s",
      ports: [31977],
      memory_max: "64MiB",
      health: { tcp: 31977, interval: "5s", timeout: "1s", retries: 2, start_period: "1s" },
      log: { max_bytes: "1MiB", keep: 2 },
      autostart: false,
    }
    expect((await d.api("POST", "/api/services", spec)).status).toBe(201)
    const view = await waitForView(d, "web.v2", "registered", (v) => v.state === "stopped")

    const exported = cli(["export", "toml", "web.v2", "--config", d.configPath])
    expect(exported.stderr).toBe("")
    expect(exported.status).toBe(0)
    expect(exported.stdout).toContain(`[services."web.v2"]\n`)
    expect(exported.stdout).toContain(`[services."web.v2".env]\n`)
    expect(exported.stdout).not.toContain("s3cret")
    expect(exported.stdout).toContain('# API_KEY = "…"   # secret')

    const configPath = join(tempDir(), "config.toml")
    writeFileSync(configPath, exported.stdout)
    const checked = cli(["check", "--config", configPath])
    expect(checked.stderr).toBe("")
    expect(checked.stdout.trim()).toBe("ok")

    const config = await Effect.runPromise(loadConfig(configPath))
    const [decoded] = config.services
    expect(decoded).toBeDefined()
    if (decoded === undefined) return
    // The same spec but the secret, which the file leaves for the person to write in.
    const { API_KEY: _secret, ...publicEnv } = view.spec.env
    expect(encodeServiceSpec(decoded)).toEqual({ ...view.spec, env: publicEnv })
  })

  it("exits 3 for an unknown service and 2 for an unknown kind", async () => {
    const d = daemons.track(await startDaemon())
    expect(cli(["export", "toml", "nope", "--config", d.configPath]).status).toBe(3)
    const kind = cli(["export", "yaml", "nope", "--config", d.configPath])
    expect(kind.status).toBe(2)
    expect(kind.stderr).toContain("export takes one of: toml")
  })

  it("writes keys TOML must quote, empty tables and odd characters as valid TOML", () => {
    expect(serviceToml("a", { command: "x", env: {}, args: ["\u007f"], log: {} })).toBe(
      '[services.a]\ncommand = "x"\nargs = ["\\u007F"]\nlog = {}',
    )
  })
})
