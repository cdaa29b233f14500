// Checks of a service against the host it runs on, so a mistake is refused with its key path
// instead of surfacing at the first spawn as a `failed` service: the `user` it runs as exists,
// its `cwd` is a directory, its `command` (and a health check's exec program) is an executable
// file, found on PATH when it is a bare name. `checkHost` runs wherever a person hands a spec in
// (`dockless check`, the API); loading the config at start only checks the user (`checkUser`), so
// a cwd on a disk mounted late fails that one service at spawn, never the whole daemon. Both
// also check that `ready = "notify"` and `watchdog` can have their socket here (`checkNotify`).
// Whether Dockless may switch users (it must run as root) is left to the spawn. A path this
// process may not look at (a 0700 folder, for a person without sudo) is not reported: it cannot tell.
import { statSync, type Stats } from "node:fs"
import * as path from "node:path"
import { sdNotifyAddon } from "../os/SdNotifyAddon.ts"
import { findUser } from "../os/Users.ts"
import { issue } from "./ConfigError.ts"
import { joinPath, type Issues } from "./Decoding.ts"
import { notifyUnavailable, watchdogUnavailable } from "./ReadySpec.ts"
import type { ServiceSpec } from "./ServiceSpec.ts"

type Found =
  | { readonly _tag: "Stats"; readonly stats: Stats }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Unknown" }

const look = (file: string): Found => {
  try {
    return { _tag: "Stats", stats: statSync(file) }
  } catch (error) {
    const code = error instanceof Error && "code" in error ? error.code : undefined
    return code === "ENOENT" || code === "ENOTDIR" ? { _tag: "Missing" } : { _tag: "Unknown" }
  }
}

/** Any execute bit: root may run it, and whether the service's user may is the spawn's to say. */
const isProgram = (stats: Stats) => stats.isFile() && (stats.mode & 0o111) !== 0

/** Why `program` (absolute, or a bare name looked up on `searchPath`) cannot be run, if it cannot. */
export const programProblem = (program: string, searchPath: string): string | undefined => {
  if (!path.isAbsolute(program)) {
    const dirs = searchPath.split(":").filter((dir) => path.isAbsolute(dir))
    const found = dirs.map((dir) => look(path.join(dir, program)))
    if (found.some((f) => f._tag === "Unknown" || (f._tag === "Stats" && isProgram(f.stats))))
      return undefined
    return `"${program}" was not found on PATH (${searchPath}): give an absolute path, or install it`
  }
  const found = look(program)
  if (found._tag === "Unknown") return undefined
  if (found._tag === "Missing") return `${program} does not exist`
  if (found.stats.isDirectory()) return `${program} is a directory, not a program`
  return isProgram(found.stats) ? undefined : `${program} is not executable (chmod +x it)`
}

/** Why `cwd` (absolute once decoded) cannot be a service's working directory, if it cannot. */
export const cwdProblem = (cwd: string): string | undefined => {
  const found = look(cwd)
  if (found._tag === "Missing") return `directory ${cwd} does not exist`
  return found._tag === "Stats" && !found.stats.isDirectory() ? `${cwd} is not a directory` : undefined
}

/** The user exists on this host. */
export const checkUser = (spec: ServiceSpec, pathPrefix: string): Issues => {
  if (spec.user === undefined) return []
  const found = findUser(spec.user)
  return found._tag === "Found" ? [] : [issue(joinPath(pathPrefix, "user"), found.reason)]
}

/**
 * The cwd, the command and a health check's exec program. A bare command is looked up on the
 * PATH the spawn will use: the service's own `env.PATH`, else `daemonPath` (the daemon's, or the
 * checking person's at `dockless check`).
 */
export const checkPaths = (
  spec: ServiceSpec,
  pathPrefix: string,
  daemonPath = process.env["PATH"],
): Issues => {
  const searchPath = spec.env["PATH"] ?? daemonPath ?? ""
  const at = (key: string) => joinPath(pathPrefix, key)
  const command = programProblem(spec.command, searchPath)
  const cwd = spec.cwd === undefined ? undefined : cwdProblem(spec.cwd)
  const check = spec.health?.check
  const probe = check?._tag === "exec" ? check.command[0] : undefined
  const probeProblem = probe === undefined ? undefined : programProblem(probe, searchPath)
  return [
    ...(command === undefined ? [] : [issue(at("command"), command)]),
    ...(cwd === undefined ? [] : [issue(at("cwd"), cwd)]),
    ...(probeProblem === undefined ? [] : [issue(joinPath(at("health"), "exec"), probeProblem)]),
  ]
}

/**
 * `ready = "notify"` and `watchdog` need Dockless's notify addon, prebuilt for linux x64 and
 * arm64: on another CPU, or with the file missing from a copied dist/, they are refused with the
 * reason. The addon is loaded here, only for a service that asks for it.
 */
export const checkNotify = (spec: ServiceSpec, pathPrefix: string): Issues => {
  const notify = spec.ready?._tag === "notify"
  if (!notify && spec.watchdog === undefined) return []
  const addon = sdNotifyAddon()
  if (typeof addon !== "string") return []
  return notify
    ? [issue(joinPath(pathPrefix, "ready"), notifyUnavailable(addon))]
    : [issue(joinPath(pathPrefix, "watchdog"), watchdogUnavailable(addon))]
}

/** Every host check: what the API runs on a registration or a replacement (400 with the key path). */
export const checkHost = (spec: ServiceSpec, pathPrefix: string): Issues => [
  ...checkPaths(spec, pathPrefix),
  ...checkUser(spec, pathPrefix),
  ...checkNotify(spec, pathPrefix),
]
