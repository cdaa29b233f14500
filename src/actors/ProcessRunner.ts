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

/** What Node's spawn is given for `request`: the identity tools first, when there are any. */
const commandOf = (request: SpawnRequest): { readonly file: string; readonly args: Array<string> } => {
  const [first = request.command, ...rest] = request.via
  return {
    file: first,
    args: request.via.length === 0 ? [...request.args] : [...rest, request.command, ...request.args],
  }
}

const spawnChild = (request: SpawnRequest, output: OutputSockets | undefined): ChildProcess => {
  const { file, args } = commandOf(request)
  return nodeSpawn(file, args, {
    stdio: ["ignore", output?.stdout ?? "pipe", output?.stderr ?? "pipe"],
    detached: true,
    cwd: request.cwd,
    env: request.env,
    ...(request.uid === undefined ? {} : { uid: request.uid }),
    ...(request.gid === undefined ? {} : { gid: request.gid }),
  })
}

/** Called at the main process's end, in the 'exit' callback itself: no fiber stands in between. */
export type ExitHook = (exit: ExitInfo) => void

/**
 * Completes `exited` when the main process ends, then calls the hook `hookNow` gives. Whatever
 * the process left running in its group goes with it (a refusal here is seen again by the stop
 * that follows, which logs it).
 */
const watchExit = (
  child: ChildProcess,
  exited: Deferred.Deferred<ExitInfo>,
  hookNow: () => ExitHook | undefined,
): void => {
  child.once("exit", (code, signal) => {
    if (child.pid !== undefined) signalGroupNow(child.pid, "SIGKILL")
    const exit = { code, signal }
    Deferred.unsafeDone(exited, Effect.succeed(exit))
    hookNow()?.(exit)
  })
}

const acquire = (request: SpawnRequest, output: OutputSockets | undefined, onExit: ExitHook | undefined) =>
  Effect.async<{ readonly child: ChildProcess; readonly exited: Deferred.Deferred<ExitInfo> }, SpawnFailed>(
    (resume) => {
      const exited = Deferred.unsafeMake<ExitInfo>(FiberId.none)
      const child = spawnChild(request, output)
      child.once("error", (error: NodeJS.ErrnoException) => {
        if (child.pid === undefined) {
          resume(
            Effect.fail(
              new SpawnFailed({
                command: request.command,
                reason: describeSpawnError(commandOf(request).file, request.cwd, error),
              }),
            ),
          )
        }
      })
      watchExit(child, exited, () => onExit)
      child.once("spawn", () => resume(Effect.succeed({ child, exited })))
    },
  )

/** The child in the current scope: its release stops the whole group (see `spawn`). */
const scoped = (request: SpawnRequest, output: OutputSockets | undefined, onExit: ExitHook | undefined) =>
  Effect.acquireRelease(acquire(request, output, onExit), ({ child, exited }) =>
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
export const spawn = (
  request: SpawnRequest,
  onExit?: ExitHook,
): Effect.Effect<RunningProcess, SpawnFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const { child, exited } = yield* scoped(request, undefined, onExit)
    const stdout = child.stdout
    const stderr = child.stderr
    if (stdout === null || stderr === null) return yield* Effect.die("spawned without stdout/stderr pipes")
    return { ...running(child, exited), stdout, stderr }
  })

/** As `spawn`, with `output` as the process's stdout and stderr (the caller closes its copies). */
export const spawnWithOutput = (
  request: SpawnRequest,
  output: OutputSockets,
  onExit?: ExitHook,
): Effect.Effect<SpawnedProcess, SpawnFailed, Scope.Scope> =>
  scoped(request, output, onExit).pipe(Effect.map(({ child, exited }) => running(child, exited)))

/**
 * A process started outside any fiber, in the callback where its predecessor's exit was seen
 * (RestartAhead.ts), until a scope adopts it. Until then nothing owns it: whoever launched it
 * either adopts it or discards it.
 */
export interface Launched {
  readonly pid: number
  /** Binds it to the current scope, as `spawnWithOutput` does; its exit calls `onExit` from then on. */
  readonly adopt: (onExit: ExitHook) => Effect.Effect<SpawnedProcess, never, Scope.Scope>
  /** SIGKILL to its group: it was not adopted. */
  readonly discard: () => void
}

/**
 * `spawnWithOutput` without a fiber: the process is running when this returns, or undefined
 * when it could not start (the spawn that follows then fails the same way, and says why).
 */
export const launch = (request: SpawnRequest, output: OutputSockets): Launched | undefined => {
  const child = spawnChild(request, output)
  const pid = child.pid
  if (pid === undefined) {
    // Node reports the failure as an 'error' event; nobody waits for it here.
    child.once("error", () => undefined)
    return undefined
  }
  const exited = Deferred.unsafeMake<ExitInfo>(FiberId.none)
  let onExit: ExitHook | undefined
  let endedEarly: ExitInfo | undefined
  watchExit(child, exited, () => onExit ?? ((exit) => (endedEarly = exit)))
  return {
    pid,
    adopt: (hook) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          onExit = hook
          // It may have ended before it was adopted: that end is reported now.
          if (endedEarly !== undefined) hook(endedEarly)
          return running(child, exited)
        }),
        () => stopGroup(pid, exited, request),
      ),
    discard: () => {
      signalGroupNow(pid, "SIGKILL")
    },
  }
}

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
