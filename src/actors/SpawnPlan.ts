// How a service's spec becomes a spawn request: the command and args as written (never a
// shell), its cwd, the daemon's environment minus systemd's per-unit variables, the service's
// own env, then its env_file's (read at each start, as systemd's EnvironmentFile=), $PORT, the
// markers that find its processes even outside its process group (DOCKLESS_SERVICE,
// DOCKLESS_INSTANCE, DOCKLESS_RUN), and the uid/gid of `user`. Or a sentence saying why not.
import { statSync } from "node:fs"
import { isAbsolute } from "node:path"
import { readEnvFile } from "../config/EnvFile.ts"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import { lookupUser } from "../os/Users.ts"
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

/** What marks a run's processes: the daemon instance (its data dir) and the run's own id. */
export interface RunMarkers {
  readonly instance: string
  readonly run: string
}

export const spawnRequest = (
  spec: ServiceSpec,
  port: number | undefined,
  markers: RunMarkers,
): SpawnRequest | string => {
  const user = spec.user === undefined ? undefined : lookupUser(spec.user)
  if (user?._tag === "Refused") return user.reason
  const cwd = spec.cwd === undefined ? undefined : cwdProblem(spec.cwd)
  if (cwd !== undefined) return cwd
  const fromFile = spec.env_file === undefined ? undefined : readEnvFile(spec.env_file)
  if (fromFile?._tag === "Invalid") return fromFile.reason
  return {
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd,
    env: {
      ...baseEnv(),
      ...spec.env,
      ...fromFile?.env,
      DOCKLESS_SERVICE: spec.name,
      DOCKLESS_INSTANCE: markers.instance,
      DOCKLESS_RUN: markers.run,
      ...(port === undefined ? {} : { PORT: String(port) }),
    },
    uid: user?.uid,
    gid: user?.gid,
    stopSignal: spec.stop_signal,
    stopTimeoutMs: spec.stop_timeout,
  }
}
