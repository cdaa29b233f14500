// How a service's spec becomes a spawn request: the command and args as written (never a
// shell), its cwd, the daemon's environment minus systemd's per-unit variables, the service's
// own env, then its env_file's (read at each start, as systemd's EnvironmentFile=), $PORT, the
// markers that find its processes even outside its process group (DOCKLESS_SERVICE,
// DOCKLESS_INSTANCE, DOCKLESS_RUN), NOTIFY_SOCKET and WATCHDOG_USEC for a notify service, and its identity as systemd gives it: with `user`, that
// user's uid, gid, groups (initgroups) and HOME/USER/LOGNAME/SHELL (its own env wins), plus
// group, supplementary_groups, umask, limits, nice and oom_score_adjust, set by the exec chain
// of os/Credentials.ts (none at all for a service without those keys). Or a sentence saying why not.
import { statSync } from "node:fs"
import { getPriority } from "node:os"
import { isAbsolute } from "node:path"
import { readEnvFile } from "../config/EnvFile.ts"
import { limitNames, setsIdentity } from "../config/IdentitySpec.ts"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import { commandProblem, execChain, nrOpen, type Credentials, type Limit } from "../os/Credentials.ts"
import {
  findGroup,
  initGroups,
  lookupUser,
  readGroups,
  type GroupEntry,
  type PasswdEntry,
} from "../os/Users.ts"
import type { SpawnRequest } from "./ProcessRunner.ts"

/** systemd's per-unit variables belong to Dockless, not to the services it starts. */
const DAEMON_ONLY =
  /^(NOTIFY_SOCKET|WATCHDOG_USEC|WATCHDOG_PID|LISTEN_FDS|LISTEN_PID|LISTEN_FDNAMES|INVOCATION_ID)$/

const inheritable = (): Readonly<Record<string, string>> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !DAEMON_ONLY.test(key)) env[key] = value
  }
  return env
}

/** The daemon's environment is fixed once it runs, so it is filtered once, not at every spawn
 * (a crash loop spawns 20 times a second, and each copy outlived the young generation). */
let inherited: Readonly<Record<string, string>> | undefined
const baseEnv = (): Readonly<Record<string, string>> => (inherited ??= inheritable())

/** Why a cwd cannot be used, said as such (spawn's own ENOENT would blame the command). */
const cwdProblem = (cwd: string): string | undefined => {
  if (!isAbsolute(cwd)) return `cwd ${cwd} is not an absolute path`
  try {
    return statSync(cwd).isDirectory() ? undefined : `cwd ${cwd} is not a directory`
  } catch {
    return `cwd ${cwd} does not exist`
  }
}

const isRoot = () => process.getuid?.() === 0

/** A group of the spec by name or number, or why not. */
const groupId = (group: string | number, groups: ReadonlyArray<GroupEntry>, key: string): number | string =>
  findGroup(group, groups)?.gid ?? `${key}: no group named ${JSON.stringify(group)} in /etc/group`

/** Who the process becomes: undefined when the spec leaves it the daemon's own. */
const switchOf = (spec: ServiceSpec, user: PasswdEntry | undefined): Credentials["switchTo"] | string => {
  if (user === undefined && spec.group === undefined && spec.supplementary_groups.length === 0)
    return undefined
  if (!isRoot()) return "group and supplementary_groups need dockless to run as root"
  const groups = readGroups()
  if (groups === undefined) return "cannot read /etc/group to look up the service's groups"
  const primary = spec.group === undefined ? undefined : groupId(spec.group, groups, "group")
  if (typeof primary === "string") return primary
  const extra: Array<number> = []
  for (const group of spec.supplementary_groups) {
    const gid = groupId(group, groups, "supplementary_groups")
    if (typeof gid === "string") return gid
    extra.push(gid)
  }
  const gid = primary ?? user?.gid ?? process.getgid?.() ?? 0
  const own = user === undefined ? [] : initGroups(user.name, gid, groups)
  return { uid: user?.uid, gid, groups: [...new Set([...own, ...extra])] }
}

const limitsOf = (spec: ServiceSpec): ReadonlyArray<Limit> =>
  limitNames.flatMap((option) => {
    const value = spec.limits[option]
    if (value === undefined) return []
    return [{ option, value: value !== "infinity" ? value : option === "nofile" ? nrOpen() : "unlimited" }]
  })

