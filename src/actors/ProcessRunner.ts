// The only module that starts or signals OS processes. A service's process runs in its own
// process group (detached), never through a shell; its exit is data ({ code, signal }), and
// stopping it follows OTP's shutdown protocol: stop_signal to the group, wait, then SIGKILL.
// Releasing the scope a process was spawned in stops it, so no child outlives its owner.
import { spawn as nodeSpawn, type ChildProcess } from "node:child_process"
import type { Socket } from "node:net"
import type { Readable } from "node:stream"
import { Data, Deferred, Effect, FiberId, Option, type Scope } from "effect"

export interface ExitInfo {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface SpawnRequest {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string | undefined
  readonly env: Readonly<Record<string, string>>
  /**
   * The tools that set the process's identity and exec the command in place (SpawnPlan.ts,
   * os/Credentials.ts): spawned first, with the command and args after them. Empty: none.
   */
  readonly via: ReadonlyArray<string>
  /**
   * The user and group Node's own spawn switches to, when that is all the identity takes
   * (SpawnPlan.ts): no tool runs first then. Undefined: the daemon's own.
   */
  readonly uid?: number | undefined
  readonly gid?: number | undefined
  readonly stopSignal: NodeJS.Signals
  readonly stopTimeoutMs: number
}

export interface SpawnedProcess {
  readonly pid: number
  /** Completes when the main process has ended (the 'exit' event, not 'close': see STACK pitfall 12). */
  readonly exit: Effect.Effect<ExitInfo>
  /** Sends a signal to the whole process group; a group that is already gone is not an error. */
  readonly signalGroup: (signal: NodeJS.Signals) => Effect.Effect<void>
}

/** A process whose stdout and stderr are pipes to us. */
export interface RunningProcess extends SpawnedProcess {
  readonly stdout: Readable
  readonly stderr: Readable
}

/** Sockets to give a process as its stdout and stderr, instead of new pipes. */
export interface OutputSockets {
  readonly stdout: Socket
  readonly stderr: Socket
}

/** How long a process may take to vanish after SIGKILL before Dockless stops waiting for it. */
export const KILL_GRACE_MS = 5000

export class SpawnFailed extends Data.TaggedError("SpawnFailed")<{
  readonly command: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot start ${this.command}: ${this.reason}`
  }
}

const describeSpawnError = (command: string, cwd: string | undefined, error: NodeJS.ErrnoException) => {
  switch (error.code) {
    case "ENOENT":
      return command.includes("/")
        ? `${command} does not exist`
        : `${command} was not found on PATH (give an absolute path or install it)`
    case "EACCES":
      return `${command} is not executable (permission denied)`
    case "ENOTDIR":
      return `cwd ${cwd ?? ""} is not a directory`
    default:
      return error.message
  }
}

/**
 * Sends `signal` to `target` (a negative pid is a process group). One that is gone already
 * (ESRCH) is what a stop wants; any other refusal (EPERM: a process that changed its
 * credentials) is answered as a sentence, for the caller to log.
 */
const kill = (target: number, signal: NodeJS.Signals | number): string | undefined => {
  try {
    process.kill(target, signal)
    return undefined
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : String(error)
    if (code === "ESRCH") return undefined
    const what = target < 0 ? `process group ${-target}` : `pid ${target}`
    return `could not send ${signal} to ${what}: ${code}`
  }
}

const signalGroupNow = (pid: number, signal: NodeJS.Signals | number): string | undefined =>
  kill(-pid, signal)

const logRefusal = (refusal: string | undefined): Effect.Effect<void> =>
  refusal === undefined ? Effect.void : Effect.logWarning(refusal)

export const signalGroup = (pid: number, signal: NodeJS.Signals | number): Effect.Effect<void> =>
  Effect.suspend(() => logRefusal(signalGroupNow(pid, signal)))

/** SIGKILL to a process group at once, outside any fiber (a shutdown past its deadline); answers a refusal. */
export const killGroupNow = (pid: number): string | undefined => signalGroupNow(pid, "SIGKILL")

/** Signals one process (one that left its group); a process already gone is not an error. */
export const signalProcess = (pid: number, signal: NodeJS.Signals): Effect.Effect<void> =>
  Effect.suspend(() => logRefusal(kill(pid, signal)))

const acquire = (request: SpawnRequest, output: OutputSockets | undefined) =>
  Effect.async<{ readonly child: ChildProcess; readonly exited: Deferred.Deferred<ExitInfo> }, SpawnFailed>(
    (resume) => {
      const exited = Deferred.unsafeMake<ExitInfo>(FiberId.none)
      const [first = request.command, ...rest] = request.via
      const args = request.via.length === 0 ? request.args : [...rest, request.command, ...request.args]
      const child = nodeSpawn(first, [...args], {
        stdio: ["ignore", output?.stdout ?? "pipe", output?.stderr ?? "pipe"],
        detached: true,
        cwd: request.cwd,
        env: request.env,
        ...(request.uid === undefined ? {} : { uid: request.uid }),
        ...(request.gid === undefined ? {} : { gid: request.gid }),
      })
      child.once("error", (error: NodeJS.ErrnoException) => {
        if (child.pid === undefined) {
          resume(
            Effect.fail(
              new SpawnFailed({
                command: request.command,
                reason: describeSpawnError(first, request.cwd, error),
              }),
            ),
          )
        }
      })
      child.once("exit", (code, signal) => {
        // The main process is gone; whatever it left running in its group goes with it (a
        // refusal here is seen again by the stop that follows, which logs it).
        if (child.pid !== undefined) signalGroupNow(child.pid, "SIGKILL")
        Deferred.unsafeDone(exited, Effect.succeed({ code, signal }))
      })
      child.once("spawn", () => resume(Effect.succeed({ child, exited })))
    },
  )

/** The child in the current scope: its release stops the whole group (see `spawn`). */
const scoped = (request: SpawnRequest, output: OutputSockets | undefined) =>
  Effect.acquireRelease(acquire(request, output), ({ child, exited }) =>
    stopGroup(child.pid ?? 0, exited, request),
  )

const running = (child: ChildProcess, exited: Deferred.Deferred<ExitInfo>): SpawnedProcess => {
  const pid = child.pid ?? 0
  return {
    pid,
    exit: Deferred.await(exited),
    signalGroup: (signal) => signalGroup(pid, signal),
  }
}

/**
 * Spawns a process whose lifetime is bound to the current scope, its stdout and stderr piped to
 * us. The release is uninterruptible except for its bounded waits (STACK pitfall 11): closing
 * the scope always ends the whole group, and never hangs, even on a process stuck in the kernel
 * that ignores SIGKILL.
 */
export const spawn = (request: SpawnRequest): Effect.Effect<RunningProcess, SpawnFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const { child, exited } = yield* scoped(request, undefined)
    const stdout = child.stdout
    const stderr = child.stderr
    if (stdout === null || stderr === null) return yield* Effect.die("spawned without stdout/stderr pipes")
    return { ...running(child, exited), stdout, stderr }
  })

/** As `spawn`, with `output` as the process's stdout and stderr (the caller closes its copies). */
export const spawnWithOutput = (
  request: SpawnRequest,
  output: OutputSockets,
): Effect.Effect<SpawnedProcess, SpawnFailed, Scope.Scope> =>
  scoped(request, output).pipe(Effect.map(({ child, exited }) => running(child, exited)))

const waitFor = (exited: Deferred.Deferred<ExitInfo>, ms: number) =>
  Effect.interruptible(Deferred.await(exited)).pipe(Effect.timeout(ms), Effect.option)

/** stop_signal to the group, up to stop_timeout, SIGKILL, up to KILL_GRACE_MS; then SIGKILL for stragglers. */
const stopGroup = (pid: number, exited: Deferred.Deferred<ExitInfo>, request: SpawnRequest) =>
  Effect.gen(function* () {
    if (Option.isNone(yield* Deferred.poll(exited))) {
      yield* signalGroup(pid, request.stopSignal)
      if (Option.isNone(yield* waitFor(exited, request.stopTimeoutMs))) {
        yield* signalGroup(pid, "SIGKILL")
        yield* waitFor(exited, KILL_GRACE_MS)
      }
    }
    yield* signalGroup(pid, "SIGKILL")
  })
