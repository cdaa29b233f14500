// The supervisor of one service: a mailbox and the one fiber that owns the service's model and
// its worker's scope. Every message goes through the pure `transition`; this file only carries
// out the actions it returns (spawn, signal, timers, notes, replies, publishing). A crash seen
// while the loop is idle is decided in the exit callback, and its restart launched there
// (RestartAhead.ts); the loop still carries out that decision. Every call
// has a bound, and once the service is being deleted or Dockless stops, calls are refused at
// once with the reason, and whatever was still queued is answered, never left waiting.
import { Clock, Deferred, Effect, ExecutionStrategy, Exit, Fiber, FiberHandle, Random, Scope } from "effect"
import { usesNotify } from "../config/ReadySpec.ts"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import { Mailbox, type Refusal } from "../actors/Mailbox.ts"
import { Escapees } from "../actors/Escapees.ts"
import type { OutputCapture } from "../actors/OutputCapture.ts"
import { KILL_GRACE_MS, killGroupNow, type ExitInfo, type SpawnRequest } from "../actors/ProcessRunner.ts"
import type { JobRun, RunEnd, ServiceView, Source } from "../actors/ServiceView.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { spawnRequest } from "../actors/SpawnPlan.ts"
import {
  adoptWorker,
  launchCaptured,
  startWorker,
  type Worker,
  type WorkerReports,
} from "../actors/Worker.ts"
import { describePortBusy, firstTaken } from "../os/Ports.ts"
import { readProcIdentity } from "../os/ProcStat.ts"
import type { StateFileUnwritable } from "../state/AtomicFile.ts"
import { Store, type Desired } from "../state/Store.ts"
import { savedJob } from "./JobModel.ts"
import { ServiceAction, type Budget, type ChildReport } from "./ServiceAction.ts"
import { ServiceEvent, type Command, type Reply } from "./ServiceEvent.ts"
import { initialModel, ownPorts, viewOf, type Membership, type ServiceModel } from "./ServiceModel.ts"
import { restartAhead, type Ahead, type AheadSteps } from "./RestartAhead.ts"
import { timerSlot } from "./TimerSlot.ts"
import { liveOf } from "./ServiceState.ts"
import { transition } from "./ServiceTransition.ts"
import { SpawnBudget } from "./SpawnBudget.ts"
import { ServiceBusy, ServiceClosing, ServiceUnresponsive } from "./SupervisorErrors.ts"

/** Which daemon a run belongs to: its instance (data dir) and when it booted. */
export interface DaemonIdentity {
  readonly instance: string
  readonly boot: string
  /** data_dir/run: where services with `ready = "notify"` or `watchdog` get their NOTIFY_SOCKET. */
  readonly runDir: string
}

export interface ServiceInit {
  readonly identity: DaemonIdentity
  readonly spec: ServiceSpec
  readonly source: Source
  readonly desired: Desired
  readonly port: number | undefined
  readonly membership: Membership
  readonly capture: OutputCapture
  /** Tells its owner about crashes (its group's mailbox; nothing for a service alone). */
  readonly report: (report: ChildReport) => Effect.Effect<void>
}

export type CommandFailure = ServiceClosing | ServiceUnresponsive | ServiceBusy | StateFileUnwritable

/** What every supervisor of the tree runs on. */
export type TreeDeps = ServiceViews | Store | SpawnBudget | Escapees

