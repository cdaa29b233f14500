// Whether an ended service is started again: OTP's do_restart clauses. `always` is permanent,
// `on-failure` is transient (restart unless it exited cleanly), `never` is temporary.
// A stop a person asked for is never a reason to restart; the actor handles that before asking.
import type { RestartPolicy } from "../config/ServiceSpec.ts"
import type { ExitInfo } from "../actors/ProcessRunner.ts"

export const isCleanExit = (exit: ExitInfo): boolean => exit.code === 0 && exit.signal === null

/** `faulted`: Dockless stopped it for a fault (failing health check, memory_max), a failure whatever the exit code. */
export const shouldRestart = (policy: RestartPolicy, exit: ExitInfo, faulted = false): boolean => {
  switch (policy) {
    case "always":
      return true
    case "on-failure":
      return faulted || !isCleanExit(exit)
    case "never":
      return false
  }
}
