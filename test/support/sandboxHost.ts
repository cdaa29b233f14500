// What this machine offers a systemd sandbox (test/support/systemdSandbox.ts): whether it can run
// one at all (root, util-linux, systemd, namespaces, a writable cgroupfs), the cgroup hierarchies
// systemd needs with this process's own place in them, and the units that must not start inside
// because they would act on the host (the sandbox shares its kernel, clock, network and /tmp).
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmdirSync } from "node:fs"
import { readdir, rm, rmdir } from "node:fs/promises"
import { join, relative } from "node:path"

export const systemdBinary = ["/lib/systemd/systemd", "/usr/lib/systemd/systemd"].find((path) =>
  existsSync(path),
)

const has = (command: string): boolean =>
  spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0

export interface CgroupMount {
  readonly fstype: string
  readonly mountPoint: string
  readonly options: string
  /** The host directory of this process's own cgroup in that hierarchy (none for the tmpfs). */
  readonly ownDir: string | undefined
}

/**
 * What systemd needs of the host's cgroup mounts: the tmpfs (hybrid and legacy layouts), the
 * unified cgroup2 hierarchy and the named `systemd` v1 hierarchy. The v1 controllers are left out:
 * systemd works without them and the sandbox then leaves the host's controller trees alone.
 */
export const cgroupMounts = (): ReadonlyArray<CgroupMount> => {
  const own = new Map<string, string>()
  for (const line of readFileSync("/proc/self/cgroup", "utf8").trim().split("\n")) {
    const [, controllers = "", path = ""] = /^\d+:([^:]*):(.*)$/.exec(line) ?? []
    own.set(controllers, path)
  }
  const mounts: Array<CgroupMount> = []
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").trim().split("\n")) {
    const [before = "", after = ""] = line.split(" - ")
    const [, , , root = "/", mountPoint = ""] = before.split(" ")
    const [fstype = "", , options = ""] = after.split(" ")
    if (mountPoint !== "/sys/fs/cgroup" && !mountPoint.startsWith("/sys/fs/cgroup/")) continue
    const hierarchy =
      fstype === "cgroup2"
        ? ""
        : fstype === "cgroup" && options.split(",").includes("name=systemd")
          ? "name=systemd"
          : undefined
    if (fstype === "tmpfs" && mountPoint === "/sys/fs/cgroup")
      mounts.push({ fstype, mountPoint, options: "mode=755", ownDir: undefined })
    if (hierarchy === undefined) continue
    const path = own.get(hierarchy)
    const inside = path === undefined ? undefined : relative(root, path)
    if (inside === undefined || inside.startsWith(".."))
      throw new Error(`cannot find this process's cgroup in ${mountPoint} (mounted from ${root})`)
    mounts.push({ fstype, mountPoint, options, ownDir: join(mountPoint, inside) })
  }
  if (!mounts.some((m) => m.ownDir !== undefined))
    throw new Error("no cgroup2 or name=systemd hierarchy is mounted under /sys/fs/cgroup")
  return mounts
}

/** Why the sandbox cannot run here, or undefined when it can. */
export const sandboxUnavailable: string | undefined = (() => {
  if (process.platform !== "linux") return "it needs Linux"
  if (process.getuid?.() !== 0) return "it needs root (namespaces, mounts, cgroups)"
  const missing = ["unshare", "nsenter", "setpriv", "systemctl", "journalctl"].filter((c) => !has(c))
  if (systemdBinary === undefined) missing.push("systemd")
  if (missing.length > 0)
    return `${missing.join(", ")} not found: apt-get install -y systemd util-linux (.ci/run does)`
  const probe = spawnSync("unshare", ["--cgroup", "--pid", "--fork", "--mount", "true"], { encoding: "utf8" })
  if (probe.status !== 0)
    return `unshare --cgroup --pid --mount failed (${probe.stderr.trim()}): it needs CAP_SYS_ADMIN, i.e. a VM or a privileged container`
  try {
    // a sandbox gets a cgroup of its own below this process's: a read-only cgroupfs forbids that
    for (const { ownDir } of cgroupMounts()) {
      if (ownDir === undefined) continue
      const probeDir = join(ownDir, `dockless-sandbox-probe-${process.pid}`)
      mkdirSync(probeDir)
      rmdirSync(probeDir)
    }
  } catch (error) {
    return `cannot give it a cgroup of its own: ${error instanceof Error ? error.message : String(error)}`
  }
  return undefined
})()

