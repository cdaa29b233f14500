// A service runs as its user the way systemd's User= does (issue 24): with a user made for the
// test in a second group, its process has both groups, the user's HOME/USER/LOGNAME/SHELL, the
// umask and open-files limit of its spec, all read back from /proc; the pid Dockless tracks is
// the command itself (the exec chain leaves nothing in between), SIGTERM reaches it, and a stop
// ends its whole group. The view and `dockless status NAME` show the same. A command missing at
// spawn is a failed start its restart policy decides on. What the host cannot give is refused at
// registration with the key's path. Root only: it creates users and groups.
import { execFileSync, spawnSync } from "node:child_process"
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  BUNDLE,
  FIXTURES,
  isAlive,
  startDaemon,
  tempDir,
  useDaemons,
  waitFor,
  waitForView,
  type Daemon,
} from "../support/daemon.ts"

const daemons = useDaemons()

const suffix = `${process.pid}${Math.floor(Math.random() * 1e4)}`
const USER = `dlxu${suffix}`
const EXTRA = `dlxg${suffix}`
const HOME = `/home/${USER}`

const idOf = (kind: "-u" | "-g", name: string) =>
  Number(execFileSync("id", [kind, name], { encoding: "utf8" }))
const gidOf = (group: string) =>
  Number(execFileSync("getent", ["group", group], { encoding: "utf8" }).split(":")[2])

/** A field of /proc/PID/status ("Groups", "Umask", "Uid"). */
const statusField = (pid: number, field: string) =>
  (
    readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((line) => line.startsWith(`${field}:`)) ?? ""
  )
    .slice(field.length + 1)
    .trim()

const environOf = (pid: number): Record<string, string> =>
  Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, "utf8")
      .split("\0")
      .filter((kv) => kv.includes("="))
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  )

const pgidOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2])
}

const logLines = async (d: Daemon, name: string) => {
  const { lines } = await d.json("GET", `/api/services/${name}/logs?lines=50`)
  return (lines as Array<{ text: string }>).map((l) => l.text)
}

