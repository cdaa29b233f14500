// The exec chain that gives a process its identity with no process in between (issue 24): the
// tools only the keys in use need, privileged steps first and setpriv's drop last, each ending
// its options where the next program begins; and the command checked the way execvp finds it.
import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { commandProblem, execChain, type Credentials } from "../../src/os/Credentials.ts"

const none: Credentials = {
  switchTo: undefined,
  umask: undefined,
  limits: [],
  niceBy: undefined,
  oomScoreAdjust: undefined,
}
const at = (tool: string) => `/usr/bin/${tool}`

describe("execChain", () => {
  it("is empty when nothing is set: the command is spawned itself", () => {
    expect(execChain(none, at)).toEqual([])
  })

  it("switches user, group and groups with setpriv alone", () => {
    expect(execChain({ ...none, switchTo: { uid: 1000, gid: 1000, groups: [1000, 997] } }, at)).toEqual([
      "/usr/bin/setpriv",
      "--reuid=1000",
      "--regid=1000",
      "--groups=1000,997",
      "--",
    ])
  })

  it("clears the groups when there are none, and keeps the uid when only the group is set", () => {
    expect(execChain({ ...none, switchTo: { uid: undefined, gid: 44, groups: [] } }, at)).toEqual([
      "/usr/bin/setpriv",
      "--regid=44",
      "--clear-groups",
      "--",
    ])
  })

  it("chains every tool in order, privileged first, the drop last", () => {
    expect(
      execChain(
        {
          switchTo: { uid: 1000, gid: 1000, groups: [1000] },
          umask: "0027",
          limits: [
            { option: "nofile", value: 4096 },
            { option: "core", value: "unlimited" },
          ],
          niceBy: -5,
          oomScoreAdjust: -500,
        },
        at,
      ),
    ).toEqual([
      ...["/usr/bin/prlimit", "--nofile=4096:4096", "--core=unlimited:unlimited", "--"],
      ...["/usr/bin/choom", "-n", "-500", "--"],
      ...["/usr/bin/nice", "-n", "-5"],
      ...["/usr/bin/sh", "-c", 'umask "$0" && exec "$@"', "0027"],
      ...["/usr/bin/setpriv", "--reuid=1000", "--regid=1000", "--groups=1000", "--"],
    ])
  })

  it("leaves nice out when the service's nice is the daemon's", () => {
    expect(execChain({ ...none, niceBy: 0 }, at)).toEqual([])
  })

  it("says which tool is missing, and for which key", () => {
    expect(execChain({ ...none, umask: "022" }, () => undefined)).toBe(
      "umask needs sh (from dash or another POSIX shell), which is not in /usr/bin, /bin, /usr/sbin, /sbin",
    )
  })
})

describe("commandProblem", () => {
  it("finds a command on the PATH given", () => {
    expect(commandProblem("sleep", "/nowhere:/usr/bin:/bin")).toBeUndefined()
    expect(commandProblem("no-such-command-here", "/usr/bin:/bin")).toBe(
      "no-such-command-here was not found on PATH (give an absolute path or install it)",
    )
  })

  it("says a path does not exist, or is not executable", () => {
    expect(commandProblem("/bin/sh", undefined)).toBeUndefined()
    expect(commandProblem("/no/such/file", undefined)).toBe("/no/such/file does not exist")
    const dir = mkdtempSync(join(tmpdir(), "dockless-credentials-"))
    const text = join(dir, "notes.txt")
    writeFileSync(text, "not a program\n", { mode: 0o644 })
    try {
      expect(commandProblem(text, undefined)).toBe(`${text} is not executable (permission denied)`)
      expect(commandProblem(dir, undefined)).toBe(`${dir} is not executable (permission denied)`)
    } finally {
      rmSync(dir, { recursive: true })
    }
  })
})
