// systemd/dockless.service: systemd-analyze verify accepts it without a single warning, and the
// settings the stop protocol and readiness rely on are there. verify checks that ExecStart
// exists, so it runs on a copy whose ExecStart points at a stand-in executable in a temp dir.
import { execFile, spawnSync } from "node:child_process"
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const unitPath = join(import.meta.dirname, "../../systemd/dockless.service")
const haveAnalyze = spawnSync("sh", ["-c", "command -v systemd-analyze"]).status === 0
if (!haveAnalyze)
  console.warn("skipping systemd-analyze verify: install it with `apt-get install -y systemd` (CI does)")

/** The unit's [Section] Key=Value settings; a key set twice keeps every value. */
const parseUnit = (text: string): Map<string, Array<string>> => {
  const settings = new Map<string, Array<string>>()
  let section = ""
  for (const raw of text.split("\n")) {
    const line = raw.trim()
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header) section = header[1] ?? ""
    else {
      const eq = line.indexOf("=")
      const key = `${section}.${line.slice(0, eq).trim()}`
      settings.set(key, [...(settings.get(key) ?? []), line.slice(eq + 1).trim()])
    }
  }
  return settings
}

let dir = ""
let unit: Map<string, Array<string>>
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dockless-unit-"))
  unit = parseUnit(await readFile(unitPath, "utf8"))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe("systemd/dockless.service", () => {
  it.skipIf(!haveAnalyze)("passes systemd-analyze verify with no warnings", async () => {
    const stand_in = join(dir, "dockless")
    await writeFile(stand_in, "#!/bin/sh\nexit 0\n")
    await chmod(stand_in, 0o755)
    const text = await readFile(unitPath, "utf8")
    expect(text).toContain("ExecStart=/usr/local/bin/dockless\n")
    const copy = join(dir, "dockless.service")
    await writeFile(copy, text.replace("ExecStart=/usr/local/bin/dockless", `ExecStart=${stand_in}`))
    const { stdout, stderr } = await promisify(execFile)("systemd-analyze", ["verify", "--man=no", copy])
    expect(stdout + stderr).toBe("")
  })

  it.each([
    ["Service.ExecStart", "/usr/local/bin/dockless"],
    ["Service.WorkingDirectory", "/etc/dockless"],
    ["Service.Restart", "always"],
    ["Service.RestartSec", "1s"],
    ["Service.RestartPreventExitStatus", "2"],
    ["Unit.After", "network-online.target"],
    ["Unit.Wants", "network-online.target"],
    ["Install.WantedBy", "multi-user.target"],
    ["Service.Type", "notify"],
    ["Service.NotifyAccess", "main"],
    ["Service.KillMode", "mixed"],
    ["Service.OOMPolicy", "continue"],
    ["Service.LimitNOFILE", "65536"],
  ])("sets %s=%s", (key, value) => {
    expect(unit.get(key)).toEqual([value])
  })

  it("gives dockless more time to stop than the default stop_timeout of a service, several times over", () => {
    const [timeout] = unit.get("Service.TimeoutStopSec") ?? []
    expect(timeout).toMatch(/^\d+s$/)
    expect(Number.parseInt(timeout ?? "0", 10)).toBeGreaterThanOrEqual(6 * 10)
  })

  it("turns on no sandboxing a supervised service would inherit", () => {
    for (const key of [
      "NoNewPrivileges",
      "ProtectSystem",
      "ProtectHome",
      "PrivateTmp",
      "PrivateDevices",
      "ProtectClock",
    ])
      expect(unit.has(`Service.${key}`), key).toBe(false)
  })
})