export interface ServiceSupervisor {
  readonly name: string
  readonly source: Source
  readonly capture: OutputCapture
  readonly spec: () => ServiceSpec
  /** The port passed as $PORT, if any. */
  readonly port: () => number | undefined
  /** When a crashed child waiting for its group may start again; undefined unless it waits. */
  readonly restartDueAt: () => number | undefined
  /** Whether its group holds it (stopped or waiting) for the group to start it again. */
  readonly heldByGroup: () => boolean
  readonly command: (command: Command) => Effect.Effect<ServiceView, CommandFailure>
  /** A person's "Run now" of a oneshot: one run, by its overlap rule when one still goes. */
  readonly runNow: Effect.Effect<ServiceView, CommandFailure>
  /** A oneshot's finished runs, newest first (empty for other services). */
  readonly runs: () => ReadonlyArray<JobRun>
  /** Its last runs' ends, newest first (every service, in memory). */
  readonly ends: () => ReadonlyArray<RunEnd>
  /** Its view as its supervisor last built it. */
  readonly view: Effect.Effect<ServiceView>
  /** The pid of its current process, if one runs. */
  readonly pid: () => number | undefined
  /** SIGKILL to its process group now, for a shutdown past its deadline: nothing waits; answers a refusal. */
  readonly killNow: () => string | undefined
  readonly update: (spec: ServiceSpec, port: number | undefined) => Effect.Effect<ServiceView, CommandFailure>
  /** The owner lets it start (boot, group restart); a refused call means it is closing. */
  readonly resume: Effect.Effect<ServiceView, CommandFailure>
  /** A person started its whole group: wanted running, the group's hold lifted, started. */
  readonly launch: Effect.Effect<ServiceView, CommandFailure>
  /** A fault seen from outside (memory_max): stop it and judge the end as a crash. */
  readonly fault: (reason: string) => Effect.Effect<void>
  /**
   * For a group restart, or a dependency that is down: stop it, keep its desired state, hold it
   * with `why` shown until it is resumed; waits until its process is gone.
   */
  readonly halt: (why: string, by: "group" | "dependency") => Effect.Effect<void>
  /** Its group gave up: stop it and end failed; waits until its process is gone. */
  readonly giveUp: (reason: string) => Effect.Effect<void>
  /** From now on every command is refused at once with `why`. */
  readonly refuse: (why: string) => void
  /** Terminates it: refuses commands, stops its process (bounded), ends its fiber, flushes its log. */
  readonly close: (why: string) => Effect.Effect<void>
}

/** How long a command may wait for its answer. */
export const COMMAND_BOUND_MS = 10_000
/** Beyond stop_timeout and the SIGKILL grace, slack for the exit to reach the supervisor. */
export const STOP_SLACK_MS = 2000
/**
 * A schedule's timer sleeps at most this long before the transition looks at the wall clock
 * again: setTimeout cannot wait past 24.8 days, and a host clock set forward (NTP after a Pi
 * boots without a battery clock) should not leave a firing an hour late.
 */
export const FIRING_SLICE_MS = 60_000
/** How long closing a service waits for its log to flush: a stalled disk must not hold a stop. */
const LOG_CLOSE_BOUND_MS = 2000

/** The most a stop of this service can take before its supervisor stops waiting for it. */
export const stopBound = (spec: Pick<ServiceSpec, "stop_timeout">): number =>
  spec.stop_timeout + KILL_GRACE_MS + STOP_SLACK_MS

interface CurrentRun {
  readonly id: number
  readonly worker: Worker
  readonly scope: Scope.CloseableScope
  /** Its watchdog timer, rearmed on each ping; only with `watchdog`. Ends with the run's scope. */
  readonly watchdog: FiberHandle.FiberHandle | undefined
}

