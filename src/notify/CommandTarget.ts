// A command target: runs the program (never through a shell: `args` are passed as they are) in
// a process group of its own, with the alert in its environment (DOCKLESS_EVENT, _SERVICE,
// _TITLE, _MESSAGE, _AT, _HOST, _SUPPRESSED) and as JSON on stdin. Exit 0 is delivered; another
// code is a failure with the start of its stderr. Its run is a scoped resource, the
// ProcessRunner pattern: past the timeout (or on interruption) the release SIGKILLs its whole
// group, so a hung `curl` or a script's grandchildren cannot pile up behind alerts.
// This and ProcessRunner are the only places that start processes: ProcessRunner's spawn
// carries a service's identity, logs and restarts, none of which an alert command has.
import { spawn, type ChildProcess } from "node:child_process"
import { resolve } from "node:path"
import { Effect } from "effect"
import { systemErrorReason } from "../os/SystemError.ts"
import type { AlertPayload } from "./Alert.ts"
import { DeliveryFailed } from "./DeliveryFailed.ts"

export interface CommandSpec {
  readonly command: string
  readonly args: ReadonlyArray<string>
  /** config.toml's directory: a relative command path and the run's working directory. */
  readonly cwd: string
}

const STDERR_CHARS = 300

export const alertEnv = (payload: AlertPayload): Record<string, string> => ({
  DOCKLESS_EVENT: payload.event,
  DOCKLESS_SERVICE: payload.service ?? "",
  DOCKLESS_TITLE: payload.title,
  DOCKLESS_MESSAGE: payload.message,
  DOCKLESS_AT: payload.at,
  DOCKLESS_HOST: payload.host,
  DOCKLESS_SUPPRESSED: String(payload.suppressed),
})

/** Its group is ours to kill until its pipes closed: then everything in it that wrote is gone. */
interface Run {
  readonly child: ChildProcess
  closed: boolean
}

const killGroup = (run: Run) =>
  Effect.sync(() => {
    const pid = run.child.pid
    if (run.closed || pid === undefined) return
    try {
      process.kill(-pid, "SIGKILL")
    } catch {
      // ESRCH: the group is gone already.
    }
  })

const start = (spec: CommandSpec, payload: AlertPayload) =>
  Effect.try({
    try: (): Run => {
      const program = spec.command.includes("/") ? resolve(spec.cwd, spec.command) : spec.command
      const child = spawn(program, [...spec.args], {
        cwd: spec.cwd,
        env: { ...process.env, ...alertEnv(payload) },
        detached: true,
        stdio: ["pipe", "ignore", "pipe"],
      })
      // A program that does not read its stdin closes it early: EPIPE is no failure of the alert.
      child.stdin?.on("error", () => undefined)
      child.stdin?.end(`${JSON.stringify(payload)}\n`)
      return { child, closed: false }
    },
    catch: (cause) => new DeliveryFailed({ reason: `${spec.command}: ${systemErrorReason(cause)}` }),
  })

const ended = (spec: CommandSpec, run: Run) =>
  Effect.async<void, DeliveryFailed>((resume) => {
    let stderr = ""
    run.child.stderr?.setEncoding("utf8")
    run.child.stderr?.on("data", (chunk: string) => {
      if (stderr.length < STDERR_CHARS) stderr += chunk
    })
    run.child.once("error", (error) => {
      run.closed = true
      resume(Effect.fail(new DeliveryFailed({ reason: `${spec.command}: ${systemErrorReason(error)}` })))
    })
    run.child.once("close", (code, signal) => {
      run.closed = true
      if (code === 0) return resume(Effect.void)
      const how = signal === null ? `exited with ${code}` : `was killed by ${signal}`
      const said = stderr.trim().slice(0, STDERR_CHARS)
      resume(Effect.fail(new DeliveryFailed({ reason: `${spec.command} ${how}${said ? `: ${said}` : ""}` })))
    })
  })

export const runCommand = (
  spec: CommandSpec,
  payload: AlertPayload,
  timeoutMs: number,
): Effect.Effect<void, DeliveryFailed> =>
  Effect.acquireRelease(start(spec, payload), killGroup).pipe(
    Effect.flatMap((run) =>
      ended(spec, run).pipe(
        Effect.timeoutFail({
          duration: timeoutMs,
          onTimeout: () =>
            new DeliveryFailed({
              reason: `${spec.command} did not finish within ${timeoutMs} ms; its process group was killed`,
            }),
        }),
      ),
    ),
    Effect.scoped,
  )
