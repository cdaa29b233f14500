// What the host must have for a service (issue 18, point 5): `dockless check` and the API refuse
// a cwd that does not exist, a command that is missing (absolute, relative to the config, or a
// bare name not on PATH) and an unknown user, each with its key path, as they refuse a missing
// env_file; the daemon itself still starts on such a config, and only that service fails.
import { spawnSync } from "node:child_process"
import { chmodSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { cwdProblem, programProblem } from "../../src/config/HostChecks.ts"
import { BUNDLE, FIXTURES, startDaemon, tempDir, useDaemons, waitForView } from "../support/daemon.ts"

const daemons = useDaemons()

describe("programProblem and cwdProblem", () => {
  it("finds a bare name on PATH, and says which PATH when it is not there", () => {
    expect(programProblem("sh", "/usr/bin:/bin")).toBeUndefined()
    expect(programProblem("no-such-program-here", "/usr/bin:/bin")).toBe(
      '"no-such-program-here" was not found on PATH (/usr/bin:/bin): give an absolute path, or install it',
    )
  })

  it("says an absolute program is missing, a directory, or not executable", () => {
    const dir = tempDir()
    const plain = join(dir, "plain")
    writeFileSync(plain, "#!/bin/sh\n")
    chmodSync(plain, 0o644)
    expect(programProblem(`${FIXTURES}/sleeper.sh`, "")).toBeUndefined()
    expect(programProblem(join(dir, "gone"), "")).toBe(`${join(dir, "gone")} does not exist`)
    expect(programProblem(dir, "")).toBe(`${dir} is a directory, not a program`)
    expect(programProblem(plain, "")).toBe(`${plain} is not executable (chmod +x it)`)
  })

  it("says a cwd is missing or not a directory", () => {
    const dir = tempDir()
    writeFileSync(join(dir, "file"), "")
    expect(cwdProblem(dir)).toBeUndefined()
    expect(cwdProblem(join(dir, "srv/hello"))).toBe(`directory ${join(dir, "srv/hello")} does not exist`)
    expect(cwdProblem(join(dir, "file"))).toBe(`${join(dir, "file")} is not a directory`)
  })
})

const checkCli = (configPath: string) =>
  spawnSync(process.execPath, [BUNDLE, "check", "--config", configPath], {
    encoding: "utf8",
    timeout: 15_000,
  })

describe("dockless check", () => {
  it("reports a missing cwd, a missing relative, bare or absolute command and an unknown user, each by its key path", () => {
    const dir = tempDir()
    const configPath = join(dir, "config.toml")
    writeFileSync(
      configPath,
      [
        `[services.nocwd]`,
        `command = "${FIXTURES}/sleeper.sh"`,
        `cwd = "/srv/hello-does-not-exist"`,
        `[services.relative]`,
        `command = "./bin/server"`,
        `[services.bare]`,
        `command = "no-such-program-here"`,
        `[services.absolute]`,
        `command = "/opt/nowhere/server"`,
        `[services.probe]`,
        `command = "sleep"`,
        `health = { exec = ["/opt/nowhere/check"] }`,
        `[services.fine]`,
        `command = "sleep"`,
        `cwd = "."`,
      ].join("\n"),
    )
    const r = checkCli(configPath)
    expect(r.status).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr.trim().split("\n")).toEqual([
      `${configPath}: services.nocwd.cwd: directory /srv/hello-does-not-exist does not exist`,
      `${configPath}: services.relative.command: ${join(dir, "bin/server")} does not exist`,
      `${configPath}: services.bare.command: "no-such-program-here" was not found on PATH (${process.env["PATH"]}): give an absolute path, or install it`,
      `${configPath}: services.absolute.command: /opt/nowhere/server does not exist`,
      `${configPath}: services.probe.health.exec: /opt/nowhere/check does not exist`,
    ])
  })

  it("reports an unknown user by its key path", () => {
    const dir = tempDir()
    const configPath = join(dir, "config.toml")
    writeFileSync(configPath, `[services.ghost]\ncommand = "sleep"\nuser = "no-such-user-here"\n`)
    const r = checkCli(configPath)
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('services.ghost.user: no user named "no-such-user-here"')
  })

  it("answers ok once the cwd and the command exist", () => {
    const dir = tempDir()
    mkdirSync(join(dir, "bin"))
    mkdirSync(join(dir, "srv"))
    writeFileSync(join(dir, "bin/server"), "#!/bin/sh\nexec sleep 600\n", { mode: 0o755 })
    const configPath = join(dir, "config.toml")
    writeFileSync(configPath, `[services.web]\ncommand = "./bin/server"\ncwd = "srv"\n`)
    const r = checkCli(configPath)
    expect(r.stderr).toBe("")
    expect(r.stdout.trim()).toBe("ok")
    expect(r.status).toBe(0)
  })
})

describe("the daemon and the API", () => {
  it("starts on a config whose cwd is missing (only that service fails) and refuses such a registration with 400 naming the key", async () => {
    const d = daemons.track(
      await startDaemon({
        body: `[services.late]\ncommand = "${FIXTURES}/sleeper.sh"\ncwd = "/mnt/not-mounted-yet"\nrestart = "never"\n`,
      }),
    )
    const late = await waitForView(d, "late", "failed", (v) => v.state === "failed")
    expect(late.error).toContain("/mnt/not-mounted-yet")

    const noCwd = await d.api("POST", "/api/services", {
      name: "web",
      command: `${FIXTURES}/sleeper.sh`,
      cwd: "/srv/hello-does-not-exist",
    })
    expect(noCwd.status).toBe(400)
    const body = await noCwd.json()
    expect(body.error).toBe("invalid service: cwd: directory /srv/hello-does-not-exist does not exist")
    expect(body.details).toEqual([
      { path: "cwd", message: "directory /srv/hello-does-not-exist does not exist" },
    ])

    const noCommand = await d.api("POST", "/api/services", { name: "web", command: "no-such-program-here" })
    expect(noCommand.status).toBe(400)
    expect((await noCommand.json()).error).toMatch(
      /^invalid service: command: "no-such-program-here" was not found on PATH/,
    )

    const created = await d.api("POST", "/api/services", {
      name: "web",
      command: `${FIXTURES}/sleeper.sh`,
      autostart: false,
    })
    expect(created.status).toBe(201)
    const replaced = await d.api("PUT", "/api/services/web", {
      command: "/opt/nowhere/server",
      autostart: false,
    })
    expect(replaced.status).toBe(400)
    expect((await replaced.json()).details).toEqual([
      { path: "command", message: "/opt/nowhere/server does not exist" },
    ])
  })
})