/** Units that would reach outside the sandbox: the clock, the console, kernel-wide settings, host dirs. */
export const hostFacingUnits = [
  // /tmp and /var/tmp are the host's own
  "systemd-tmpfiles-setup.service",
  "systemd-tmpfiles-clean.service",
  "systemd-tmpfiles-clean.timer",
  // /var/log is the host's: keep the journal and utmp out of it
  "systemd-journal-flush.service",
  "systemd-update-utmp.service",
  "systemd-update-utmp-runlevel.service",
  "systemd-journald-audit.socket",
  // kernel-wide settings, modules and the root file system's superblock
  "systemd-binfmt.service",
  "proc-sys-fs-binfmt_misc.automount",
  "proc-sys-fs-binfmt_misc.mount",
  "systemd-sysctl.service",
  "systemd-modules-load.service",
  "modprobe@.service",
  "kmod-static-nodes.service",
  "systemd-remount-fs.service",
  // the host's clock, devices, console and network
  "systemd-timesyncd.service",
  "systemd-udevd.service",
  "systemd-udevd-control.socket",
  "systemd-udevd-kernel.socket",
  "systemd-udev-trigger.service",
  "systemd-udev-settle.service",
  "getty.target",
  "console-getty.service",
  "getty@tty1.service",
  "systemd-networkd.service",
  "systemd-resolved.service",
  // nobody here needs the bus or logins (systemctl talks to PID 1 on /run/systemd/private), and
  // logind's PrivateTmp would leave directories in the host's /var/tmp
  "dbus.service",
  "dbus.socket",
  "systemd-logind.service",
]

/** Units this machine enables for itself (its databases, timers, supervisors): not ours to start. */
export const hostEnabledUnits = (): ReadonlyArray<string> => {
  const listed = spawnSync("systemctl", ["list-unit-files", "--state=enabled", "--no-legend", "--no-pager"], {
    encoding: "utf8",
  })
  return (listed.stdout ?? "")
    .split("\n")
    .map((line) => line.split(/\s+/)[0] ?? "")
    .filter((unit) => unit !== "" && unit !== "dockless.service")
}

/** rmdir of a cgroup and everything below it, deepest first (cgroupfs files cannot be unlinked). */
export const removeCgroup = async (dir: string): Promise<void> => {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  for (const entry of entries) if (entry.isDirectory()) await removeCgroup(join(dir, entry.name))
  await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error
  })
}

const isRunning = (pid: number): boolean => existsSync(`/proc/${pid}`)

/**
 * Removes what sandboxes of test processes that no longer run left behind: their sandbox died
 * with them (see systemdSandbox.ts), but not their empty cgroups or state dirs. Names carry the
 * test process's pid; anything whose pid still runs is left alone.
 */
export const sweepStaleSandboxes = async (stateRoot: string): Promise<void> => {
  const stale = (name: string, prefix: string) => {
    const pid = Number.parseInt(name.slice(prefix.length), 10)
    return name.startsWith(prefix) && !Number.isNaN(pid) && !isRunning(pid)
  }
  for (const { ownDir } of cgroupMounts()) {
    if (ownDir === undefined) continue
    for (const name of await readdir(ownDir))
      if (stale(name, "dockless-sandbox-")) await removeCgroup(join(ownDir, name)).catch(() => undefined)
  }
  for (const name of await readdir(stateRoot))
    if (stale(name, "dockless-systemd-")) {
      spawnSync("umount", [join(stateRoot, name)], { stdio: "ignore" }) // the tmpfs of an overlayfs host, if any
      await rm(join(stateRoot, name), { recursive: true, force: true })
    }
}
