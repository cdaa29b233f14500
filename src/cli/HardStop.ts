// The second SIGTERM/SIGINT: the person will not wait for a graceful stop. Before Dockless exits,
// every process of this daemon's services gets SIGKILL, with its whole process group (found by
// the DOCKLESS_INSTANCE marker every child carries, as Escapees' killAll finds them at the end of
// a shutdown), so no service is left running orphaned until the next start. OTP's brutal_kill,
// for the whole tree at once. `run` arms it with its instance once the config is known.
import { Effect } from "effect"
import { signalGroup, signalProcess } from "../actors/ProcessRunner.ts"
import { markedProcessesNow } from "../os/Markers.ts"
import { readProcIdentity } from "../os/ProcStat.ts"

/** The instance marker of the daemon this process runs, while it runs. */
let armed: string | undefined

/** Arms the hard stop for the scope of a running daemon. */
export const armHardStop = (instance: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      armed = instance
    }),
    () =>
      Effect.sync(() => {
        armed = undefined
      }),
  )

/** SIGKILLs every process of the armed daemon's services and their process groups; answers their pids. */
export const hardStop = (): ReadonlyArray<number> => {
  const instance = armed
  if (instance === undefined) return []
  const found = markedProcessesNow((m) => m.get("DOCKLESS_INSTANCE") === instance).map((p) => p.pid)
  const own = readProcIdentity(process.pid)?.pgid
  const groups = new Set(
    found.map((pid) => readProcIdentity(pid)?.pgid).filter((g) => g !== undefined && g > 1 && g !== own),
  )
  for (const group of groups) if (group !== undefined) Effect.runSync(signalGroup(group, "SIGKILL"))
  for (const pid of found) Effect.runSync(signalProcess(pid, "SIGKILL"))
  return found
}
