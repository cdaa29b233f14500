// One actor per service: a mailbox and the single fiber that owns the service's state, its
// process and its restart history. It interprets messages and the supervision verdicts of
// ServiceSupervisor (pure) and publishes a ServiceView after every change. Like s6-supervise,
// timeouts are just more messages: a stop that overruns, a backoff that has elapsed.
import {
  Clock,
  Deferred,
  Effect,
  ExecutionStrategy,
  Exit,
  Fiber,
  FiberHandle,
  Queue,
  Random,
  Scope,
} from "effect"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import { describePortBusy, firstTaken } from "../os/Ports.ts"
import { readProcIdentity } from "../os/ProcStat.ts"
import { Store } from "../state/Store.ts"
import { formatMs } from "../supervisors/Intensity.ts"
import { decide, describeExit, freshHistory, type RestartHistory } from "../supervisors/ServiceSupervisor.ts"
import type { OutputCapture } from "./OutputCapture.ts"
import { judgeProbe } from "./HealthVerdict.ts"
import { probe, type ProbeResult } from "./Probe.ts"
import { spawn, type ExitInfo, type RunningProcess, type SpawnRequest } from "./ProcessRunner.ts"
import { spawnRequest } from "./SpawnPlan.ts"
import { ServiceMessage, type Command, type Reply } from "./ServiceMessage.ts"
import { ServiceState, type AfterStop } from "./ServiceState.ts"
import { makeView, type Desired, type HealthView, type ServiceView, type Source } from "./ServiceView.ts"
import { ServiceViews } from "./ServiceViews.ts"

export interface ActorInit {
  readonly spec: ServiceSpec
  readonly source: Source
  readonly desired: Desired
  readonly capture: OutputCapture
  /** The port passed as $PORT: `port = N`, or the one allocated for `port = "auto"`. */
  readonly port: number | undefined
  /** The actor's own scope; closing it stops the process and flushes the log. */
  readonly scope: Scope.CloseableScope
  /** Tells the service's group (if any) that a crashed process is about to be restarted. */
  readonly onRestarting: (name: string) => Effect.Effect<void>
}

export interface ServiceActor {
  readonly name: string
  readonly source: Source
  readonly capture: OutputCapture
  readonly spec: () => ServiceSpec
  /** The port passed as $PORT, if any. */
  readonly port: () => number | undefined
  readonly send: (command: Command) => Effect.Effect<ServiceView>
  readonly update: (spec: ServiceSpec, port: number | undefined) => Effect.Effect<ServiceView>
  /** A fault seen from outside (health check, memory_max): stop the process, then let the supervisor decide. */
  readonly fault: (reason: string) => Effect.Effect<void>
  /** For a group restart: stop the process, keeping the desired state. */
  readonly halt: (why: string) => Effect.Effect<void>
  /** For a group restart: start again if the desired state is running. */
  readonly resume: Effect.Effect<void>
  /** The group gave up: stop and end failed with the reason. */
  readonly giveUp: (reason: string) => Effect.Effect<void>
  /** Stops the process (stop_signal, stop_timeout, SIGKILL) and ends the actor. */
  readonly close: (why: string) => Effect.Effect<void>
}

interface Run {
  readonly id: number
  readonly proc: RunningProcess
  readonly scope: Scope.CloseableScope
  readonly startedAt: number
}

/** While a reserved port is held by someone else, look again this often. */
const PORT_RETRY_MS = 500
/** The first health probe comes this soon, so a quick service is `running` quickly. */
const FIRST_PROBE_MS = 500

