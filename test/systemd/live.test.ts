// Dockless under a real systemd (PID 1 of a sandbox on this machine, test/support/systemdSandbox.ts),
// as a user runs it: `dockless install` → active, dashboard up, READY=1 from the main pid; kill -9
// → systemd restarts it with the same services, one process each; `systemctl restart` keeps what
// a person stopped; `systemctl reload` applies a changed config.toml and keeps the other processes; installing a new build restarts it on that build; a reboot of the same disk
// brings everything back; `systemctl stop` leaves no process; an invalid config fails the unit with
// the reason in its journal; uninstall leaves no failed unit, a new install picks up config and
// data; `uninstall --purge` leaves nothing. One sandbox (one disk) for the whole file, booted
// twice: the steps build on each other.
import { existsSync } from "node:fs"
import { appendFile, cp, readFile } from "node:fs/promises"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { layout } from "../../src/cli/install/Layout.ts"
import { systemdPath } from "../../src/cli/install/NodeOnPath.ts"
import { BUNDLE, FIXTURES, ROOT, freePort, waitFor } from "../support/daemon.ts"
import { skipsLiveSystemd, useSystemdSandboxes, type SystemdSandbox } from "../support/systemdSandbox.ts"
import { notPackage } from "../support/packages.ts"

const skip = skipsLiveSystemd("test/systemd/live.test.ts")

interface View {
  readonly name: string
  readonly source: string
  readonly state: string
  readonly desired: string
  readonly pid: number | null
}

const sleeper = join(FIXTURES, "sleeper.sh")

