// A real systemd, booted as PID 1 of its own PID, mount and cgroup namespaces on this machine, so
// the unit, `dockless install`, sd_notify and restarts are tested live (the technique of
// shared/tools/systemd-sandbox). /etc, /usr/local and /var/lib (and, for package tests, all of
// /usr, /var/cache and /var/log) are overlays whose upper layers live in a state dir: what is installed vanishes with the sandbox, and booting the same state
// dir again is a reboot of the same disk. Beyond that tool, it gives systemd a cgroup subtree of
// its own (so two sandboxes, or a test and a colleague's, never share /system.slice) and runs it
// in container mode with the units that would reach the host (clock, sysctls, console, udev,
// /tmp cleaning, the host's journal) masked. Processes are only ever killed by pid.
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync } from "node:fs"
import { mkdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { waitFor } from "./daemon.ts"
import {
  cgroupMounts,
  hostEnabledUnits,
  hostFacingUnits,
  removeCgroup,
  sandboxUnavailable,
  sweepStaleSandboxes,
  systemdBinary,
} from "./sandboxHost.ts"

export { sandboxUnavailable }

/**
 * Whether a file of live systemd tests skips here, after saying why. Under CI's
 * DOCKLESS_SYSTEMD_TESTS=required it never does: booting then fails with the reason.
 */
export const skipsLiveSystemd = (file: string): boolean => {
  if (sandboxUnavailable === undefined || process.env.DOCKLESS_SYSTEMD_TESTS === "required") return false
  console.warn(`skipping the live systemd tests of ${file}: ${sandboxUnavailable}`)
  return true
}

export interface CommandResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** A process inside the sandbox, seen from the host's /proc. */
export interface SandboxProcess {
  readonly hostPid: number
  /** Its pid inside the sandbox, as systemd and Dockless there see it. */
  readonly pid: number
  readonly argv: ReadonlyArray<string>
  readonly env: ReadonlyMap<string, string>
}

export interface SystemdSandbox {
  /** Host pid of its systemd (PID 1 inside). */
  readonly pid: number
  /** The host directories of its cgroup subtree (one per hierarchy), removed once it is off. */
  readonly cgroups: ReadonlyArray<string>
  readonly stateDir: string
  /** Runs a command inside (PID and mount namespaces), in `cwd` (default /). */
  readonly exec: (
    args: ReadonlyArray<string>,
    options?: { readonly input?: string; readonly cwd?: string; readonly timeoutMs?: number },
  ) => Promise<CommandResult>
  /** Like exec, but fails with what the command said unless it exits 0; resolves with stdout. */
  readonly run: (
    args: ReadonlyArray<string>,
    options?: { readonly cwd?: string; readonly timeoutMs?: number },
  ) => Promise<string>
  readonly writeFile: (path: string, content: string) => Promise<void>
  readonly readFile: (path: string) => Promise<string>
  /** `systemctl show -p KEY` values of a unit. */
  readonly show: (unit: string, ...keys: ReadonlyArray<string>) => Promise<Record<string, string>>
  readonly processes: () => ReadonlyArray<SandboxProcess>
  /**
   * Shuts it down as `systemctl poweroff` does (every unit stopped in order), or, when that has
   * not finished within 15 s, with SIGKILL; says which. Already off: "off".
   */
  readonly poweroff: () => Promise<"powered off" | "killed" | "off">
}

/** Where state dirs go: the host's disk (the upper layers hold a whole install), as the shared tool does. */
const stateRoot = "/var/tmp"

/** The PATH systemd gives services; commands run inside get the same. */
const insidePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Runs as the sandbox's first process: joins the cgroups made for it, then unshares. The sandbox
// lives no longer than the test process: unshare gets SIGKILL when its parent (this process)
// dies, even by kill -9 (--pdeathsig), and takes its PID 1, hence the whole sandbox, with it
// (--kill-child).
const outerScript = `set -eu
while IFS= read -r dir; do [ -z "$dir" ] || echo $$ > "$dir/cgroup.procs"; done <<< "$SANDBOX_CGROUPS"
exec setpriv --pdeathsig KILL -- unshare --cgroup --pid --fork --kill-child --mount --mount-proc --propagation private bash -c "$SANDBOX_INNER"`

// Runs as PID 1 inside until it execs systemd: overlays, a fresh /run, cgroup mounts whose root
// is the sandbox's own cgroup, the masks, a journal kept in /run; then systemd, in container mode.
const innerScript = `set -eu
for d in $SANDBOX_OVERLAYS; do
  n=\${d//\\//_}
  mkdir -p "$SANDBOX_STATE/$n.up" "$SANDBOX_STATE/$n.work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$SANDBOX_STATE/$n.up,workdir=$SANDBOX_STATE/$n.work" "/$d"
done
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
mkdir -p /run/lock
while read -r fstype point options; do
  [ -n "$fstype" ] || continue
  mkdir -p "$point"
  mount -t "$fstype" -o "$options" "$fstype" "$point"
done <<< "$SANDBOX_MOUNTS"
for unit in $SANDBOX_MASK; do ln -sfn /dev/null "/etc/systemd/system/$unit"; done
# the host's persistent journal stays out of sight: journalctl here shows this sandbox only
if [ -d /var/log/journal ]; then mount -t tmpfs -o mode=755 tmpfs /var/log/journal; fi
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\\nStorage=volatile\\nReadKMsg=no\\n' > /etc/systemd/journald.conf.d/dockless-sandbox.conf
exec env -i container=dockless-sandbox "$SANDBOX_SYSTEMD" --system --log-target=journal --log-level=info`

let boots = 0

const exitOf = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((done) => child.once("exit", () => done()))

/** The pid of the child of `pid` (unshare --fork has exactly one), once it runs systemd. */
const systemdChild = (pid: number): number | undefined => {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim()
  const child = Number.parseInt(children.split(" ")[0] ?? "", 10)
  if (Number.isNaN(child)) return undefined
  const exe = readlinkSync(`/proc/${child}/exe`)
  return exe.endsWith("/systemd") ? child : undefined
}

const parseShow = (text: string): Record<string, string> => {
  const values: Record<string, string> = {}
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=")
    if (eq > 0) values[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return values
}

const readProcess = (hostPid: number, pidNamespace: string): SandboxProcess | undefined => {
  try {
    if (readlinkSync(`/proc/${hostPid}/ns/pid`) !== pidNamespace) return undefined
    const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${hostPid}/status`, "utf8"))?.[1] ?? ""
    const argv = readFileSync(`/proc/${hostPid}/cmdline`, "utf8").split("\0").slice(0, -1)
    const env = new Map<string, string>()
    for (const entry of readFileSync(`/proc/${hostPid}/environ`, "utf8").split("\0")) {
      const eq = entry.indexOf("=")
      if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1))
    }
    const pid = Number.parseInt(nspid.trim().split(/\s+/).at(-1) ?? "", 10)
    return { hostPid, pid, argv, env }
  } catch {
    return undefined // it exited while being read
  }
}

/** The directories overlaid by default: what `dockless install` and Dockless itself write. */
export const defaultOverlays: ReadonlyArray<string> = ["etc", "usr/local", "var/lib"]
/** For apt and dpkg: the package's files in /usr, apt's caches and logs. /usr comes before /usr/local. */
export const packageOverlays: ReadonlyArray<string> = [
  "usr",
  "etc",
  "usr/local",
  "var/lib",
  "var/cache",
  "var/log",
]

export interface SandboxOptions {
  /** Directories (no leading slash) overlaid, parents before children; default defaultOverlays. */
  readonly overlays?: ReadonlyArray<string>
}

/** Boots systemd on `stateDir` (fresh, or one a previous sandbox powered off: a reboot). */
export const bootSandbox = async (
  stateDir: string,
  options: SandboxOptions = {},
): Promise<SystemdSandbox> => {
  if (sandboxUnavailable !== undefined || systemdBinary === undefined)
    throw new Error(`the systemd sandbox cannot run here: ${sandboxUnavailable}`)
  const boot = ++boots
  const mounts = cgroupMounts()
  const cgroups = mounts.flatMap((m) =>
    m.ownDir === undefined ? [] : [join(m.ownDir, `dockless-sandbox-${process.pid}-${boot}`)],
  )
  const removeCgroups = async () => {
    for (const dir of cgroups)
      await waitFor(`cgroup ${dir} to be removed`, () => removeCgroup(dir).then(() => true), 5_000)
  }
  try {
    for (const dir of cgroups) await mkdir(dir)
  } catch (error) {
    await removeCgroups()
    throw error
  }
  const logPath = join(stateDir, `boot-${boot}.log`)
  const log = openSync(logPath, "w")
  // The sandbox's first process, unshare, is this process's own child: every kill goes to its pid.
  const unshare = spawn("bash", ["-c", outerScript], {
    detached: true,
    stdio: ["ignore", log, log],
    env: {
      PATH: insidePath,
      SANDBOX_CGROUPS: cgroups.join("\n"),
      SANDBOX_INNER: innerScript,
      SANDBOX_OVERLAYS: (options.overlays ?? defaultOverlays).join(" "),
      SANDBOX_STATE: stateDir,
      SANDBOX_MOUNTS: mounts.map((m) => `${m.fstype} ${m.mountPoint} ${m.options}`).join("\n"),
      SANDBOX_MASK: [...new Set([...hostFacingUnits, ...hostEnabledUnits()])].join(" "),
      SANDBOX_SYSTEMD: systemdBinary,
    },
  })
  closeSync(log)
  const unsharePid = unshare.pid ?? 0
  const exited = exitOf(unshare)
  const running = () => unshare.exitCode === null && unshare.signalCode === null
  const kill = () => {
    if (running()) process.kill(unsharePid, "SIGKILL")
  }
  let cleaned: Promise<void> | undefined
  const cleanUp = () => (cleaned ??= exited.then(removeCgroups))

  const exec: SystemdSandbox["exec"] = (args, options = {}) =>
    new Promise((done, fail) => {
      const command = spawn(
        "nsenter",
        ["-t", String(pid), "-m", "-p", `--wd=${options.cwd ?? "/"}`, "--", ...args],
        {
          env: { PATH: insidePath, HOME: "/root", LANG: "C.UTF-8", SYSTEMD_PAGER: "" },
          stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        },
      )
      let stdout = ""
      let stderr = ""
      command.stdout?.on("data", (d: Buffer) => (stdout += d.toString()))
      command.stderr?.on("data", (d: Buffer) => (stderr += d.toString()))
      // A command that exits without reading its input is judged by its exit code, not by EPIPE.
      command.stdin?.on("error", () => undefined)
      command.stdin?.end(options.input)
      const ms = options.timeoutMs ?? 20_000
      const timer = setTimeout(() => {
        if (command.pid !== undefined) process.kill(command.pid, "SIGKILL")
        fail(
          new Error(
            `${args.join(" ")} inside the sandbox did not finish within ${ms} ms: ${stdout}${stderr}`,
          ),
        )
      }, ms)
      command.once("error", fail)
      command.once("close", (code) => {
        clearTimeout(timer)
        done({ code, stdout, stderr })
      })
    })

  const run: SystemdSandbox["run"] = async (args, options = {}) => {
    const result = await exec(args, options)
    if (result.code !== 0)
      throw new Error(`${args.join(" ")} exited with ${result.code}: ${result.stdout}${result.stderr}`)
    return result.stdout
  }

  let pid = 0
  try {
    pid = await waitFor(
      "systemd to start in the sandbox",
      () => {
        if (!running()) throw new Error(`the sandbox exited early:\n${readFileSync(logPath, "utf8")}`)
        return systemdChild(unsharePid)
      },
      10_000,
    )
    // --wait returns once the boot's jobs are done: running, or degraded if some unit failed.
    const state = await waitFor(
      "systemd to finish booting",
      async () => {
        const { stdout } = await exec(["systemctl", "is-system-running", "--wait"], { timeoutMs: 30_000 })
        const said = stdout.trim()
        return said === "running" || said === "degraded" ? said : undefined
      },
      30_000,
    )
    if (state === "degraded") {
      const failed = await exec(["systemctl", "list-units", "--failed", "--no-legend", "--plain"])
      console.warn(`systemd sandbox booted degraded; failed units:\n${failed.stdout}`)
    }
  } catch (error) {
    // What systemd was still waiting for, while it can still be asked.
    const jobs =
      pid === 0 || !running()
        ? undefined
        : await exec(["systemctl", "list-jobs", "--no-pager"]).catch(() => undefined)
    kill()
    await cleanUp()
    if (jobs === undefined) throw error
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\npending jobs:\n${jobs.stdout}`,
    )
  }
  const pidNamespace = readlinkSync(`/proc/${pid}/ns/pid`)

  return {
    pid,
    cgroups,
    stateDir,
    exec,
    run,
    writeFile: async (path, content) => {
      const result = await exec(["sh", "-c", 'mkdir -p "$(dirname "$1")" && cat > "$1"', "sh", path], {
        input: content,
      })
      if (result.code !== 0) throw new Error(`writing ${path} inside the sandbox failed: ${result.stderr}`)
    },
    readFile: (path) => run(["cat", path]),
    show: async (unit, ...keys) =>
      parseShow(await run(["systemctl", "show", unit, ...keys.map((k) => `-p${k}`)])),
    processes: () =>
      readdirSync("/proc")
        .filter((name) => /^\d+$/.test(name))
        .flatMap((name) => readProcess(Number(name), pidNamespace) ?? []),
    poweroff: async () => {
      let ended: "powered off" | "killed" | "off" = "off"
      if (running()) {
        ended = "powered off"
        // A poweroff that cannot even be asked for is settled by the kill below.
        await exec(["systemctl", "poweroff"], { timeoutMs: 10_000 }).catch(() => undefined)
        const timer = setTimeout(() => {
          ended = "killed"
          kill()
        }, 15_000)
        await exited
        clearTimeout(timer)
      }
      await cleanUp()
      return ended
    },
  }
}

/**
 * Sandboxes for one test file: fresh state dirs, and every sandbox powered off and its state
 * removed after the file's tests, even failed ones.
 */
export const useSystemdSandboxes = () => {
  const booted: Array<SystemdSandbox> = []
  const dirs: Array<string> = []
  const tmpfsMounts: Array<string> = []
  let swept: Promise<void> | undefined
  afterAll(async () => {
    for (const sandbox of booted.splice(0)) await sandbox.poweroff()
    for (const dir of tmpfsMounts.splice(0)) spawnSync("umount", [dir])
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })
  return {
    /** A new state dir (a blank disk) in the host's /var/tmp, removed after the file's tests. */
    stateDir: (): string => {
      const dir = mkdtempSync(join(stateRoot, `dockless-systemd-${process.pid}-`))
      dirs.push(dir)
      // An overlay's upper layer cannot live on overlayfs (a container's own root): use a tmpfs there.
      const fs = spawnSync("stat", ["-f", "-c", "%T", dir], { encoding: "utf8" }).stdout.trim()
      if (fs === "overlayfs") {
        const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "mode=700", "tmpfs", dir], {
          encoding: "utf8",
        })
        if (mounted.status !== 0) throw new Error(`cannot mount a tmpfs on ${dir}: ${mounted.stderr}`)
        tmpfsMounts.push(dir)
      }
      return dir
    },
    /** A scratch dir on the host (visible inside: only /etc, /usr/local and /var/lib are overlaid), removed after the file's tests. */
    hostDir: (): string => {
      const dir = mkdtempSync(join(tmpdir(), "dockless-systemd-host-"))
      dirs.push(dir)
      return dir
    },
    boot: async (stateDir: string, options: SandboxOptions = {}): Promise<SystemdSandbox> => {
      await (swept ??= sweepStaleSandboxes(stateRoot))
      const sandbox = await bootSandbox(stateDir, options)
      booted.push(sandbox)
      return sandbox
    },
  }
}
