// Checks of a service's identity keys against the host, made wherever a spec is accepted (config
// load, `dockless check`, the API) so what cannot be given is refused with its key path instead
// of failing at a spawn: a group that does not exist, a limit above what can be set (the hard
// limit, or for root the kernel's fs.nr_open), a nice or oom_score_adjust below Dockless's own
// without root, groups without root, a tool of the exec chain that is missing. Judged with the
// privileges of the process that checks: the daemon itself, or a person running `dockless check`.
import { readFileSync } from "node:fs"
import { getPriority } from "node:os"
import { missingTool, nrOpen, toolPath, toolsFor, type Credentials, type Tool } from "../os/Credentials.ts"
import { limitRows, parseLimit, type LimitReading } from "../os/ProcCredentials.ts"
import { findGroup, readGroups, type GroupEntry } from "../os/Users.ts"
import { issue, type ConfigIssue } from "./ConfigError.ts"
import { joinPath, type Issues } from "./Decoding.ts"
import { limitNames, setsIdentity, type LimitName, type LimitValue } from "./IdentitySpec.ts"
import type { ServiceSpec } from "./ServiceSpec.ts"

/** What the checks need to know of the host; tests pass their own. */
export interface IdentityHost {
  readonly root: boolean
  /** Every group in /etc/group, or undefined when it cannot be read. */
  readonly groups: ReadonlyArray<GroupEntry> | undefined
  /** The checking process's own hard limits: the most a process without root can set. */
  readonly hardLimits: Readonly<Record<LimitName, LimitReading | null>>
  /** fs.nr_open: the most open files even root can set. */
  readonly nrOpen: number
  readonly nice: number
  readonly oomScoreAdj: number
  readonly tool: (tool: Tool) => string | undefined
}

const ownOomScoreAdj = (): number => {
  try {
    return Number(readFileSync("/proc/self/oom_score_adj", "utf8").trim()) || 0
  } catch {
    return 0
  }
}

/** The host as this process sees it now. */
export const currentHost = (): IdentityHost => {
  let limits = ""
  try {
    limits = readFileSync("/proc/self/limits", "utf8")
  } catch {
    // Without /proc every limit counts as unknown, and is left to the spawn.
  }
  const hard = (name: LimitName) => parseLimit(limits, limitRows[name])?.hard ?? null
  return {
    root: process.getuid?.() === 0,
    groups: readGroups(),
    hardLimits: {
      nofile: hard("nofile"),
      nproc: hard("nproc"),
      core: hard("core"),
      memlock: hard("memlock"),
    },
    nrOpen: nrOpen(),
    nice: getPriority(),
    oomScoreAdj: ownOomScoreAdj(),
    tool: toolPath,
  }
}

const needsRoot = "needs dockless to run as root"

const checkGroups = (spec: ServiceSpec, at: string, host: IdentityHost): Issues => {
  const named: Array<readonly [string, string | number]> = [
    ...(spec.group === undefined ? [] : [[joinPath(at, "group"), spec.group] as const]),
    ...spec.supplementary_groups.map(
      (group, i) => [joinPath(joinPath(at, "supplementary_groups"), i), group] as const,
    ),
  ]
  if (named.length === 0) return []
  const groups = host.groups
  if (groups === undefined) return [issue(named[0]?.[0] ?? at, "cannot read /etc/group to look the group up")]
  const issues: Array<ConfigIssue> = named.flatMap(([path, group]) =>
    findGroup(group, groups) === undefined
      ? [issue(path, `no group named ${JSON.stringify(group)} in /etc/group`)]
      : [],
  )
  if (!host.root) {
    const key = spec.group === undefined ? "supplementary_groups" : "group"
    issues.push(issue(joinPath(at, key), `${key} ${needsRoot} (only root may change a process's groups)`))
  }
  return issues
}

const shown = (value: LimitValue | LimitReading): string =>
  value === "infinity" ? `"infinity"` : String(value)

const isAbove = (value: LimitValue, most: LimitReading): boolean =>
  most !== "infinity" && (value === "infinity" || value > most)

/** A limit above the hard limit (without root), or above what the kernel allows at all (root). */
const checkLimit = (name: LimitName, value: LimitValue, at: string, host: IdentityHost): Issues => {
  const path = joinPath(joinPath(at, "limits"), name)
  if (host.root) {
    // systemd's reading of LimitNOFILE=infinity: the kernel's most.
    return name === "nofile" && value !== "infinity" && value > host.nrOpen
      ? [issue(path, `${value} is above the kernel's most open files (fs.nr_open = ${host.nrOpen})`)]
      : []
  }
  const hard = host.hardLimits[name]
  return hard !== null && isAbove(value, hard)
    ? [
        issue(
          path,
          `${shown(value)} is above the hard limit dockless has (${shown(hard)}); ` +
            `only root may raise a hard limit`,
        ),
      ]
    : []
}

const checkPriorities = (spec: ServiceSpec, at: string, host: IdentityHost): Issues => {
  if (host.root) return []
  const issues: Array<ConfigIssue> = []
  if (spec.nice !== undefined && spec.nice < host.nice)
    issues.push(
      issue(
        joinPath(at, "nice"),
        `nice = ${spec.nice} ${needsRoot}: only root may give a process a nice value below dockless's own (${host.nice})`,
      ),
    )
  if (spec.oom_score_adjust !== undefined && spec.oom_score_adjust < host.oomScoreAdj)
    issues.push(
      issue(
        joinPath(at, "oom_score_adjust"),
        `oom_score_adjust = ${spec.oom_score_adjust} ${needsRoot}: only root may set it below dockless's own (${host.oomScoreAdj})`,
      ),
    )
  return issues
}

/** The tools the keys in use need (os/Credentials.ts), each missing one named at its key. */
const checkTools = (spec: ServiceSpec, at: string, host: IdentityHost): Issues => {
  const uses: Credentials = {
    switchTo:
      spec.user !== undefined || spec.group !== undefined || spec.supplementary_groups.length > 0
        ? { uid: undefined, gid: 0, groups: [] }
        : undefined,
    umask: spec.umask,
    limits: limitNames.flatMap((option) => {
      const value = spec.limits[option]
      return value === undefined ? [] : [{ option, value: 0 }]
    }),
    niceBy: spec.nice === undefined ? undefined : spec.nice - host.nice,
    oomScoreAdjust: spec.oom_score_adjust,
  }
  return toolsFor(uses).flatMap(([tool, key]) =>
    host.tool(tool) === undefined ? [issue(joinPath(at, key), missingTool(tool, key))] : [],
  )
}

/** Issues of `spec`'s identity keys on this host (`host` read only when one is set). */
export const checkIdentity = (
  spec: ServiceSpec,
  pathPrefix: string,
  host: () => IdentityHost = currentHost,
): Issues => {
  if (!setsIdentity(spec)) return []
  const h = host()
  return [
    ...checkGroups(spec, pathPrefix, h),
    ...limitNames.flatMap((name) => {
      const value = spec.limits[name]
      return value === undefined ? [] : checkLimit(name, value, pathPrefix, h)
    }),
    ...checkPriorities(spec, pathPrefix, h),
    ...checkTools(spec, pathPrefix, h),
  ]
}
