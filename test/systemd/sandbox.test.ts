// The harness the live systemd tests stand on keeps its promises: systemd runs in a container of
// its own (own PID 1, own cgroup tree), what is written to /etc inside lands in its state dir and
// never in the host's /etc, and a poweroff leaves no process and no cgroup behind. (That booting
// the same state dir again is a reboot of the same disk, live.test.ts shows with Dockless itself.)
import { existsSync, readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { isAlive } from "../support/daemon.ts"
import { skipsLiveSystemd, useSystemdSandboxes } from "../support/systemdSandbox.ts"

const skip = skipsLiveSystemd("test/systemd/sandbox.test.ts")

describe.skipIf(skip)("the systemd sandbox", { timeout: 60_000 }, () => {
  const sandboxes = useSystemdSandboxes()

  it("runs systemd in its own namespaces and cgroup, keeps /etc to itself, and leaves nothing after poweroff", async () => {
    const stateDir = sandboxes.stateDir()
    const sandbox = await sandboxes.boot(stateDir)
    expect((await sandbox.run(["systemd-detect-virt", "--container"])).trim()).toBe("container-other")
    // systemd put itself in init.scope of the sandbox's own cgroup, not of the host's root
    expect(readFileSync(`/proc/${sandbox.pid}/cgroup`, "utf8")).toMatch(
      /^\d+:[^:]*:(\/.*)?\/dockless-sandbox-\d+-\d+\/init\.scope$/m,
    )
    const probe = `/etc/dockless-sandbox-probe-${process.pid}`
    await sandbox.writeFile(probe, "written inside\n")
    expect(existsSync(probe)).toBe(false)
    const inside = sandbox.processes().map((p) => p.hostPid)
    expect(inside).toContain(sandbox.pid)
    expect(sandbox.cgroups.every((dir) => existsSync(dir))).toBe(true)

    expect(await sandbox.poweroff()).toBe("powered off")
    expect(inside.filter(isAlive)).toEqual([])
    expect(sandbox.cgroups.filter((dir) => existsSync(dir))).toEqual([])
    expect(readdirSync(join(stateDir, "etc.up"))).toContain(probe.slice("/etc/".length))
  })
})
