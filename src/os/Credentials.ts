// How a process gets the identity systemd's User=, Group=, SupplementaryGroups=, UMask=,
// Limit*=, Nice= and OOMScoreAdjust= give, with no process in between: a chain of small tools,
// each setting one thing on itself and exec'ing the next, the last exec'ing the command, so
// the pid Dockless spawned (and its process group) is the command's own. util-linux's prlimit,
// choom and setpriv (on every Debian), coreutils' nice, and sh for the umask. Privileged steps
// come first, setpriv (the drop to the user) last. A tool is in the chain only when a key needs it.
import { accessSync, constants, readFileSync, statSync } from "node:fs"
import { delimiter, join } from "node:path"

export type Tool = "setpriv" | "prlimit" | "choom" | "nice" | "sh"

/** The package that brings each tool, for the sentence saying one is missing. */
const packageOf: Readonly<Record<Tool, string>> = {
  setpriv: "util-linux",
  prlimit: "util-linux",
  choom: "util-linux",
  nice: "coreutils",
  sh: "dash or another POSIX shell",
}

/** Where tools are looked for: not the service's PATH (its env may change it), the system's. */
const TOOL_DIRS = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK)
    return statSync(file).isFile()
  } catch {
    return false
  }
}

const found = new Map<Tool, string | undefined>()

/** The absolute path of a tool, looked up once. */
export const toolPath = (tool: Tool): string | undefined => {
  if (!found.has(tool)) found.set(tool, TOOL_DIRS.map((dir) => join(dir, tool)).find(isExecutable))
  return found.get(tool)
}

export const missingTool = (tool: Tool, key: string): string =>
  `${key} needs ${tool} (from ${packageOf[tool]}), which is not in ${TOOL_DIRS.join(", ")}`

/** A resource limit as prlimit takes it. */
export interface Limit {
  readonly option: "nofile" | "nproc" | "core" | "memlock"
  readonly value: number | "unlimited"
}

/** Everything the chain sets; each field undefined (or empty) leaves the daemon's own. */
export interface Credentials {
  /** Who the process becomes (setpriv): uid (unchanged when undefined), gid and the whole group list. */
  readonly switchTo:
    | { readonly uid: number | undefined; readonly gid: number; readonly groups: ReadonlyArray<number> }
    | undefined
  readonly umask: string | undefined
  readonly limits: ReadonlyArray<Limit>
  /** The nice value relative to the daemon's (nice -n takes an increment). */
  readonly niceBy: number | undefined
  readonly oomScoreAdjust: number | undefined
}

/** The tools a set of credentials needs, with the key that needs each. */
export const toolsFor = (c: Credentials): ReadonlyArray<readonly [Tool, string]> => [
  ...(c.limits.length > 0 ? [["prlimit", "limits"] as const] : []),
  ...(c.oomScoreAdjust === undefined ? [] : [["choom", "oom_score_adjust"] as const]),
  ...(c.niceBy === undefined || c.niceBy === 0 ? [] : [["nice", "nice"] as const]),
  ...(c.umask === undefined ? [] : [["sh", "umask"] as const]),
  ...(c.switchTo === undefined ? [] : [["setpriv", "user"] as const]),
]

const UMASK_SCRIPT = 'umask "$0" && exec "$@"'

/**
 * The argv that runs before the command (empty: spawn the command itself), or a sentence naming
 * the tool that is missing.
 */
export const execChain = (c: Credentials, path = toolPath): ReadonlyArray<string> | string => {
  const argv: Array<string> = []
  for (const [tool, key] of toolsFor(c)) {
    const file = path(tool)
    if (file === undefined) return missingTool(tool, key)
    argv.push(file)
    switch (tool) {
      case "prlimit":
        argv.push(...c.limits.map((l) => `--${l.option}=${l.value}:${l.value}`), "--")
        break
      case "choom":
        argv.push("-n", String(c.oomScoreAdjust), "--")
        break
      case "nice":
        argv.push("-n", String(c.niceBy))
        break
      case "sh":
        // $0 is the umask, "$@" the rest of the chain: nothing of it is parsed by the shell.
        argv.push("-c", UMASK_SCRIPT, c.umask ?? "022")
        break
      case "setpriv": {
        const to = c.switchTo
        if (to === undefined) break
        if (to.uid !== undefined) argv.push(`--reuid=${to.uid}`)
        argv.push(`--regid=${to.gid}`)
        argv.push(to.groups.length === 0 ? "--clear-groups" : `--groups=${to.groups.join(",")}`, "--")
        break
      }
    }
  }
  return argv
}

/** The kernel's most open files (fs.nr_open), what `nofile = "infinity"` means, as in systemd. */
export const nrOpen = (): number => {
  try {
    return Number(readFileSync("/proc/sys/fs/nr_open", "utf8").trim()) || 1048576
  } catch {
    return 1048576
  }
}

/** Why `command` cannot be exec'd by the chain's last tool, found as execvp would (PATH of `env`). */
export const commandProblem = (command: string, envPath: string | undefined): string | undefined => {
  if (command.includes("/")) {
    if (isExecutable(command)) return undefined
    try {
      accessSync(command, constants.F_OK)
      return `${command} is not executable (permission denied)`
    } catch {
      return `${command} does not exist`
    }
  }
  const dirs = (envPath ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter).filter((d) => d !== "")
  return dirs.some((dir) => isExecutable(join(dir, command)))
    ? undefined
    : `${command} was not found on PATH (give an absolute path or install it)`
}
