// One run of a service: the process, spawned in the scope its supervisor gives it, with its
// output captured, its health probed and its notify socket (sd_notify) read. The worker never decides anything: its process's end
// and every probe's answer go to the supervisor as messages (OTP's 'EXIT', s6's events), each
// tagged with the run, so the supervisor can tell a late report of an earlier run.
import { Clock, Effect, type Scope } from "effect"
import type { HealthSpec, ReadySpec } from "../config/ServiceSpec.ts"
import type { OutputCapture } from "./OutputCapture.ts"
import type { Notice } from "./NotifyMessage.ts"
import { listenForNotify, type NotifyOptions } from "./NotifySocket.ts"
import { probe, type ProbeResult } from "./Probe.ts"
import { watchReadiness } from "./Readiness.ts"
import {
  launch,
  spawn,
  spawnWithOutput,
  type ExitHook,
  type Launched,
  type SpawnedProcess,
  type SpawnFailed,
  type SpawnRequest,
} from "./ProcessRunner.ts"

/** Where a worker reports to: its supervisor's mailbox. */
export interface WorkerReports {
  /** Called in the process's 'exit' callback itself, so a restart can be taken there (RestartAhead.ts). */
  readonly exited: ExitHook
  readonly healthChecked: (result: ProbeResult, at: number) => Effect.Effect<void>
  /** Its `ready` condition was met, once per run; `how` says what was seen. */
  readonly readied: (how: string) => Effect.Effect<void>
  /** What it said on its notify socket besides READY=1 (STATUS, MAINPID, STOPPING, WATCHDOG=1). */
  readonly notified: (notice: Notice) => Effect.Effect<void>
}

export interface Worker {
  readonly pid: number
  readonly startedAt: number
  readonly signalGroup: (signal: NodeJS.Signals) => Effect.Effect<void>
}

/** The first health probe comes this soon, so a quick service is `running` quickly. */
const FIRST_PROBE_MS = 500

const healthLoop = (health: HealthSpec, request: SpawnRequest, reports: WorkerReports) =>
  Effect.gen(function* () {
    yield* Effect.sleep(Math.min(health.interval, FIRST_PROBE_MS))
    for (;;) {
      const result = yield* probe(health.check, health.timeout, request)
      yield* reports.healthChecked(result, yield* Clock.currentTimeMillis)
      yield* Effect.sleep(health.interval)
    }
  })

/**
 * The process with its stdout and stderr captured: through socket pairs the capture reads, or
 * through Node's pipes when none are ready. Our copies of the process's ends are closed as soon
 * as it has them (or failed to start), so its exit (and its children's) ends the capture.
 */
const spawnCaptured = (
  request: SpawnRequest,
  capture: OutputCapture,
  onExit: ExitHook,
): Effect.Effect<SpawnedProcess, SpawnFailed, Scope.Scope> =>
  Effect.acquireUseRelease(
    Effect.promise(() => capture.pipes()),
    (output) =>
      output === undefined
        ? spawn(request, onExit).pipe(
            Effect.tap((proc) => {
              capture.attach(proc.stdout, "stdout")
              capture.attach(proc.stderr, "stderr")
            }),
          )
        : spawnWithOutput(request, output, onExit),
    (output) => Effect.sync(() => output?.close()),
  )

/**
 * The process started at once, outside any fiber, its output captured through socket pairs
 * that are ready now; undefined when none are, or when it could not start (a spawn in a fiber
 * then does the same, and says why).
 */
export const launchCaptured = (request: SpawnRequest, capture: OutputCapture): Launched | undefined => {
  const output = capture.pipesNow()
  if (output === undefined) return undefined
  try {
    return launch(request, output)
  } finally {
    output.close()
  }
}

/** Spawns the process in the current scope; closing that scope stops the whole process group. */
export const startWorker = (
  request: SpawnRequest,
  capture: OutputCapture,
  health: HealthSpec | undefined,
  reports: WorkerReports,
  ready?: ReadySpec,
  notify?: NotifyOptions,
): Effect.Effect<Worker, SpawnFailed, Scope.Scope> =>
  Effect.gen(function* () {
    // Before the spawn, so a log pattern sees the very first line, and the notify socket its first datagram.
    if (ready !== undefined) yield* watchReadiness(ready, capture, reports.readied)
    const listener =
      notify === undefined
        ? undefined
        : yield* listenForNotify(notify, {
            readied: reports.readied,
            notified: reports.notified,
            note: (text) => capture.note(text),
          })
    const proc = yield* spawnCaptured(request, capture, reports.exited)
    listener?.adopt(proc.pid)
    const startedAt = yield* Clock.currentTimeMillis
    if (health !== undefined) yield* Effect.forkScoped(healthLoop(health, request, reports))
    return { pid: proc.pid, startedAt, signalGroup: proc.signalGroup }
  })

/**
 * A process launched ahead (`launchCaptured`), bound to the current scope as `startWorker`
 * binds the one it spawns. Only for a service with no `ready` condition and no notify socket:
 * those must be listening before the process starts.
 */
export const adoptWorker = (
  launched: Launched,
  startedAt: number,
  request: SpawnRequest,
  health: HealthSpec | undefined,
  reports: WorkerReports,
): Effect.Effect<Worker, never, Scope.Scope> =>
  Effect.gen(function* () {
    const proc = yield* launched.adopt(reports.exited)
    if (health !== undefined) yield* Effect.forkScoped(healthLoop(health, request, reports))
    return { pid: proc.pid, startedAt, signalGroup: proc.signalGroup }
  })
