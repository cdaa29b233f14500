// Entry point: parse the command line, run the command, exit with its code. NodeRuntime turns
// SIGTERM/SIGINT into interruption of the running command, so `run` stops every service in
// order; a second signal kills Dockless at once.
import { runMain } from "@effect/platform-node/NodeRuntime"
import { Effect, Exit } from "effect"
import { daemonLoggerLayer } from "./cli/DaemonLog.ts"
import { dispatch } from "./cli/dispatch.ts"

runMain(dispatch(process.argv.slice(2)).pipe(Effect.provide(daemonLoggerLayer)), {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) =>
    onExit(
      Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : Exit.isInterrupted(exit) ? 0 : 1,
    ),
})