/** The chain's settings for a spec (the user already looked up), or why they cannot be had. */
const credentialsOf = (spec: ServiceSpec, user: PasswdEntry | undefined): Credentials | string => {
  const switchTo = switchOf(spec, user)
  if (typeof switchTo === "string") return switchTo
  return {
    switchTo,
    umask: spec.umask,
    limits: limitsOf(spec),
    niceBy: spec.nice === undefined ? undefined : spec.nice - getPriority(),
    oomScoreAdjust: spec.oom_score_adjust,
  }
}

/** How a process gets its identity: by Node's own spawn, or by a chain of tools run before it. */
interface IdentityPlan {
  readonly via: ReadonlyArray<string>
  readonly uid?: number | undefined
  readonly gid?: number | undefined
}

const AS_DAEMON: IdentityPlan = { via: [] }

/**
 * Node's spawn sets a uid and gid and clears the supplementary groups (libuv's setgroups(0)),
 * which is what initgroups gives a user who is in no group but its own: such a service (most
 * `user = "…"` services) needs no tool, and its restart costs no extra exec (~4 ms of setpriv).
 */
const bySpawn = (c: Credentials): IdentityPlan | undefined => {
  const to = c.switchTo
  const onlySwitch =
    c.limits.length === 0 &&
    c.umask === undefined &&
    (c.niceBy === undefined || c.niceBy === 0) &&
    c.oomScoreAdjust === undefined
  if (to === undefined || !onlySwitch || to.groups.some((g) => g !== to.gid)) return undefined
  return { via: [], uid: to.uid, gid: to.gid }
}

const identityOf = (spec: ServiceSpec, user: PasswdEntry | undefined): IdentityPlan | string => {
  if (!setsIdentity(spec)) return AS_DAEMON
  const credentials = credentialsOf(spec, user)
  if (typeof credentials === "string") return credentials
  const spawned = bySpawn(credentials)
  if (spawned !== undefined) return spawned
  const via = execChain(credentials)
  return typeof via === "string" ? via : { via }
}

/** What systemd sets from the passwd entry of User=; the service's own env wins over it. */
const userEnv = (user: PasswdEntry | undefined): Readonly<Record<string, string>> =>
  user === undefined ? {} : { HOME: user.home, USER: user.name, LOGNAME: user.name, SHELL: user.shell }

/** What marks a run's processes: the daemon instance (its data dir) and the run's own id. */
export interface RunMarkers {
  readonly instance: string
  readonly run: string
}

export const spawnRequest = (
  spec: ServiceSpec,
  port: number | undefined,
  markers: RunMarkers,
  notifySocket?: string,
): SpawnRequest | string => {
  const user = spec.user === undefined ? undefined : lookupUser(spec.user)
  if (user?._tag === "Refused") return user.reason
  const cwd = spec.cwd === undefined ? undefined : cwdProblem(spec.cwd)
  if (cwd !== undefined) return cwd
  const fromFile = spec.env_file === undefined ? undefined : readEnvFile(spec.env_file)
  if (fromFile?._tag === "Invalid") return fromFile.reason
  // A service that sets nothing of its identity is spawned as it always was: nothing runs first.
  const identity = identityOf(spec, user)
  if (typeof identity === "string") return identity
  const { via } = identity
  const env: Readonly<Record<string, string>> = {
    ...baseEnv(),
    ...userEnv(user),
    ...spec.env,
    ...fromFile?.env,
    DOCKLESS_SERVICE: spec.name,
    DOCKLESS_INSTANCE: markers.instance,
    DOCKLESS_RUN: markers.run,
    ...(port === undefined ? {} : { PORT: String(port) }),
    // As systemd gives a Type=notify unit: its own socket, and its watchdog in microseconds
    // (no WATCHDOG_PID: the pid is not known before the spawn, and sd_watchdog_enabled needs none).
    ...(notifySocket === undefined ? {} : { NOTIFY_SOCKET: notifySocket }),
    ...(spec.watchdog === undefined ? {} : { WATCHDOG_USEC: String(spec.watchdog * 1000) }),
  }
  // Node's spawn says when the command cannot be run; through the chain, the last tool would
  // say it after the spawn, as a crash: so it is said here.
  const missing = via.length === 0 ? undefined : commandProblem(spec.command, env.PATH)
  if (missing !== undefined) return missing
  return {
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd,
    env,
    via,
    uid: identity.uid,
    gid: identity.gid,
    stopSignal: spec.stop_signal,
    stopTimeoutMs: spec.stop_timeout,
  }
}