// Booting, installing and restarting a real service under load take seconds each: room for a slow CI.
describe.skipIf(skip)("dockless under a real systemd", { timeout: 60_000 }, () => {
  const sandboxes = useSystemdSandboxes()
  let stateDir = ""
  let sandbox: SystemdSandbox
  let port = 0
  let token = ""
  const url = () => `http://127.0.0.1:${port}`
  const configToml = () =>
    [
      `listen_port = ${port}`,
      `listen_host = "127.0.0.1"`,
      `data_dir = "data"`,
      ``,
      `[services.conf]`,
      `command = "${sleeper}"`,
      ``,
    ].join("\n")

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${url()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })

  const views = async (): Promise<ReadonlyMap<string, View>> => {
    const response = await api("GET", "/api/services")
    if (!response.ok) throw new Error(`GET /api/services answered ${response.status}`)
    const list: ReadonlyArray<View> = await response.json()
    return new Map(list.map((v) => [v.name, v]))
  }

  /** The processes inside the sandbox that Dockless started for `name`. */
  const instances = (name: string) =>
    sandbox.processes().filter((p) => p.env.get("DOCKLESS_SERVICE") === name)
  /** Running Dockless daemons inside the sandbox. */
  const daemons = () => sandbox.processes().filter((p) => p.argv.includes(layout.bundle))
  /** `journalctl -u dockless` once `ok` holds of it: journald takes a unit's output asynchronously. */
  const journalWhen = (what: string, ok: (log: string) => boolean) =>
    waitFor(`the journal of dockless.service to show ${what}`, async () => {
      const log = await sandbox.run(["journalctl", "-u", "dockless", "--no-pager", "-o", "cat"])
      return ok(log) ? log : undefined
    })
  const count = (log: string, text: string) => log.split(text).length - 1
  const present = async (path: string) => (await sandbox.exec(["test", "-e", path])).code === 0
  const systemctl = async (...args: ReadonlyArray<string>) =>
    (await sandbox.exec(["systemctl", ...args])).stdout.trim()

  /**
   * Waits until conf and api-a run and api-b is stopped as a person left it (READY=1 is sent once
   * the API listens; services start after), then checks each running one has exactly the one
   * process its view names, and that one Dockless runs.
   */
  const servicesBack = async (): Promise<ReadonlyMap<string, View>> => {
    const current = await waitFor("conf and api-a to run", async () => {
      const now = await views()
      return now.get("conf")?.state === "running" && now.get("api-a")?.state === "running" ? now : undefined
    })
    expect(current.get("conf")).toMatchObject({ source: "config", state: "running", desired: "running" })
    expect(current.get("api-a")).toMatchObject({ source: "api", state: "running", desired: "running" })
    expect(current.get("api-b")).toMatchObject({ source: "api", state: "stopped", desired: "stopped" })
    for (const name of ["conf", "api-a"])
      expect(
        instances(name).map((p) => p.pid),
        name,
      ).toEqual([current.get(name)?.pid])
    expect(instances("api-b")).toEqual([])
    expect(daemons()).toHaveLength(1)
    return current
  }

  beforeAll(async () => {
    port = await freePort()
    stateDir = sandboxes.stateDir()
    sandbox = await sandboxes.boot(stateDir)
    // An existing config is kept by install: this one listens on a free port, not 3080.
    await sandbox.writeFile(layout.config, configToml())
    // install refuses when systemd's PATH has no node; link the one running the tests, as its message says.
    if (!systemdPath.some((dir) => existsSync(join(dir, "node"))))
      await sandbox.run(["ln", "-s", process.execPath, "/usr/local/bin/node"])
  }, 60_000)

  it("install enables and starts the unit, which is ready (Type=notify) only once the dashboard answers", async () => {
    const installed = await sandbox.exec([process.execPath, BUNDLE, "install"], {
      cwd: ROOT,
      timeoutMs: 45_000,
    })
    expect(installed.code, installed.stdout + installed.stderr).toBe(0)
    expect(installed.stdout).toContain(`install: kept ${layout.config}`)
    expect(installed.stdout).toContain("install: ran systemctl enable --now dockless.service\n")

    // `enable --now` returned, so systemd got READY=1: the dashboard must answer right away.
    expect((await fetch(`${url()}/api/health`)).status).toBe(200)
    const page = await fetch(`${url()}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain("<html")
    expect(await systemctl("is-active", "dockless")).toBe("active")
    expect(await systemctl("is-enabled", "dockless")).toBe("enabled")
    const unit = await sandbox.show("dockless", "Type", "NotifyAccess", "SubState", "MainPID", "NRestarts")
    expect(unit).toMatchObject({ Type: "notify", NotifyAccess: "main", SubState: "running", NRestarts: "0" })
    // The main pid is node running the bundle (the launcher execs it), and it is what notified.
    expect(daemons().map((p) => p.pid)).toEqual([Number(unit.MainPID)])
    const log = await journalWhen(
      "dockless ready and started",
      (l) => l.includes("Started dockless.service") && count(l, " ready: ") === 1,
    )
    expect(log).not.toContain("reception only permitted for main PID")
    expect(log).not.toContain("could not tell systemd")

    token = (await sandbox.readFile(join(layout.dataDir, "token"))).trim()
    expect(token).toMatch(/^[0-9a-f]{64}$/)
    // The launcher on PATH finds the installed daemon through /etc/dockless/config.toml.
    await waitFor("dockless status to show conf running", async () =>
      /^conf\s+running/m.test(await sandbox.run(["dockless", "status"])) ? true : undefined,
    )
  })

  it("kill -9 of dockless: systemd restarts it, with the same services, one process each", async () => {
    for (const name of ["api-a", "api-b"]) {
      const created = await api("POST", "/api/services", { name, command: sleeper })
      expect(created.status, await created.text()).toBe(201)
    }
    await waitFor("every service to run", async () => {
      const current = await views()
      return ["conf", "api-a", "api-b"].every((n) => current.get(n)?.state === "running") ? true : undefined
    })
    expect((await api("POST", "/api/services/api-b/stop")).status).toBe(202)
    const before = await waitFor("api-b to stop", async () => {
      const current = await views()
      return current.get("api-b")?.state === "stopped" ? current : undefined
    })
    const { MainPID: killed } = await sandbox.show("dockless", "MainPID")

    await sandbox.run(["kill", "-9", killed ?? ""])
    const restarted = await waitFor(
      "systemd to restart dockless",
      async () => {
        const unit = await sandbox.show("dockless", "MainPID", "SubState", "NRestarts")
        return unit.SubState === "running" && unit.MainPID !== killed ? unit : undefined
      },
      15_000,
    )
    expect(restarted.NRestarts).toBe("1")
    expect(daemons().map((p) => p.pid)).toEqual([Number(restarted.MainPID)])
    const after = await servicesBack()
    for (const name of ["conf", "api-a"]) expect(after.get(name)?.pid).not.toBe(before.get(name)?.pid)
    // KillMode=mixed: systemd itself killed the old services with the crashed dockless, so the new
    // one found no leftovers of its own to reap.
    const log = await journalWhen(
      "the crash and the second start",
      (l) =>
        l.includes("dockless.service: Main process exited, code=killed, status=9/KILL") &&
        count(l, " ready: ") === 2,
    )
    expect(log).not.toContain("leftover process group")
  })

  it("systemctl restart keeps what a person stopped", async () => {
    const before = await views()
    await sandbox.run(["systemctl", "restart", "dockless"])
    const after = await servicesBack()
    for (const name of ["conf", "api-a"]) expect(after.get(name)?.pid).not.toBe(before.get(name)?.pid)
  })

  it("systemctl reload dockless reads config.toml again: a new service starts, the others keep their process", async () => {
    const before = await servicesBack()
    const { MainPID: main } = await sandbox.show("dockless", "MainPID")
    await sandbox.writeFile(layout.config, `${configToml()}\n[services.added]\ncommand = "${sleeper}"\n`)
    await sandbox.run(["systemctl", "reload", "dockless"])
    const added = await waitFor("the added service to run", async () => {
      const now = await views()
      return now.get("added")?.state === "running" ? now : undefined
    })
    for (const name of ["conf", "api-a"]) expect(added.get(name)?.pid).toBe(before.get(name)?.pid)
    expect((await sandbox.show("dockless", "MainPID")).MainPID).toBe(main)
    await journalWhen("the reload", (l) => l.includes("reloaded /etc/dockless/config.toml: added 1"))
    // Back to the config the later steps expect.
    await sandbox.writeFile(layout.config, configToml())
    await sandbox.run(["systemctl", "reload", "dockless"])
    await waitFor("the added service to be gone", async () =>
      (await views()).has("added") ? undefined : true,
    )
  })

  it("installing a new build restarts dockless on it, with the same services", async () => {
    const { MainPID: running } = await sandbox.show("dockless", "MainPID")
    // The same build with one byte more stands in for a new release.
    const release = sandboxes.hostDir()
    await cp(join(ROOT, "dist"), release, { recursive: true, filter: notPackage })
    await appendFile(join(release, "dockless.mjs"), "\n")
    const upgraded = await sandbox.run([process.execPath, join(release, "dockless.mjs"), "install"], {
      timeoutMs: 45_000,
    })
    expect(upgraded).toContain(`install: wrote ${layout.bundle}\n`)
    expect(upgraded).toContain("install: ran systemctl try-restart dockless.service\n")
    const unit = await sandbox.show("dockless", "MainPID", "SubState")
    expect(unit.SubState).toBe("running")
    expect(unit.MainPID).not.toBe(running)
    expect(await sandbox.readFile(layout.bundle)).toBe(await readFile(join(release, "dockless.mjs"), "utf8"))
    await servicesBack()
  })

  it("after a reboot of the same disk dockless starts at boot, with every service and desired state back", async () => {
    // Dockless runs at poweroff: systemd stops it, and everything else, within the deadline.
    expect(await sandbox.poweroff()).toBe("powered off")
    sandbox = await sandboxes.boot(stateDir)
    // is-system-running --wait returned, so the boot's jobs (dockless included) are done.
    expect(await systemctl("is-active", "dockless")).toBe("active")
    expect((await sandbox.readFile(join(layout.dataDir, "token"))).trim()).toBe(token)
    await servicesBack()
  })

  it("systemctl stop: dockless stops its services and exits cleanly, leaving no process", async () => {
    const journal = await journalWhen("the last start", (l) => l.includes("Started dockless.service"))
    const stops = count(journal, "Stopped dockless.service")
    await sandbox.run(["systemctl", "stop", "dockless"])
    expect(await systemctl("is-active", "dockless")).toBe("inactive")
    // success: dockless exited by itself within TimeoutStopSec, with status 0
    expect(await sandbox.show("dockless", "Result", "ExecMainStatus")).toMatchObject({
      Result: "success",
      ExecMainStatus: "0",
    })
    expect(sandbox.processes().filter((p) => p.env.has("DOCKLESS_SERVICE"))).toEqual([])
    expect(daemons()).toEqual([])
    await expect(fetch(`${url()}/api/health`)).rejects.toThrow()
    // KillMode=mixed: SIGTERM went to dockless alone, which stopped every service before exiting,
    // so systemd found nothing left in the cgroup to kill.
    const log = await journalWhen("the stop", (l) => count(l, "Stopped dockless.service") === stops + 1)
    expect(count(log, "Killing process")).toBe(count(journal, "Killing process"))
  })

  it("an invalid config.toml fails the unit without restarts, and journalctl -u dockless says why", async () => {
    const { NRestarts: restarts } = await sandbox.show("dockless", "NRestarts")
    await sandbox.writeFile(
      layout.config,
      configToml().replace(`listen_port = ${port}`, "listen_port = 70000"),
    )
    const check = await sandbox.exec([layout.launcher, "check", "--config", layout.config])
    expect(check.code).toBe(2)
    const problems = check.stderr.trim().split("\n")
    expect(problems.join("\n")).toContain("listen_port")

    const restart = await sandbox.exec(["systemctl", "restart", "dockless"])
    expect(restart.code).not.toBe(0)
    // RestartPreventExitStatus=2: failed for good, not auto-restart.
    expect(
      await sandbox.show("dockless", "ActiveState", "SubState", "Result", "ExecMainStatus", "NRestarts"),
    ).toEqual({
      ActiveState: "failed",
      SubState: "failed",
      Result: "exit-code",
      ExecMainStatus: "2",
      NRestarts: restarts,
    })
    await journalWhen("every problem dockless check lists", (l) => problems.every((p) => l.includes(p)))
  })

  it("uninstall of a failed dockless leaves no failed unit behind; install again brings every service back", async () => {
    const removed = await sandbox.exec([layout.launcher, "uninstall"])
    expect(removed.code, removed.stdout + removed.stderr).toBe(0)
    expect(removed.stdout).toContain("uninstall: ran systemctl reset-failed dockless.service\n")
    expect(await systemctl("list-units", "--all", "--failed", "--plain", "--no-legend")).not.toContain(
      "dockless",
    )
    expect(await systemctl("is-failed", "dockless")).not.toBe("failed")
    for (const path of [layout.unit, layout.launcher, layout.libDir])
      expect(await present(path), path).toBe(false)

    // config.toml and the data dir stayed: with the config fixed, a new install picks up where it was.
    await sandbox.writeFile(layout.config, configToml())
    await sandbox.run([process.execPath, BUNDLE, "install"], { cwd: ROOT, timeoutMs: 45_000 })
    expect(await systemctl("is-active", "dockless")).toBe("active")
    await servicesBack()
  })

  it("uninstall --purge stops dockless and its services and removes every trace", async () => {
    const removed = await sandbox.exec([layout.launcher, "uninstall", "--purge"])
    expect(removed.code, removed.stdout + removed.stderr).toBe(0)
    expect(removed.stdout).toContain("uninstall: ran systemctl disable --now dockless.service\n")
    expect(removed.stdout).not.toContain("reset-failed")
    expect(await systemctl("is-active", "dockless")).toBe("inactive")
    expect((await sandbox.exec(["systemctl", "cat", "dockless"])).code).not.toBe(0)
    expect(sandbox.processes().filter((p) => p.env.has("DOCKLESS_SERVICE"))).toEqual([])
    expect(daemons()).toEqual([])
    await expect(fetch(`${url()}/api/health`)).rejects.toThrow()
    for (const path of [
      layout.unit,
      layout.launcher,
      layout.libDir,
      layout.configDir,
      "/etc/systemd/system/multi-user.target.wants/dockless.service",
    ])
      expect(await present(path), path).toBe(false)
  })
})
