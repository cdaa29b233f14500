// The Debian package under a real systemd (test/support/systemdSandbox.ts, with /usr, /var/cache
// and /var/log overlaid too, so apt and dpkg write nothing to this machine): refused beside a
// `dockless install`; `apt install ./dockless_*.deb` → active; a service registered through the
// API; `dockless install` refuses while the package is there; an upgrade to a higher version
// restarts it on the new code with the same desired states and the edited config kept;
// `apt remove` → no Dockless process, config and data kept; `apt purge` → /etc/dockless gone.
// Then once more without init-system-helpers, where the maintainer scripts use plain systemctl.
import { mkdir, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BUNDLE, FIXTURES, ROOT, freePort, tempDir, waitFor } from "../support/daemon.ts"
import { buildBundle, buildDeb, debArch } from "../support/packages.ts"
import {
  packageOverlays,
  skipsLiveSystemd,
  useSystemdSandboxes,
  type SystemdSandbox,
} from "../support/systemdSandbox.ts"
import pkg from "../../package.json" with { type: "json" }

const skip = skipsLiveSystemd("test/systemd/deb.test.ts")

interface View {
  readonly name: string
  readonly state: string
  readonly desired: string
  readonly pid: number | null
}

const next = "99.0.0"

/**
 * The package depends on nodejs (>= 20.19). Where this machine's node did not come from such a
 * Debian package (nvm, a tarball, Debian 12's own 18), the sandbox gets a stand-in `nodejs`
 * package whose /usr/bin/node is the node running these tests, so apt has nothing to fetch.
 */
const ensureNodejsPackage = async (sandbox: SystemdSandbox, work: string) => {
  const version = await sandbox.exec(["dpkg-query", "-W", "-f", "${Version}", "nodejs"])
  const recent =
    version.code === 0 &&
    (await sandbox.exec(["dpkg", "--compare-versions", version.stdout.trim(), "ge", "20.19"])).code === 0
  if (recent) return
  const tree = join(work, "nodejs-standin")
  await mkdir(join(tree, "DEBIAN"), { recursive: true })
  await writeFile(
    join(tree, "DEBIAN/control"),
    "Package: nodejs\nVersion: 20.19.0+dockless.test\nArchitecture: all\nMaintainer: test <test@example.org>\n" +
      "Description: stand-in for the node running the tests\n",
  )
  await sandbox.run(["dpkg-deb", "--build", tree, join(work, "nodejs-standin.deb")])
  await sandbox.run(["dpkg", "-i", join(work, "nodejs-standin.deb")])
  if (process.execPath !== "/usr/bin/node")
    await sandbox.run(["ln", "-sf", process.execPath, "/usr/bin/node"])
}
const sleeper = join(FIXTURES, "sleeper.sh")