describe.runIf(process.getuid?.() === 0)("a service with `user`", () => {
  beforeAll(() => {
    execFileSync("groupadd", [EXTRA])
    execFileSync("useradd", ["-M", "-d", HOME, "-s", "/bin/sh", "-G", EXTRA, USER])
  })

  afterAll(() => {
    spawnSync("userdel", [USER])
    // useradd made the user's own group; userdel removes it on Debian, not everywhere.
    spawnSync("groupdel", [USER])
    spawnSync("groupdel", [EXTRA])
  })

  it("gets the user's groups, HOME, umask and limits, as the command itself; SIGTERM reaches it and stop ends its group", async () => {
    const d = daemons.track(
      await startDaemon({
        body: [
          `[services.idt]`,
          `command = "${FIXTURES}/identity-proof.sh"`,
          `cwd = "/"`,
          `user = "${USER}"`,
          `umask = "0027"`,
          `limits = { nofile = 4096 }`,
          `stop_timeout = "5s"`,
        ].join("\n"),
      }),
    )
    const view = await waitForView(
      d,
      "idt",
      "running with its identity",
      (v) => v.identity?.user.name === USER,
    )
    const pid: number = view.pid
    const uid = idOf("-u", USER)
    const gid = idOf("-g", USER)
    const extra = gidOf(EXTRA)

    // What the kernel says the process is.
    expect(statusField(pid, "Uid").split(/\s+/)).toEqual([uid, uid, uid, uid].map(String))
    expect(statusField(pid, "Gid").split(/\s+/)).toEqual([gid, gid, gid, gid].map(String))
    expect(statusField(pid, "Groups").split(/\s+/).map(Number).sort()).toEqual([gid, extra].sort())
    expect(statusField(pid, "Umask")).toBe("0027")
    const nofile = readFileSync(`/proc/${pid}/limits`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"))
    expect(nofile?.split(/\s{2,}/).slice(1, 3)).toEqual(["4096", "4096"])
    expect(environOf(pid)).toMatchObject({
      HOME,
      USER,
      LOGNAME: USER,
      SHELL: "/bin/sh",
      DOCKLESS_SERVICE: "idt",
    })

    // The tracked pid is the command, no wrapper: its cmdline is the script, its group its own.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
    expect(cmdline).toContain(`${FIXTURES}/identity-proof.sh`)
    expect(cmdline.join(" ")).not.toMatch(/setpriv|prlimit|umask/)
    expect(pgidOf(pid)).toBe(pid)

    // The view shows what /proc shows.
    expect(view.identity).toMatchObject({
      user: { id: uid, name: USER },
      group: { id: gid, name: USER },
      umask: "0027",
      limits: { nofile: { soft: 4096, hard: 4096 } },
    })
    expect(view.identity.groups.map((g: { name: string }) => g.name).sort()).toEqual([EXTRA, USER].sort())
    // ... and only the view of one service reads it: a list stays cheap.
    const [listed] = await d.json("GET", "/api/services")
    expect(listed.identity).toBeNull()

    const status = spawnSync(process.execPath, [BUNDLE, "status", "idt", "--config", d.configPath], {
      encoding: "utf8",
      timeout: 15_000,
    })
    expect(status.status).toBe(0)
    expect(status.stdout).toContain(`user    ${USER} (${uid})`)
    expect(status.stdout).toMatch(new RegExp(`groups  .*${EXTRA} \\(${extra}\\)`))
    expect(status.stdout).toContain("umask   0027")
    expect(status.stdout).toContain("nofile 4096/4096")

    const lines = await waitFor("the identity line and the grandchild", async () => {
      const all = await logLines(d, "idt")
      return all.some((l) => l.startsWith("grandchild ")) ? all : undefined
    })
    expect(lines).toContain(`home=${HOME} user=${USER} logname=${USER} shell=/bin/sh`)
    const grandchild = Number(lines.find((l) => l.startsWith("grandchild "))?.slice(11))
    expect(pgidOf(grandchild)).toBe(pid)

    await d.json("POST", "/api/services/idt/stop")
    await waitForView(d, "idt", "stopped", (v) => v.state === "stopped")
    expect(await logLines(d, "idt")).toContain("got TERM")
    await waitFor("the process and its grandchild to be gone", () =>
      !isAlive(pid) && !isAlive(grandchild) ? true : undefined,
    )
  })

  it("lets the service's own env win over the user's HOME", async () => {
    const d = daemons.track(
      await startDaemon({
        body: [
          `[services.own-home]`,
          `command = "${FIXTURES}/identity-proof.sh"`,
          `cwd = "/"`,
          `user = "${USER}"`,
          `env = { HOME = "/srv/own" }`,
        ].join("\n"),
      }),
    )
    const view = await waitForView(d, "own-home", "running", (v) => v.state === "running" && v.pid !== null)
    await waitFor("its environment", () => (environOf(view.pid).USER === USER ? true : undefined))
    expect(environOf(view.pid)).toMatchObject({ HOME: "/srv/own", USER, LOGNAME: USER })
  })

  it("switches a user in no other group by Node's own spawn, and one in a second group through setpriv, both with initgroups' groups", async () => {
    const d = daemons.track(
      await startDaemon({
        body: [
          `[services.plain]`,
          `command = "${FIXTURES}/sleeper.sh"`,
          `cwd = "/"`,
          `user = "nobody"`,
          `[services.grouped]`,
          `command = "${FIXTURES}/sleeper.sh"`,
          `cwd = "/"`,
          `user = "${USER}"`,
        ].join("\n"),
      }),
    )
    const nobody = idOf("-u", "nobody")
    const nogroup = idOf("-g", "nobody")
    const plain = await waitForView(
      d,
      "plain",
      "running as nobody",
      (v) => v.identity?.user.name === "nobody",
    )
    expect(statusField(plain.pid, "Uid").split(/\s+/)).toEqual([nobody, nobody, nobody, nobody].map(String))
    expect(statusField(plain.pid, "Gid").split(/\s+/)).toEqual(
      [nogroup, nogroup, nogroup, nogroup].map(String),
    )
    // libuv's setgroups(0): no supplementary group, where initgroups would list nogroup, the gid itself.
    expect(statusField(plain.pid, "Groups")).toBe("")
    expect(environOf(plain.pid)["HOME"]).toBe("/nonexistent")

    const grouped = await waitForView(
      d,
      "grouped",
      "running as its user",
      (v) => v.identity?.user.name === USER,
    )
    const groups = statusField(grouped.pid, "Groups").split(/\s+/).map(Number).sort()
    expect(groups).toEqual([idOf("-g", USER), gidOf(EXTRA)].sort())

    // A restart gives the same identity again.
    process.kill(plain.pid, "SIGKILL")
    const again = await waitForView(
      d,
      "plain",
      "restarted as nobody",
      (v) => v.pid !== plain.pid && v.identity?.user.name === "nobody",
    )
    expect(statusField(again.pid, "Uid").split(/\s+/)[0]).toBe(String(nobody))
  })

  it("treats a missing command as a failed start: its restart policy decides, and it runs once the command is there", async () => {
    // A folder the user can reach (mkdtemp makes it 0700), where the command appears later.
    const dir = tempDir()
    chmodSync(dir, 0o755)
    const app = join(dir, "app.sh")
    const d = daemons.track(
      await startDaemon({
        body: [
          `[services.late]`,
          `command = "${app}"`,
          `cwd = "/"`,
          `user = "${USER}"`,
          `restart = "always"`,
          `backoff = { initial = "300ms", factor = 1, jitter = 0 }`,
          `intensity = { max_restarts = 100, period = "1m" }`,
        ].join("\n"),
      }),
    )
    const waiting = await waitForView(d, "late", "restarted twice by its policy", (v) => v.restarts >= 2)
    expect(waiting.state).toBe("backoff")
    expect(waiting.error).toBe(`cannot start: ${app} does not exist`)
    copyFileSync(join(FIXTURES, "sleeper.sh"), app)
    chmodSync(app, 0o755)
    // The view is running from the spawn on; the process is the user's once setpriv has switched.
    const running = await waitForView(
      d,
      "late",
      "running as its user",
      (v) => v.state === "running" && v.identity?.user.name === USER,
      5_000,
    )
    expect(running.error).toBeNull()
  })

  it("refuses at registration what the host cannot give, naming the key (400)", async () => {
    const d = daemons.track(await startDaemon())
    const refused = async (table: Record<string, unknown>) => {
      const response = await d.api("POST", "/api/services", { name: "nope", command: "/bin/true", ...table })
      return { status: response.status, body: await response.json() }
    }
    const group = await refused({ user: USER, group: "no-such-group-here" })
    expect(group.status).toBe(400)
    expect(group.body.details).toContainEqual({
      path: "group",
      message: 'no group named "no-such-group-here" in /etc/group',
    })
    const nofile = await refused({ limits: { nofile: 1e9 } })
    expect(nofile.status).toBe(400)
    expect(nofile.body.details).toContainEqual({
      path: "limits.nofile",
      message: expect.stringContaining("1000000000 is above the kernel's most open files (fs.nr_open = "),
    })
    const supplementary = await refused({ supplementary_groups: [EXTRA, "no-such-group-here"] })
    expect(supplementary.status).toBe(400)
    expect(supplementary.body.details).toEqual([
      { path: "supplementary_groups.1", message: 'no group named "no-such-group-here" in /etc/group' },
    ])
    expect((await d.json("GET", "/api/services")).length).toBe(0)
  })

  it("judges root-only keys as the one who checks: `check` without root refuses them, `status` without root still works", async () => {
    const d = daemons.track(
      await startDaemon({
        body: [`[services.eager]`, `command = "${FIXTURES}/sleeper.sh"`, `nice = -5`].join("\n"),
      }),
    )
    await waitForView(d, "eager", "running", (v) => v.state === "running")
    // The same config where the user can read it (the test's temp dirs are root's alone).
    const shared = mkdtempSync("/tmp/dockless-identity-")
    try {
      chmodSync(shared, 0o755)
      const configPath = join(shared, "config.toml")
      copyFileSync(d.configPath, configPath)
      chmodSync(configPath, 0o644)
      const asUser = {
        uid: idOf("-u", USER),
        gid: idOf("-g", USER),
        encoding: "utf8" as const,
        timeout: 15_000,
      }
      const check = spawnSync(process.execPath, [BUNDLE, "check", "--config", configPath], asUser)
      expect(check.status).toBe(2)
      expect(check.stderr).toContain(
        "services.eager.nice: nice = -5 needs dockless to run as root: only root may give a process a nice value below dockless's own (0)",
      )
      const status = spawnSync(process.execPath, [BUNDLE, "status", "eager", "--config", configPath], asUser)
      expect(status.stderr).toBe("")
      expect(status.status).toBe(0)
      expect(status.stdout).toContain("nice -5")
    } finally {
      rmSync(shared, { recursive: true, force: true })
    }
  })

  it("refuses the same at `dockless check`, with the config's key path", () => {
    const configPath = join(tempDir(), "config.toml")
    writeFileSync(
      configPath,
      [
        `[services.web]`,
        `command = "/bin/true"`,
        `user = "${USER}"`,
        `supplementary_groups = ["gpio-${suffix}"]`,
        `limits = { nofile = 2000000 }`,
      ].join("\n"),
    )
    const r = spawnSync(process.execPath, [BUNDLE, "check", "--config", configPath], {
      encoding: "utf8",
      timeout: 15_000,
    })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain(
      `services.web.supplementary_groups.0: no group named "gpio-${suffix}" in /etc/group`,
    )
    expect(r.stderr).toContain("services.web.limits.nofile: 2000000 is above the kernel's most open files")
  })
})
