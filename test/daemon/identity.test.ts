// What a service runs as, and what Dockless keeps secret: `user` drops the process to that
// user's uid and gid (Dockless runs as root here), an unknown user fails with the reason, and
// the generated API token is 64 hex characters in a file only root can read.
import { spawnSync } from "node:child_process"
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  BUNDLE,
  freePort,
  launch,
  startDaemon,
  tempDir,
  waitFor,
  waitForView,
  useDaemons,
} from "../support/daemon.ts"

const daemons = useDaemons()

const passwdEntry = (user: string) => {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`))
  const [, , uid, gid] = (line ?? "").split(":")
  return `${uid} ${gid}`
}

describe.runIf(process.getuid?.() === 0)("user", () => {
  it("runs the service as the given user", async () => {
    const d = await startDaemon({
      body: `[services.who]\ncommand = "/bin/sh"\nargs = ["-c", "echo \\"ids $(id -u) $(id -g)\\"; exec sleep 600"]\nuser = "nobody"\n`,
    })
    daemons.track(d)
    await waitForView(d, "who", "running", (v) => v.state === "running")
    const line = await waitFor("the id line", async () => {
      const { lines } = await d.json("GET", "/api/services/who/logs?lines=10")
      return lines.find((l: { text: string }) => l.text.startsWith("ids "))?.text
    })
    expect(line).toBe(`ids ${passwdEntry("nobody")}`)
  })

  it("refuses a config naming a user that does not exist, at check and at start, saying so", () => {
    const dir = tempDir()
    const configPath = join(dir, "config.toml")
    writeFileSync(configPath, `[services.ghost]\ncommand = "/bin/true"\nuser = "no-such-user-here"\n`)
    for (const command of ["check", "run"]) {
      const r = spawnSync(process.execPath, [BUNDLE, command, "--config", configPath], {
        encoding: "utf8",
        timeout: 15_000,
      })
      expect(r.status, command).toBe(2)
      expect(r.stderr).toContain('services.ghost.user: no user named "no-such-user-here" in /etc/passwd')
    }
  })
})

describe("token", () => {
  it("is generated on first start as 64 hex characters, mode 0600, and kept across restarts", async () => {
    const dir = tempDir()
    const port = await freePort()
    const configPath = join(dir, "config.toml")
    writeFileSync(configPath, `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n`)
    const first = await launch(dir, configPath, port)
    daemons.track(first)
    const path = join(dir, "data/token")
    const token = readFileSync(path, "utf8").trim()
    expect(token).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const ok = await fetch(`${first.url}/api/services`, { headers: { authorization: `Bearer ${token}` } })
    expect(ok.status).toBe(200)
    await first.stop()
    const second = await launch(dir, configPath, port)
    daemons.track(second)
    expect(readFileSync(path, "utf8").trim()).toBe(token)
  })
})