describe.skipIf(skip)("the .deb under a real systemd", { timeout: 90_000 }, () => {
  const sandboxes = useSystemdSandboxes()
  const work = tempDir("dockless-deb-live-")
  let sandbox: SystemdSandbox
  let first = ""
  let second = ""
  let port = 0
  let token = ""
  const url = (path: string) => `http://127.0.0.1:${port}${path}`
  const api = (method: string, path: string, body?: unknown) =>
    fetch(url(path), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  const views = async (): Promise<ReadonlyMap<string, View>> => {
    const list: ReadonlyArray<View> = await (await api("GET", "/api/services")).json()
    return new Map(list.map((v) => [v.name, v]))
  }
  const health = async (): Promise<{ version: string; commit: string } | undefined> => {
    const response = await fetch(url("/api/health")).catch(() => undefined)
    return response?.ok === true ? response.json() : undefined
  }
  const apt = (...args: ReadonlyArray<string>) =>
    sandbox.exec(
      [
        "env",
        "DEBIAN_FRONTEND=noninteractive",
        "apt-get",
        "-y",
        "-q",
        "--no-install-recommends",
        // An existing /etc/dockless/config.toml is kept without a question.
        "-o",
        "Dpkg::Options::=--force-confdef",
        "-o",
        "Dpkg::Options::=--force-confold",
        ...args,
      ],
      { timeoutMs: 60_000 },
    )
  const present = async (path: string) => (await sandbox.exec(["test", "-e", path])).code === 0
  const systemctl = async (...args: ReadonlyArray<string>) =>
    (await sandbox.exec(["systemctl", ...args])).stdout.trim()
  const daemons = () => sandbox.processes().filter((p) => p.argv.includes("/usr/lib/dockless/dockless.mjs"))
  const supervised = () => sandbox.processes().filter((p) => p.env.has("DOCKLESS_SERVICE"))

  beforeAll(async () => {
    const dist = await buildBundle(join(work, "dist-next"), next)
    first = await buildDeb(join(ROOT, "dist"), work, pkg.version, debArch)
    second = await buildDeb(dist, work, next, debArch)
    port = await freePort()
    sandbox = await sandboxes.boot(sandboxes.stateDir(), { overlays: packageOverlays })
    await ensureNodejsPackage(sandbox, work)
    // A container image's policy-rc.d (exit 101: start nothing) would keep deb-systemd-invoke from
    // starting the service; a Pi has none. Removed in the sandbox's /usr overlay only.
    await sandbox.run(["rm", "-f", "/usr/sbin/policy-rc.d"])
  }, 90_000)
  afterAll(() => rm(work, { recursive: true, force: true }))

  it("refuses to install beside a `dockless install`, saying how to switch", async () => {
    await sandbox.writeFile(
      "/etc/systemd/system/dockless.service",
      "[Service]\nExecStart=/usr/local/bin/dockless\n",
    )
    const refused = await apt("install", first)
    expect(refused.code).not.toBe(0)
    expect(refused.stdout + refused.stderr).toContain("Run `sudo dockless uninstall` first")
    expect(await present("/usr/bin/dockless")).toBe(false)
    await sandbox.run(["rm", "/etc/systemd/system/dockless.service"])
  })

  it("apt install: enabled and active, the dashboard answers with the package's version", async () => {
    // An existing config (a free port, not 3080) is kept: dpkg takes it as the admin's.
    await sandbox.writeFile(
      "/etc/dockless/config.toml",
      `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n\n[services.conf]\ncommand = "${sleeper}"\n`,
    )
    const installed = await apt("install", first)
    expect(installed.code, installed.stdout + installed.stderr).toBe(0)
    expect(await systemctl("is-enabled", "dockless")).toBe("enabled")
    expect(await systemctl("is-active", "dockless")).toBe("active")
    expect(await health()).toMatchObject({ version: pkg.version })
    expect(await sandbox.run(["stat", "-c", "%a", "/etc/dockless/data"])).toBe("700\n")
    expect(await sandbox.run(["readlink", "/etc/dockless/config.schema.json"])).toBe(
      "/usr/lib/dockless/config.schema.json\n",
    )
    expect((await sandbox.run(["dockless", "--version"])).startsWith(`${pkg.version} (commit `)).toBe(true)
    expect(await present("/usr/share/man/man8/dockless.8.gz")).toBe(true)
    expect(daemons()).toHaveLength(1)
    token = (await sandbox.readFile("/etc/dockless/data/token")).trim()
  })

  it("registered services, and `dockless install` refuses while the package is installed", async () => {
    expect((await api("POST", "/api/services", { name: "api-a", command: sleeper })).status).toBe(201)
    expect((await api("POST", "/api/services", { name: "api-b", command: sleeper })).status).toBe(201)
    await waitFor("api-b to run", async () =>
      (await views()).get("api-b")?.state === "running" ? true : undefined,
    )
    expect((await api("POST", "/api/services/api-b/stop")).status).toBe(202)
    await waitFor("api-b to stop", async () =>
      (await views()).get("api-b")?.state === "stopped" ? true : undefined,
    )

    const refused = await sandbox.exec([process.execPath, BUNDLE, "install"], { cwd: ROOT })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("the Debian package dockless is installed")
    expect(refused.stderr).toContain("sudo apt remove dockless")
  })

  it("an upgrade restarts it on the new version with the same desired states, the edited config kept", async () => {
    const before = await sandbox.show("dockless", "MainPID")
    const edited = `${await sandbox.readFile("/etc/dockless/config.toml")}# edited by hand\n`
    await sandbox.writeFile("/etc/dockless/config.toml", edited)
    const upgraded = await apt("install", second)
    expect(upgraded.code, upgraded.stdout + upgraded.stderr).toBe(0)
    expect(
      await waitFor("the new version to answer", async () =>
        (await health())?.version === next ? true : undefined,
      ),
    ).toBe(true)
    expect((await sandbox.show("dockless", "MainPID")).MainPID).not.toBe(before.MainPID)
    const now = await waitFor("conf and api-a to run again", async () => {
      const current = await views()
      return current.get("conf")?.state === "running" && current.get("api-a")?.state === "running"
        ? current
        : undefined
    })
    expect(now.get("api-b")).toMatchObject({ state: "stopped", desired: "stopped" })
    expect(now.get("api-a")).toMatchObject({ desired: "running" })
    expect(await sandbox.readFile("/etc/dockless/config.toml")).toBe(edited)
    // The package's config.toml did not change, so dpkg kept the edited one without a question.
    expect(upgraded.stdout).not.toContain("Configuration file '/etc/dockless/config.toml'")
    expect(await systemctl("is-enabled", "dockless")).toBe("enabled")
    expect(daemons()).toHaveLength(1)
  })

  it("apt remove stops every Dockless process and keeps config and data", async () => {
    const removed = await apt("remove", "dockless")
    expect(removed.code, removed.stdout + removed.stderr).toBe(0)
    expect(await systemctl("is-active", "dockless")).not.toBe("active")
    expect(daemons()).toEqual([])
    expect(supervised()).toEqual([])
    expect(await present("/usr/bin/dockless")).toBe(false)
    expect(await present("/etc/dockless/config.toml")).toBe(true)
    expect(await sandbox.readFile("/etc/dockless/data/services.json")).toContain("api-a")
  })

  it("apt purge removes /etc/dockless", async () => {
    const purged = await apt("purge", "dockless")
    expect(purged.code, purged.stdout + purged.stderr).toBe(0)
    expect(await present("/etc/dockless")).toBe(false)
    expect((await sandbox.exec(["dpkg", "-s", "dockless"])).code).not.toBe(0)
    expect(await systemctl("list-units", "--failed", "--no-legend", "--plain")).not.toContain("dockless")
  })

  it("without deb-systemd-helper and deb-systemd-invoke, plain systemctl enables and starts it, stops it, and purge forgets it", async () => {
    // A system without init-system-helpers: both moved aside (in the sandbox's /usr overlay only),
    // so the maintainer scripts take their plain-systemctl branches.
    for (const helper of ["deb-systemd-helper", "deb-systemd-invoke"])
      await sandbox.run([
        "dpkg-divert",
        "--local",
        "--rename",
        "--divert",
        `/usr/bin/${helper}.hidden`,
        "--add",
        `/usr/bin/${helper}`,
      ])
    expect(
      (await sandbox.exec(["sh", "-c", "command -v deb-systemd-helper deb-systemd-invoke"])).stdout,
    ).toBe("")
    const wants = "/etc/systemd/system/multi-user.target.wants/dockless.service"
    await sandbox.writeFile(
      "/etc/dockless/config.toml",
      `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n`,
    )
    const installed = await apt("install", first)
    expect(installed.code, installed.stdout + installed.stderr).toBe(0)
    expect(await systemctl("is-enabled", "dockless")).toBe("enabled")
    expect(await systemctl("is-active", "dockless")).toBe("active")
    expect(await present(wants)).toBe(true)
    expect(await waitFor("the dashboard to answer", health)).toMatchObject({ version: pkg.version })
    expect(daemons()).toHaveLength(1)

    const removed = await apt("remove", "dockless")
    expect(removed.code, removed.stdout + removed.stderr).toBe(0)
    expect(await systemctl("is-active", "dockless")).not.toBe("active")
    expect(daemons()).toEqual([])
    expect(await present("/etc/dockless/config.toml")).toBe(true)

    const purged = await apt("purge", "dockless")
    expect(purged.code, purged.stdout + purged.stderr).toBe(0)
    expect(await present(wants)).toBe(false)
    expect(await present("/etc/dockless")).toBe(false)
  })
})
