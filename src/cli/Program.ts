// The command line: parse it, run the command, exit with its code (src/main.ts loads this once
// MallocTuning has had its say). NodeRuntime turns SIGTERM/SIGINT into interruption of the running
// command, so `run` stops every service in order. A second signal does not wait for that: every
// service's process group gets SIGKILL (HardStop), a line says so, and Dockless exits with 128 +
// the signal's number.
import { writeSync } from "node:fs"
import { constants } from "node:os"
import { runMain } from "@effect/platform-node/NodeRuntime"
import { Effect, Exit } from "effect"
import { daemonLoggerLayer } from "./DaemonLog.ts"
import { dispatch } from "./dispatch.ts"
import { hardStop } from "./HardStop.ts"

let signals = 0
const onSignal = (signal: NodeJS.Signals) => {
  signals += 1
  if (signals < 2) return
  const killed = hardStop()
  writeSync(
    2,
    killed.length === 0
      ? `warn: second ${signal}: exiting at once\n`
      : `warn: second ${signal}: sent SIGKILL to ${killed.length} service process${killed.length === 1 ? "" : "es"} ` +
          `and their process groups (pids ${killed.join(", ")}) instead of stopping them gracefully; exiting at once\n`,
  )
  process.exit(128 + constants.signals[signal])
}
// Registered before runMain's own listeners, which handle the first signal and then remove themselves.
process.on("SIGTERM", onSignal)
process.on("SIGINT", onSignal)

runMain(dispatch(process.argv.slice(2)).pipe(Effect.provide(daemonLoggerLayer)), {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) =>
    onExit(
      Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : Exit.isInterrupted(exit) ? 0 : 1,
    ),
})