export const makeServiceSupervisor = (
  init: ServiceInit,
): Effect.Effect<ServiceSupervisor, never, TreeDeps | Scope.Scope> =>
  Effect.gen(function* () {
    const views = yield* ServiceViews
    const store = yield* Store
    const budget = yield* SpawnBudget
    const escapees = yield* Escapees
    const { capture } = init
    const name = init.spec.name
    const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    // Last to run: the log is flushed once the process is gone, but never waited on past its
    // bound (a stalled disk or a FIFO nobody reads would hold the whole shutdown).
    yield* Scope.addFinalizer(
      scope,
      Effect.promise(() => capture.close()).pipe(
        Effect.timeout(LOG_CLOSE_BOUND_MS),
        Effect.catchAll(() =>
          Effect.logWarning(
            `${name}: its log did not flush within ${LOG_CLOSE_BOUND_MS} ms; not waiting for it`,
          ),
        ),
      ),
    )
    const mailbox = yield* Mailbox.make<ServiceEvent>()
    const backoff = timerSlot(scope)
    const firing = timerSlot(scope)
    const saved = init.spec.type === "oneshot" ? yield* store.jobOf(name) : undefined

    // Owned by the loop fiber below; other fibers only read snapshots of it.
    let model: ServiceModel = initialModel(
      saved === undefined ? init : { ...init, job: savedJob(saved.next_run_at, saved.runs) },
    )
    let current: CurrentRun | undefined
    let ended = false
    let published: ServiceModel | undefined
    /** A restart decided and launched in its predecessor's exit callback, until the loop takes it up. */
    let ahead: Ahead | undefined
    const clock = yield* Effect.clock

    const publish = Effect.suspend(() => {
      if (published === model) return Effect.void
      published = model
      return views.publish(viewOf(model))
    })

    const runMarker = (run: number) => `${init.identity.instance}/${init.identity.boot}/${name}/${run}`
    const notifySocketOf = (spec: ServiceSpec) =>
      usesNotify(spec) ? `${init.identity.runDir}/${name}.notify` : undefined
    const requestFor = (m: ServiceModel, run: number): SpawnRequest | string =>
      spawnRequest(
        m.spec,
        m.port,
        { instance: init.identity.instance, run: runMarker(run) },
        notifySocketOf(m.spec),
      )

    const aheadSteps: AheadSteps = {
      request: requestFor,
      portsFree: (m) => firstTaken(ownPorts(m)) === undefined,
      budgetNow: budget.reserveNow,
      launch: (request) => launchCaptured(request, capture),
    }

    /** Discards a process launched ahead that no run took up; its exit reaches nobody. */
    const discardAhead = (why: string) =>
      Effect.suspend(() => {
        const left = ahead
        ahead = undefined
        if (left === undefined) return Effect.void
        left.launched.discard()
        return Effect.logWarning(
          `${name}: the process started ahead (pid ${left.launched.pid}) ${why}; stopped it`,
        )
      })

    /**
     * The 'exit' callback of a run's process. With the loop idle, the Exited it posts is the
     * next event the loop handles, on the model it has now: decided here, its restart is
     * launched at once (RestartAhead.ts).
     */
    const exitedNow = (run: number, exit: ExitInfo): void => {
      // Math.random, not Effect's Random: running an Effect here would cost more than the spawn's own work.
      const event = ServiceEvent.Exited({ run, exit, unit: Math.random() })
      if (!ended && ahead === undefined && mailbox.isIdle)
        ahead = restartAhead(model, event, clock.unsafeCurrentTimeMillis(), aheadSteps)
      mailbox.unsafePostInternal(event)
    }

    const reportsFor = (run: number): WorkerReports => ({
      exited: (exit) => exitedNow(run, exit),
      healthChecked: (result, at) => mailbox.postInternal(ServiceEvent.HealthChecked({ run, result, at })),
      readied: (how) => mailbox.postInternal(ServiceEvent.Readied({ run, how })),
      notified: (notice) => mailbox.postInternal(ServiceEvent.Notified({ run, notice })),
    })

    const runRef = (c: CurrentRun) => ({ marker: runMarker(c.id), pgid: c.worker.pid })
    const toldEscaped = (what: string) => (pids: ReadonlyArray<number>) =>
      Effect.sync(() => {
        if (pids.length > 0) capture.note(`${what} ${pids.join(", ")}, which had left its process group`)
      })

    const after = (delay: number, event: ServiceEvent) =>
      Effect.sleep(delay).pipe(Effect.zipRight(mailbox.postInternal(event)))

    const refused = (run: number, reason: string): Effect.Effect<void> =>
      Random.next.pipe(Effect.flatMap((unit) => step(ServiceEvent.SpawnRefused({ run, reason, unit }))))

    /** A run's worker has started in `runScope`: the model takes it up, or it is stopped. */
    const began = (run: number, worker: Worker, runScope: Scope.CloseableScope) =>
      Effect.gen(function* () {
        const watchdog =
          model.spec.watchdog === undefined
            ? undefined
            : yield* FiberHandle.make().pipe(Scope.extend(runScope))
        current = { id: run, worker, scope: runScope, watchdog }
        yield* step(ServiceEvent.Spawned({ run, pid: worker.pid, startedAt: worker.startedAt }))
        // A process its own model does not own must not live on (one process per service, always).
        if (liveOf(model.state)?.run !== run) {
          yield* Effect.logError(`${name}: run ${run} (pid ${worker.pid}) was not taken up; stopping it`)
          current = undefined
          yield* Scope.close(runScope, Exit.void)
        }
      })

    /** The process launched ahead for `run`, bound to a run scope as a spawn's would be. */
    const adoptRun = (run: number, taken: Ahead) =>
      Effect.gen(function* () {
        const runScope = yield* Scope.fork(scope, ExecutionStrategy.sequential)
        const worker = yield* adoptWorker(
          taken.launched,
          taken.startedAt,
          taken.request,
          model.spec.health,
          reportsFor(run),
        ).pipe(Scope.extend(runScope))
        yield* began(run, worker, runScope)
      })

    const spawnRun = (run: number, allowance: Budget): Effect.Effect<void> =>
      Effect.gen(function* () {
        const taken = ahead
        if (taken?.run === run) {
          ahead = undefined
          return yield* adoptRun(run, taken)
        }
        const notifySocket = notifySocketOf(model.spec)
        const request = requestFor(model, run)
        if (typeof request === "string") return yield* refused(run, request)
        const busy = firstTaken(ownPorts(model))
        if (busy !== undefined)
          return yield* step(ServiceEvent.PortBusy({ run, error: describePortBusy(busy) }))
        if (allowance === "ask") {
          const at = yield* budget.reserve
          if (at > (yield* Clock.currentTimeMillis))
            return yield* step(ServiceEvent.SpawnDeferred({ run, until: at }))
        }
        const runScope = yield* Scope.fork(scope, ExecutionStrategy.sequential)
        const started = yield* startWorker(
          request,
          capture,
          model.spec.health,
          reportsFor(run),
          model.spec.ready,
          notifySocket === undefined
            ? undefined
            : {
                path: notifySocket,
                acceptReady: model.spec.ready?._tag === "notify",
                command: request.command,
              },
        ).pipe(Scope.extend(runScope), Effect.either)
        if (started._tag === "Left") {
          yield* Scope.close(runScope, Exit.void)
          return yield* refused(run, started.left.reason)
        }
        yield* began(run, started.right, runScope)
      })

    const onCurrent = (run: number, use: (c: CurrentRun) => Effect.Effect<void>) =>
      Effect.suspend(() => (current !== undefined && current.id === run ? use(current) : Effect.void))

    const perform = (action: ServiceAction): Effect.Effect<void> =>
      ServiceAction.$match(action, {
        PersistDesired: () => Effect.void,
        Spawn: ({ run, budget: allowance }) => spawnRun(run, allowance),
        Signal: ({ signal }) =>
          Effect.suspend(() => {
            const run = current
            if (run === undefined) return Effect.void
            const escaped = escapees
              .signal(runRef(run), signal)
              .pipe(Effect.flatMap(toldEscaped(`sent ${signal} to`)))
            return run.worker.signalGroup(signal).pipe(Effect.zipRight(Effect.forkIn(escaped, run.scope)))
          }),
        ArmBackoff: ({ epoch, delay }) => backoff.arm(after(delay, ServiceEvent.BackoffElapsed({ epoch }))),
        CancelBackoff: () => backoff.clear,
        ArmFiring: ({ epoch, delay }) =>
          firing.arm(after(Math.min(delay, FIRING_SLICE_MS), ServiceEvent.Fired({ epoch }))),
        CancelFiring: () => firing.clear,
        RecordJob: ({ nextAt, runs }) =>
          store.recordJob(name, {
            next_run_at: nextAt === null ? null : new Date(nextAt).toISOString(),
            runs,
          }),
        ArmStopOverdue: ({ run, delay }) =>
          onCurrent(run, (c) => Effect.forkIn(after(delay, ServiceEvent.StopOverdue({ run })), c.scope)),
        ArmKillOverdue: ({ run, delay }) =>
          onCurrent(run, (c) => Effect.forkIn(after(delay, ServiceEvent.KillOverdue({ run })), c.scope)),
        ArmStartTimeout: ({ run, delay }) =>
          onCurrent(run, (c) => Effect.forkIn(after(delay, ServiceEvent.ReadyTimedOut({ run })), c.scope)),
        ArmWatchdog: ({ run, ping, delay }) =>
          onCurrent(run, (c) =>
            c.watchdog === undefined
              ? Effect.void
              : FiberHandle.run(c.watchdog, after(delay, ServiceEvent.WatchdogMissed({ run, ping }))).pipe(
                  Effect.asVoid,
                ),
          ),
        EndRun: ({ run }) =>
          onCurrent(run, (c) => {
            current = undefined
            return Scope.close(c.scope, Exit.void).pipe(
              Effect.zipRight(escapees.sweep(runRef(c), toldEscaped("killed"))),
            )
          }),
        Note: ({ text }) => Effect.sync(() => capture.note(text)),
        Log: ({ level, text }) => (level === "info" ? Effect.logInfo(text) : Effect.logWarning(text)),
        RecordRun: ({ pid, startedAt }) =>
          store.recordRun(name, {
            pid,
            start_ticks: readProcIdentity(pid)?.startTicks ?? null,
            started_at: new Date(startedAt).toISOString(),
          }),
        Report: ({ report }) => init.report(report),
        Reply: ({ reply }) => Deferred.succeed(reply, viewOf(model)),
        Release: ({ waiters }) =>
          Effect.forEach(waiters, (w) => Deferred.succeed(w, undefined), { discard: true }),
        Publish: () => publish,
        End: () =>
          Effect.sync(() => {
            ended = true
          }),
      })

    /** One event through the transition; a desired state that cannot be saved cancels the whole step. */
    const step = (event: ServiceEvent): Effect.Effect<void> =>
      Effect.gen(function* () {
        if (ahead?.event === event && ahead.basis !== model)
          yield* discardAhead("was for a state that changed before its turn")
        const next =
          ahead?.event === event ? ahead.next : transition(model, event, yield* Clock.currentTimeMillis)
        const first = next.actions[0]
        if (first?._tag === "PersistDesired") {
          const saved = yield* Effect.either(store.setDesired(name, first.desired))
          if (saved._tag === "Left") {
            for (const action of next.actions)
              if (action._tag === "Reply") yield* Deferred.fail(action.reply, saved.left)
            return
          }
        }
        model = next.model
        for (const action of next.actions) yield* perform(action)
      })

    /** A command whose caller already had its answer (a timeout) is not carried out any more. */
    const callerGaveUp = (event: ServiceEvent): Effect.Effect<boolean> => {
      switch (event._tag) {
        case "Start":
        case "Stop":
        case "Restart":
        case "Update":
        case "RunNow":
          return Deferred.isDone(event.reply)
        default:
          return Effect.succeed(false)
      }
    }

    /** After the end, every message still queued gets its answer: commands are refused, waits are over. */
    const answerLeftovers = Effect.gen(function* () {
      const reason = mailbox.closedReason ?? "it has stopped"
      for (const event of yield* mailbox.drain) {
        switch (event._tag) {
          case "Start":
          case "Stop":
          case "Restart":
          case "Update":
          case "RunNow":
          case "Resume":
          case "Launch":
            yield* Deferred.fail(event.reply, new ServiceClosing({ name, reason }))
            break
          case "Halt":
          case "GiveUp":
          case "Close":
            yield* Deferred.succeed(event.reply, undefined)
        }
      }
    })

    const loop = Effect.gen(function* () {
      yield* publish
      while (!ended) {
        const event = yield* mailbox.take
        if (yield* callerGaveUp(event))
          yield* Effect.logWarning(`${name}: dropped a ${event._tag} whose caller stopped waiting for it`)
        else
          yield* step(event).pipe(
            Effect.catchAllCause((cause) => Effect.logError(`${name}: supervisor error`, cause)),
          )
        if (ahead?.event === event) yield* discardAhead("was not taken up by its run")
        mailbox.settled()
      }
      yield* answerLeftovers
    })
    yield* Scope.addFinalizer(scope, discardAhead("outlived its service"))
    const fiber = yield* Effect.forkIn(loop, scope)
    // The capture calls back from inside a write: it may only enqueue.
    const unwatch = capture.onLogError((error) =>
      mailbox.unsafePostInternal(ServiceEvent.LogErrorChanged({ error })),
    )
    yield* Scope.addFinalizer(scope, Effect.sync(unwatch))
    if (capture.logError !== null)
      yield* mailbox.postInternal(ServiceEvent.LogErrorChanged({ error: capture.logError }))

    const refusal = (r: Refusal) =>
      r._tag === "Closed"
        ? new ServiceClosing({ name, reason: r.reason })
        : new ServiceBusy({ name, waiting: r.capacity })

    /**
     * Sends a command and waits for its answer within COMMAND_BOUND_MS. A caller that times out
     * interrupts its reply, so the command is dropped when its turn comes instead of being
     * carried out long after the person was told it failed.
     */
    const call = (make: (reply: Reply) => ServiceEvent) =>
      Effect.gen(function* () {
        const reply = yield* Deferred.make<ServiceView, StateFileUnwritable | ServiceClosing>()
        const refused = yield* mailbox.post(make(reply))
        if (refused !== undefined) return yield* refusal(refused)
        return yield* Deferred.await(reply).pipe(
          Effect.timeoutFail({
            duration: COMMAND_BOUND_MS,
            onTimeout: () => new ServiceUnresponsive({ name, ms: COMMAND_BOUND_MS }),
          }),
          Effect.tapError(() => Deferred.interrupt(reply)),
        )
      })

    /** Sends an owner's request that ends the process and waits for the process to be gone (bounded). */
    const untilDown = (make: (reply: Deferred.Deferred<void>) => ServiceEvent, internal: boolean) =>
      Effect.gen(function* () {
        const reply = yield* Deferred.make<void>()
        const event = make(reply)
        // A refused request means the service is already closing: its process is going anyway;
        // a supervisor that has ended has no process left to wait for.
        if (ended) return
        if (internal) yield* mailbox.postInternal(event)
        else if ((yield* mailbox.post(event)) !== undefined) return
        const bound = stopBound(model.spec)
        const done = yield* Deferred.await(reply).pipe(Effect.timeout(bound), Effect.option)
        if (done._tag === "None") yield* Effect.logWarning(`${name}: still not stopped after ${bound} ms`)
      })

    const commandEvent = (command: Command) => (reply: Reply) =>
      command === "start"
        ? ServiceEvent.Start({ reply })
        : command === "stop"
          ? ServiceEvent.Stop({ reply })
          : ServiceEvent.Restart({ reply })

    return {
      name,
      source: init.source,
      capture,
      spec: () => model.spec,
      port: () => model.port,
      restartDueAt: () =>
        model.hold?.by === "group" && model.state._tag === "Backoff" ? model.state.until : undefined,
      heldByGroup: () => model.hold?.by === "group",
      command: (command) => call(commandEvent(command)),
      runNow: call((reply) => ServiceEvent.RunNow({ reply })),
      runs: () => model.job.runs,
      ends: () => model.ends,
      view: Effect.sync(() => viewOf(model)),
      pid: () => current?.worker.pid,
      killNow: () => (current === undefined ? undefined : killGroupNow(current.worker.pid)),
      update: (spec, port) => call((reply) => ServiceEvent.Update({ spec, port, reply })),
      resume: call((reply) => ServiceEvent.Resume({ reply })),
      launch: call((reply) => ServiceEvent.Launch({ reply })),
      fault: (reason) => mailbox.post(ServiceEvent.Fault({ reason })).pipe(Effect.asVoid),
      halt: (why, by) => untilDown((reply) => ServiceEvent.Halt({ why, by, reply }), false),
      giveUp: (reason) => untilDown((reply) => ServiceEvent.GiveUp({ reason, reply }), false),
      refuse: (why) => mailbox.close(why),
      close: (why) =>
        Effect.gen(function* () {
          mailbox.close(why)
          yield* untilDown((reply) => ServiceEvent.Close({ why, reply }), true)
          const over = yield* Fiber.await(fiber).pipe(Effect.timeout(STOP_SLACK_MS), Effect.option)
          if (over._tag === "None")
            yield* Effect.logWarning(
              `${name}: its supervisor did not end within ${STOP_SLACK_MS} ms of its stop`,
            )
          yield* Scope.close(scope, Exit.void)
        }),
    }
  })
