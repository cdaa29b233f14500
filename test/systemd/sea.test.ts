// The single executable under a real systemd with no Node on the host (node removed inside the
// sandbox's /usr overlay): `dockless-linux-x64 install` → /usr/local/bin/dockless, active; a
// service registered through the API; installing a higher version's file restarts it on that
// file with the same desired states and the edited config kept; `dockless uninstall` → no Dockless
// process, config and data kept; `uninstall --purge` → /etc/dockless gone.
import { rm } from "node:fs/promises"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { FIXTURES, ROOT, freePort, tempDir, waitFor } from "../support/daemon.ts"
import { buildBundle, buildSea } from "../support/packages.ts"
import {
  packageOverlays,
  skipsLiveSystemd,
  useSystemdSandboxes,
  type SystemdSandbox,
} from "../support/systemdSandbox.ts"
import pkg from "../../package.json" with { type: "json" }

const skip = skipsLiveSystemd("test/systemd/sea.test.ts") || process.arch !== "x64"

interface View {
  readonly name: string
  readonly state: string
  readonly desired: string
}

const next = "99.0.0"
const sleeper = join(FIXTURES, "sleeper.sh")

describe.skipIf(skip)("the single executable under a real systemd", { timeout: 90_000 }, () => {
  const sandboxes = useSystemdSandboxes()
  const work = tempDir("dockless-sea-live-")
  const first = join(work, "first/dockless-linux-x64")
  const second = join(work, "second/dockless-linux-x64")
  let sandbox: SystemdSandbox
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
  const health = async (): Promise<{ version: string } | undefined> => {
    const response = await fetch(url("/api/health")).catch(() => undefined)
    return response?.ok === true ? response.json() : undefined
  }
  const present = async (path: string) => (await sandbox.exec(["test", "-e", path])).code === 0
  const systemctl = async (...args: ReadonlyArray<string>) =>
    (await sandbox.exec(["systemctl", ...args])).stdout.trim()
  const daemons = () => sandbox.processes().filter((p) => p.argv[0] === "/usr/local/bin/dockless")
  const supervised = () => sandbox.processes().filter((p) => p.env.has("DOCKLESS_SERVICE"))

  beforeAll(async () => {
    await buildSea(join(ROOT, "dist"), join(work, "first"), ["x64"])
    await buildSea(await buildBundle(join(work, "dist-next"), next), join(work, "second"), ["x64"])
    port = await freePort()
    sandbox = await sandboxes.boot(sandboxes.stateDir(), { overlays: packageOverlays })
    // No Node on this host: the executable carries its own.
    await sandbox.run(["sh", "-c", "rm -f /usr/bin/node /usr/bin/nodejs /usr/local/bin/node"])
    await sandbox.writeFile(
      "/etc/dockless/config.toml",
      `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n\n[services.conf]\ncommand = "${sleeper}"\n`,
    )
  }, 90_000)
  afterAll(() => rm(work, { recursive: true, force: true }))

  it("installs itself as /usr/local/bin/dockless, enabled and active, with no node on the host", async () => {
    expect((await sandbox.exec(["sh", "-c", "command -v node"])).code).not.toBe(0)
    const installed = await sandbox.exec([first, "install"], { timeoutMs: 45_000 })
    expect(installed.code, installed.stdout + installed.stderr).toBe(0)
    expect(installed.stdout).toContain("install: wrote /usr/local/bin/dockless\n")
    expect(installed.stdout).toContain(
      "install: wrote /usr/local/lib/dockless/sd-notify/linux-x64/sd_notify.node\n",
    )
    expect(await systemctl("is-enabled", "dockless")).toBe("enabled")
    expect(await systemctl("is-active", "dockless")).toBe("active")
    expect(await health()).toMatchObject({ version: pkg.version })
    expect(daemons()).toHaveLength(1)
    token = (await sandbox.readFile("/etc/dockless/data/token")).trim()
    expect((await api("POST", "/api/services", { name: "api-a", command: sleeper })).status).toBe(201)
    expect((await api("POST", "/api/services", { name: "api-b", command: sleeper })).status).toBe(201)
    await waitFor("api-b to run", async () =>
      (await views()).get("api-b")?.state === "running" ? true : undefined,
    )
    expect((await api("POST", "/api/services/api-b/stop")).status).toBe(202)
    await waitFor("api-b to stop", async () =>
      (await views()).get("api-b")?.state === "stopped" ? true : undefined,
    )
  })

  it("installing a higher version's file restarts it on that file with the same desired states, the edited config kept", async () => {
    const edited = `${await sandbox.readFile("/etc/dockless/config.toml")}# edited by hand\n`
    await sandbox.writeFile("/etc/dockless/config.toml", edited)
    const upgraded = await sandbox.exec([second, "install"], { timeoutMs: 45_000 })
    expect(upgraded.code, upgraded.stdout + upgraded.stderr).toBe(0)
    expect(upgraded.stdout).toContain("install: ran systemctl try-restart dockless.service\n")
    expect(
      await waitFor("the new version to answer", async () =>
        (await health())?.version === next ? true : undefined,
      ),
    ).toBe(true)
    const now = await waitFor("conf and api-a to run again", async () => {
      const current = await views()
      return current.get("conf")?.state === "running" && current.get("api-a")?.state === "running"
        ? current
        : undefined
    })
    expect(now.get("api-b")).toMatchObject({ state: "stopped", desired: "stopped" })
    expect(await sandbox.readFile("/etc/dockless/config.toml")).toBe(edited)
    expect(daemons()).toHaveLength(1)
  })

  it("dockless uninstall stops every Dockless process and keeps config and data; --purge removes them", async () => {
    const removed = await sandbox.exec(["dockless", "uninstall"], { timeoutMs: 45_000 })
    expect(removed.code, removed.stdout + removed.stderr).toBe(0)
    expect(daemons()).toEqual([])
    expect(supervised()).toEqual([])
    expect(await present("/usr/local/bin/dockless")).toBe(false)
    expect(await present("/usr/local/lib/dockless")).toBe(false)
    expect(await sandbox.readFile("/etc/dockless/data/services.json")).toContain("api-a")
    const purged = await sandbox.exec([second, "uninstall", "--purge"])
    expect(purged.code, purged.stdout + purged.stderr).toBe(0)
    expect(await present("/etc/dockless")).toBe(false)
    expect(await systemctl("list-units", "--failed", "--no-legend", "--plain")).not.toContain("dockless")
  })
})