export const makeServiceActor = (init: ActorInit): Effect.Effect<ServiceActor, never, ServiceViews | Store> =>
  Effect.gen(function* () {
    const views = yield* ServiceViews
    const store = yield* Store
    const { capture, source, scope } = init
    let port = init.port
    const name = init.spec.name
    const mailbox = yield* Queue.unbounded<ServiceMessage>()
    const backoffTimer = yield* FiberHandle.make().pipe(Scope.extend(scope))
    yield* Scope.addFinalizer(
      scope,
      Effect.promise(() => capture.close()),
    )

    // The actor's state: read and written only by the loop fiber below.
    let spec = init.spec
    let desired = init.desired
    let state: ServiceState = ServiceState.Stopped()
    let restarts = 0
    let history: RestartHistory = freshHistory
    let lastExit: { readonly exit: ExitInfo; readonly at: number } | undefined
    let run: Run | undefined
    let epoch = 0
    let runs = 0
    let health: HealthView | null = null
    let givenUpFor = ""

    const visibleHealth = () => `${state._tag}/${health?.status}/${health?.failures}`
    const ownPorts = () => [...new Set([...spec.ports, ...(port === undefined ? [] : [port])])]
    const view = () =>
      makeView({ spec, source, state, desired, restarts, lastExit, ports: ownPorts(), health })
    const publish = Effect.suspend(() => views.publish(view()))

    const persistDesired = (next: Desired) =>
      Effect.suspend(() => {
        desired = next
        return store.update(name, (r) => ({ ...r, desired: next }))
      }).pipe(Effect.catchAll((e) => Effect.logError(`${name}: desired state not saved: ${e.message}`)))

    const cancelBackoff = Effect.suspend(() => {
      epoch++
      return FiberHandle.clear(backoffTimer)
    })

    const fail = (error: string) =>
      Effect.sync(() => {
        state = ServiceState.Failed({ error })
        capture.note(`cannot start: ${error}`)
      })

    const retryAfter = (delay: number) => {
      const due = epoch
      return FiberHandle.run(
        backoffTimer,
        Effect.sleep(delay).pipe(
          Effect.zipRight(Queue.offer(mailbox, ServiceMessage.BackoffElapsed({ epoch: due }))),
        ),
      )
    }

    /** A reserved port held by another process: wait in backoff, saying who holds it, and look again soon. */
    const awaitPort = (busy: number) =>
      Effect.gen(function* () {
        const error = describePortBusy(busy)
        if (!(ServiceState.$is("Backoff")(state) && state.error === error))
          capture.note(`${error}; waiting for it`)
        state = ServiceState.Backoff({ until: (yield* Clock.currentTimeMillis) + PORT_RETRY_MS, error })
        yield* retryAfter(PORT_RETRY_MS)
      })

    const healthLoop = (id: number, request: SpawnRequest) =>
      Effect.gen(function* () {
        const check = spec.health
        if (check === undefined) return
        yield* Effect.sleep(Math.min(check.interval, FIRST_PROBE_MS))
        for (;;) {
          const result = yield* probe(check.check, check.timeout, request)
          const at = yield* Clock.currentTimeMillis
          yield* Queue.offer(mailbox, ServiceMessage.HealthChecked({ run: id, result, at }))
          yield* Effect.sleep(check.interval)
        }
      })

    const spawnNow: Effect.Effect<void> = Effect.gen(function* () {
      const request = spawnRequest(spec, port)
      if (typeof request === "string") return yield* fail(request)
      const busy = firstTaken(ownPorts())
      if (busy !== undefined) return yield* awaitPort(busy)
      const runScope = yield* Scope.fork(scope, ExecutionStrategy.sequential)
      const spawned = yield* spawn(request).pipe(Scope.extend(runScope), Effect.either)
      if (spawned._tag === "Left") {
        yield* Scope.close(runScope, Exit.void)
        return yield* fail(spawned.left.reason)
      }
      const proc = spawned.right
      const id = ++runs
      const startedAt = yield* Clock.currentTimeMillis
      capture.attach(proc.stdout, "stdout")
      capture.attach(proc.stderr, "stderr")
      yield* proc.exit.pipe(
        Effect.flatMap((exit) => Queue.offer(mailbox, ServiceMessage.Exited({ run: id, exit }))),
        Effect.forkIn(runScope),
      )
      run = { id, proc, scope: runScope, startedAt }
      if (spec.health === undefined) {
        health = null
        state = ServiceState.Running({ pid: proc.pid, startedAt })
      } else {
        health = { status: "starting", failures: 0, last_error: null, checked_at: null }
        state = ServiceState.Starting({ pid: proc.pid, startedAt })
        yield* Effect.forkIn(healthLoop(id, request), runScope)
      }
      capture.note(`started (pid ${proc.pid})`)
      const startTicks = readProcIdentity(proc.pid)?.startTicks ?? null
      yield* store
        .update(name, (r) => ({
          ...r,
          pid: proc.pid,
          start_ticks: startTicks,
          started_at: new Date(startedAt).toISOString(),
        }))
        .pipe(Effect.ignore, Effect.forkIn(scope))
    })

    const beginStop = (then: AfterStop) =>
      Effect.gen(function* () {
        if (run === undefined) return
        const current = run
        state = ServiceState.Stopping({ pid: current.proc.pid, startedAt: current.startedAt, then })
        capture.note(`stopping (${spec.stop_signal} to the process group)`)
        yield* current.proc.signalGroup(spec.stop_signal)
        yield* Effect.sleep(spec.stop_timeout).pipe(
          Effect.zipRight(Queue.offer(mailbox, ServiceMessage.StopOverdue({ run: current.id }))),
          Effect.forkIn(current.scope),
        )
      })

    /** Redirects a stop already under way, or starts one, towards `then`. */
    const stopTowards = (then: AfterStop) =>
      Effect.suspend(() =>
        ServiceState.$is("Stopping")(state)
          ? Effect.sync(() => {
              if (ServiceState.$is("Stopping")(state)) state = ServiceState.Stopping({ ...state, then })
            })
          : beginStop(then),
      )

    const isLive = () => ServiceState.$is("Running")(state) || ServiceState.$is("Starting")(state)

    const onStart = Effect.gen(function* () {
      yield* persistDesired("running")
      yield* cancelBackoff
      history = freshHistory
      if (isLive()) return
      if (ServiceState.$is("Stopping")(state)) return yield* stopTowards("start-again")
      yield* spawnNow
    })

    const onStop = Effect.gen(function* () {
      yield* persistDesired("stopped")
      yield* cancelBackoff
      if (isLive() || ServiceState.$is("Stopping")(state)) return yield* stopTowards("stay-stopped")
      if (!ServiceState.$is("Stopped")(state)) capture.note("stopped")
      state = ServiceState.Stopped()
    })

    const onRestart = Effect.gen(function* () {
      yield* persistDesired("running")
      yield* cancelBackoff
      history = freshHistory
      restarts++
      if (isLive() || ServiceState.$is("Stopping")(state)) return yield* stopTowards("start-again")
      yield* spawnNow
    })

    const onUpdate = (next: ServiceSpec, nextPort: number | undefined) =>
      Effect.gen(function* () {
        spec = next
        port = nextPort
        capture.note("spec updated")
        if (isLive()) return yield* stopTowards("start-again")
        if (ServiceState.$is("Backoff")(state)) {
          yield* cancelBackoff
          yield* spawnNow
        }
      })

    const scheduleRestart = (delay: number, exit: ExitInfo, now: number) =>
      Effect.gen(function* () {
        if (delay === 0) {
          capture.note(`${describeExit(exit)}, restarting now`)
          return yield* spawnNow
        }
        state = ServiceState.Backoff({ until: now + delay, error: null })
        capture.note(`${describeExit(exit)}, restarting in ${formatMs(delay)}`)
        const due = epoch
        yield* FiberHandle.run(
          backoffTimer,
          Effect.sleep(delay).pipe(
            Effect.zipRight(Queue.offer(mailbox, ServiceMessage.BackoffElapsed({ epoch: due }))),
          ),
        )
      })

    const onExited = (id: number, exit: ExitInfo) =>
      Effect.gen(function* () {
        if (run === undefined || run.id !== id) return
        const ended = run
        run = undefined
        yield* Scope.close(ended.scope, Exit.void)
        const now = yield* Clock.currentTimeMillis
        lastExit = { exit, at: now }
        if (ServiceState.$is("Stopping")(state) && state.then !== "supervise") {
          capture.note(`stopped (${describeExit(exit)})`)
          if (state.then === "start-again") return yield* spawnNow
          state =
            state.then === "give-up" ? ServiceState.Failed({ error: givenUpFor }) : ServiceState.Stopped()
          return
        }
        const unit = yield* Random.next
        const faulted = ServiceState.$is("Stopping")(state)
        const verdict = decide(spec, history, { exit, ranMs: now - ended.startedAt, now, unit, faulted })
        switch (verdict._tag) {
          case "Exit":
            state = ServiceState.Exited({ exit })
            capture.note(`${describeExit(exit)}; restart = "${spec.restart}", not restarting`)
            return
          case "GiveUp":
            state = ServiceState.Failed({ error: `${verdict.reason}; last ${describeExit(exit)}` })
            capture.note(`${describeExit(exit)}; giving up: ${verdict.reason}`)
            return
          case "Restart":
            history = verdict.history
            restarts++
            yield* init.onRestarting(name)
            return yield* scheduleRestart(verdict.delay, exit, now)
        }
      })

    const onFault = (reason: string) =>
      Effect.gen(function* () {
        if (!isLive()) return
        capture.note(reason)
        yield* beginStop("supervise")
      })

    const onHealthChecked = (id: number, result: ProbeResult, at: number) =>
      Effect.gen(function* () {
        const check = spec.health
        if (run === undefined || run.id !== id || check === undefined || !isLive()) return
        const starting = ServiceState.$is("Starting")(state)
        const verdict = judgeProbe(check, {
          result,
          at,
          startedAt: run.startedAt,
          starting,
          previous: health,
        })
        health = verdict.health
        if (verdict.nowRunning && ServiceState.$is("Starting")(state)) {
          state = ServiceState.Running({ pid: state.pid, startedAt: state.startedAt })
          capture.note("health check passed; running")
        }
        if (verdict.recovered) capture.note("health check passed again")
        if (verdict.fault !== undefined) yield* onFault(verdict.fault)
      })

    const onHalt = (why: string) =>
      Effect.gen(function* () {
        yield* cancelBackoff
        if (isLive()) {
          capture.note(why)
          return yield* beginStop("stay-stopped")
        }
        if (ServiceState.$is("Backoff")(state)) state = ServiceState.Stopped()
      })

    const onResume = Effect.suspend(() =>
      desired === "running" &&
      !isLive() &&
      !ServiceState.$is("Stopping")(state) &&
      !ServiceState.$is("Failed")(state)
        ? spawnNow
        : Effect.void,
    )

    const onGiveUp = (reason: string) =>
      Effect.gen(function* () {
        yield* cancelBackoff
        givenUpFor = reason
        capture.note(`giving up: ${reason}`)
        if (isLive() || ServiceState.$is("Stopping")(state)) return yield* stopTowards("give-up")
        state = ServiceState.Failed({ error: reason })
      })

    const onStopOverdue = (id: number) =>
      Effect.gen(function* () {
        if (run === undefined || run.id !== id) return
        capture.note(
          `did not stop within ${formatMs(spec.stop_timeout)}; sending SIGKILL to its process group`,
        )
        yield* run.proc.signalGroup("SIGKILL")
      })

    const answer = (reply: Reply, work: Effect.Effect<void>) =>
      work.pipe(
        Effect.zipRight(publish),
        Effect.zipRight(Effect.suspend(() => Deferred.succeed(reply, view()))),
      )

    const handle = ServiceMessage.$match({
      Start: ({ reply }) => answer(reply, onStart),
      Stop: ({ reply }) => answer(reply, onStop),
      Restart: ({ reply }) => answer(reply, onRestart),
      Update: ({ spec: next, port: nextPort, reply }) => answer(reply, onUpdate(next, nextPort)),
      Exited: ({ run: id, exit }) => onExited(id, exit).pipe(Effect.zipRight(publish)),
      BackoffElapsed: ({ epoch: due }) =>
        due === epoch && ServiceState.$is("Backoff")(state)
          ? spawnNow.pipe(Effect.zipRight(publish))
          : Effect.void,
      StopOverdue: ({ run: id }) => onStopOverdue(id),
      Fault: ({ reason }) => onFault(reason).pipe(Effect.zipRight(publish)),
      Halt: ({ why }) => onHalt(why).pipe(Effect.zipRight(publish)),
      Resume: () => onResume.pipe(Effect.zipRight(publish)),
      GiveUp: ({ reason }) => onGiveUp(reason).pipe(Effect.zipRight(publish)),
      HealthChecked: ({ run: id, result, at }) => {
        // A probe that changes nothing a person sees is not news: no view is published for it.
        const before = visibleHealth()
        return onHealthChecked(id, result, at).pipe(
          Effect.zipRight(Effect.suspend(() => (visibleHealth() === before ? Effect.void : publish))),
        )
      },
    })

    const loop = Queue.take(mailbox).pipe(
      Effect.flatMap(handle),
      Effect.catchAllCause((cause) => Effect.logError(`${name}: actor error`, cause)),
      Effect.forever,
    )
    yield* publish
    const fiber = yield* Effect.forkIn(loop, scope)

    const call = (make: (reply: Reply) => ServiceMessage) =>
      Effect.gen(function* () {
        const reply = yield* Deferred.make<ServiceView>()
        yield* Queue.offer(mailbox, make(reply))
        return yield* Deferred.await(reply)
      })

    return {
      name,
      source,
      capture,
      spec: () => spec,
      port: () => port,
      send: (command) =>
        call((reply) =>
          command === "start"
            ? ServiceMessage.Start({ reply })
            : command === "stop"
              ? ServiceMessage.Stop({ reply })
              : ServiceMessage.Restart({ reply }),
        ),
      update: (next, nextPort) =>
        call((reply) => ServiceMessage.Update({ spec: next, port: nextPort, reply })),
      fault: (reason) => Queue.offer(mailbox, ServiceMessage.Fault({ reason })).pipe(Effect.asVoid),
      halt: (why) => Queue.offer(mailbox, ServiceMessage.Halt({ why })).pipe(Effect.asVoid),
      resume: Queue.offer(mailbox, ServiceMessage.Resume()).pipe(Effect.asVoid),
      giveUp: (reason) => Queue.offer(mailbox, ServiceMessage.GiveUp({ reason })).pipe(Effect.asVoid),
      close: (why) =>
        Effect.gen(function* () {
          yield* Fiber.interrupt(fiber)
          if (run !== undefined) capture.note(`stopping: ${why}`)
          yield* Scope.close(scope, Exit.void)
        }),
    }
  })
