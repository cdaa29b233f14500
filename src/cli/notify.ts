// sd_notify readiness: tells systemd that dockless is up (READY=1) when it runs as the
// Type=notify unit in systemd/dockless.service. Node cannot send unix datagrams, so this runs
// `systemd-notify --ready`; as root it sends with its parent's PID, i.e. dockless's own, which
// is what NotifyAccess=main accepts. Outside systemd ($NOTIFY_SOCKET unset) it does nothing,
// and a failure is logged, never fatal: the daemon keeps running either way.
import { Config, Data, Effect, Option } from "effect"
import { execFile, type ExecFileException } from "node:child_process"

class NotifyFailed extends Data.TaggedError("NotifyFailed")<{ readonly reason: string }> {}

const notifySocket = Config.option(Config.nonEmptyString("NOTIFY_SOCKET")).pipe(
  Effect.orElseSucceed(() => Option.none<string>()),
)

const reasonOf = (error: ExecFileException, stderr: string): string =>
  error.code === "ENOENT"
    ? "systemd-notify was not found on PATH (it comes with the systemd package)"
    : `systemd-notify failed: ${stderr.trim() || error.message}`

const systemdNotify = (socket: string, args: ReadonlyArray<string>) =>
  Effect.async<void, NotifyFailed>((resume) => {
    const child = execFile(
      "systemd-notify",
      [...args],
      { env: { ...process.env, NOTIFY_SOCKET: socket } },
      (error, _stdout, stderr) =>
        resume(error ? Effect.fail(new NotifyFailed({ reason: reasonOf(error, stderr) })) : Effect.void),
    )
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** Sends READY=1 to $NOTIFY_SOCKET; a no-op when dockless does not run under systemd's Type=notify. */
export const notifyReady: Effect.Effect<void> = Effect.gen(function* () {
  const socket = yield* notifySocket
  if (Option.isNone(socket)) return
  yield* systemdNotify(socket.value, ["--ready"]).pipe(
    Effect.timeoutFail({
      duration: "10 seconds",
      onTimeout: () => new NotifyFailed({ reason: "systemd-notify --ready did not finish within 10s" }),
    }),
    Effect.catchTag("NotifyFailed", ({ reason }) =>
      Effect.logWarning(
        `could not tell systemd that dockless is ready: ${reason}. systemd will stop dockless when ` +
          "TimeoutStartSec runs out; install systemd-notify, or set Type=exec with `systemctl edit dockless`.",
      ),
    ),
  )
}).pipe(Effect.withSpan("notifyReady"))

/**
 * At the start of a shutdown: STOPPING=1, and EXTEND_TIMEOUT_USEC with Dockless's own deadline,
 * so systemd waits as long as Dockless will (and no longer) whatever the unit's TimeoutStopSec.
 */
export const notifyStopping = (deadlineMs: number): Effect.Effect<void> =>
  Effect.gen(function* () {
    const socket = yield* notifySocket
    if (Option.isNone(socket)) return
    yield* systemdNotify(socket.value, ["STOPPING=1", `EXTEND_TIMEOUT_USEC=${deadlineMs * 1000}`]).pipe(
      Effect.timeoutFail({
        duration: "2 seconds",
        onTimeout: () => new NotifyFailed({ reason: "systemd-notify did not finish within 2s" }),
      }),
      Effect.catchTag("NotifyFailed", ({ reason }) =>
        Effect.logWarning(`could not tell systemd the shutdown deadline (${deadlineMs} ms): ${reason}`),
      ),
    )
  })
