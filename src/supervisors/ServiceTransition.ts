// The whole behaviour of one service as a pure function, as s6-supervise keeps it: a state, an
// event and the time go in; the next state and the actions to carry out come out. Nothing here
// touches a process, a file or a clock, so every cell of `state × event` is tested as a table.
// Late events (an exit of an earlier run, a timer that was cancelled) are recognised by their
// run or epoch and change nothing.
import { KILL_GRACE_MS, type ExitInfo } from "../actors/ProcessRunner.ts"
import type { Desired } from "../state/Store.ts"
import { judgeProbe } from "../actors/HealthVerdict.ts"
import { describeReady, usesNotify } from "../config/ReadySpec.ts"
import type { ProbeResult } from "../actors/Probe.ts"
import type { EndReason, JobRun, Trigger } from "../actors/ServiceView.ts"
import { latestMissed, nextFiring, scheduleOf } from "../config/JobSpec.ts"
import { formatMs } from "./Intensity.ts"
import { withRun, type JobModel } from "./JobModel.ts"
import { decide, describeExit, freshHistory } from "./RestartDecision.ts"
import { ChildReport, ServiceAction, type Budget } from "./ServiceAction.ts"
import type { DownReply, ServiceEvent } from "./ServiceEvent.ts"
import type { Notice } from "../actors/NotifyMessage.ts"
import {
  ENDS_KEPT,
  nothingNotified,
  restarted,
  visibleKey,
  type Hold,
  type Notified,
  type ServiceModel,
} from "./ServiceModel.ts"
import { liveOf, redirect, ServiceState, type AfterStop, type Live } from "./ServiceState.ts"

export interface Transition {
  readonly model: ServiceModel
  readonly actions: ReadonlyArray<ServiceAction>
}

/** While a reserved port is held by someone else, look again after this, doubling up to the max. */
export const PORT_RETRY_MS = 500
export const PORT_RETRY_MAX_MS = 5000

const A = ServiceAction
const result = (model: ServiceModel, ...actions: ReadonlyArray<ServiceAction>): Transition => ({
  model,
  actions,
})
const then = (first: Transition, next: (model: ServiceModel) => Transition): Transition => {
  const second = next(first.model)
  return { model: second.model, actions: [...first.actions, ...second.actions] }
}

const isLive = (state: ServiceState): state is ServiceState & Live =>
  state._tag === "Starting" || state._tag === "Running"

const spawn = (model: ServiceModel, budget: Budget): Transition => {
  const run = model.runs + 1
  return result({ ...model, runs: run }, A.Spawn({ run, budget }))
}

/** Invalidates any armed backoff timer: its BackoffElapsed will carry an old epoch. */
const cancelBackoff = (model: ServiceModel): Transition =>
  result({ ...model, epoch: model.epoch + 1 }, A.CancelBackoff())

const armBackoff = (
  model: ServiceModel,
  until: number,
  now: number,
  fields: { error: string | null; reserved: boolean },
): Transition => {
  const epoch = model.epoch + 1
  return result(
    { ...model, epoch, state: ServiceState.Backoff({ until, ...fields }) },
    A.ArmBackoff({ epoch, delay: Math.max(0, until - now) }),
  )
}

const beginStop = (model: ServiceModel, live: Live, after: AfterStop): Transition =>
  result(
    { ...model, state: ServiceState.Stopping({ ...live, after, killed: false }) },
    A.Note({ text: `stopping (${model.spec.stop_signal} to the process group)` }),
    A.Signal({ signal: model.spec.stop_signal }),
    A.ArmStopOverdue({ run: live.run, delay: model.spec.stop_timeout }),
  )

/** Starts a stop towards `after`, or redirects the stop already under way; no-op without a process. */
const stopTowards = (model: ServiceModel, after: AfterStop): Transition => {
  const { state } = model
  if (state._tag === "Stopping")
    return result({
      ...model,
      state: ServiceState.Stopping({ ...state, after: redirect(state.after, after) }),
    })
  if (isLive(state)) return beginStop(model, state, after)
  return result(model)
}

const waitFor = (model: ServiceModel, reply: DownReply): ServiceModel => ({
  ...model,
  waiters: [...model.waiters, reply],
})

const releaseWaiters = (model: ServiceModel): Transition =>
  model.waiters.length === 0
    ? result(model)
    : result({ ...model, waiters: [] }, A.Release({ waiters: model.waiters }))

const heldByGroup = (model: ServiceModel): boolean => model.hold?.by === "group"

/** A person asks for the service to run: start it now, unless a group restart owns its next start. */
const startUnlessHeld = (model: ServiceModel): Transition => {
  const { state } = model
  if (state._tag === "Stopping")
    return result({
      ...model,
      state: ServiceState.Stopping({ ...state, after: redirect(state.after, "start-again") }),
    })
  if (isLive(state) || heldByGroup(model)) return result(model)
  return spawn(model, "free")
}

/** A person's start overrides a dependency's hold (they asked for it); a group's stays. */
const personStarts = (model: ServiceModel): ServiceModel => ({
  ...model,
  history: freshHistory,
  hold: heldByGroup(model) ? model.hold : null,
})

// ---- commands from people ----

/** A person's command changes the desired state first: saved before anything else happens. */
const wanting = (model: ServiceModel, desired: Desired): Transition =>
  model.desired === desired
    ? cancelBackoff(model)
    : then(result({ ...model, desired }, A.PersistDesired({ desired })), cancelBackoff)

const onStart = (model: ServiceModel): Transition =>
  then(wanting(personStarts(model), "running"), startUnlessHeld)

/** A person started the whole group: the group's hold is theirs to lift. */
const onLaunch = (model: ServiceModel): Transition =>
  then(wanting({ ...model, history: freshHistory, hold: null }, "running"), startUnlessHeld)

/** A person's stop wins over a group restart: the group finds it stopped and leaves it so. */
const onStop = (model: ServiceModel): Transition =>
  then(wanting({ ...model, hold: null }, "stopped"), (m) => {
    const { state } = m
    if (state._tag === "Stopping" || isLive(state)) return stopTowards(m, "stay-stopped")
    if (state._tag === "Stopped") return result(m)
    return result({ ...m, state: ServiceState.Stopped() }, A.Note({ text: "stopped" }))
  })

const onRestart = (model: ServiceModel, now: number): Transition =>
  then(wanting({ ...restarted(personStarts(model), "person", now), ending: "person" }, "running"), (m) =>
    isLive(m.state) ? beginStop(m, m.state, "start-again") : startUnlessHeld(m),
  )

const onUpdate = (
  model: ServiceModel,
  event: Extract<ServiceEvent, { _tag: "Update" }>,
  now: number,
): Transition => {
  const m: ServiceModel = { ...model, spec: event.spec, port: event.port }
  const noted = result(m, A.Note({ text: "spec updated" }))
  if (isLive(m.state))
    return then(noted, (n) =>
      stopTowards({ ...restarted(n, "reload", now), ending: "reload" }, "start-again"),
    )
  if (m.state._tag === "Backoff" && m.hold === null)
    return then(noted, (n) => then(cancelBackoff(n), (c) => spawn(c, "free")))
  return noted
}

// ---- requests from the owner ----

const onResume = (model: ServiceModel): Transition => {
  const m: ServiceModel = { ...model, hold: null }
  const startable = m.state._tag === "Stopped" || m.state._tag === "Backoff"
  if (m.desired !== "running" || !startable) return result(m)
  return then(cancelBackoff(m), (c) => spawn(c, "free"))
}

/**
 * A group stops a sibling for a restart (or the root a dependant whose dependency is down), and
 * holds it until it is resumed. One that had ended for good (exited by its policy, or failed)
 * is not its owner's to start: it is left so. A group's hold is not loosened by a dependency's.
 */
const endedForGood = (model: ServiceModel): boolean =>
  model.state._tag === "Exited" || model.state._tag === "Failed"

const onHalt = (model: ServiceModel, hold: Hold, reply: DownReply, now: number): Transition =>
  then(
    cancelBackoff({
      // A running service stopped by its group (or for a dependency) is restarted by it: counted.
      ...(isLive(model.state) ? { ...restarted(model, hold.by, now), ending: hold.by } : model),
      hold: endedForGood(model) || (heldByGroup(model) && hold.by === "dependency") ? model.hold : hold,
    }),
    (m) => {
      const why = hold.why
      const { state } = m
      if (state._tag === "Stopping") return stopTowards(waitFor(m, reply), "halt")
      if (isLive(state))
        return then(result(waitFor(m, reply), A.Note({ text: why })), (n) => beginStop(n, state, "halt"))
      const stopped = state._tag === "Backoff" ? { ...m, state: ServiceState.Stopped() } : m
      return result(stopped, A.Release({ waiters: [reply] }))
    },
  )

const onGiveUp = (model: ServiceModel, reason: string, reply: DownReply): Transition =>
  then(cancelBackoff({ ...model, hold: null, givenUpFor: reason }), (m) => {
    const noted = result(m, A.Note({ text: `giving up: ${reason}` }))
    if (m.state._tag === "Stopping" || isLive(m.state))
      return then(noted, (n) => stopTowards(waitFor(n, reply), "give-up"))
    return then(noted, (n) =>
      result({ ...n, state: ServiceState.Failed({ error: reason }) }, A.Release({ waiters: [reply] })),
    )
  })

const onClose = (model: ServiceModel, why: string, reply: DownReply): Transition =>
  then(cancelBackoff(model), (m) => {
    const { state } = m
    if (state._tag === "Stopping") return stopTowards(waitFor(m, reply), "close")
    if (isLive(state))
      return then(result(waitFor(m, reply), A.Note({ text: `stopping: ${why}` })), (n) =>
        beginStop(n, state, "close"),
      )
    return result({ ...m, waiters: [] }, A.Release({ waiters: [...m.waiters, reply] }), A.End())
  })

// ---- what happened to the worker ----

/** The outcome of a spawn is news only for the spawn just asked for, while no process runs. */
const awaitsSpawn = (model: ServiceModel, run: number): boolean =>
  run === model.runs && liveOf(model.state) === undefined

const onSpawned = (model: ServiceModel, event: Extract<ServiceEvent, { _tag: "Spawned" }>): Transition => {
  if (!awaitsSpawn(model, event.run)) return result(model)
  const live: Live = { run: event.run, pid: event.pid, startedAt: event.startedAt }
  const checked = model.spec.health !== undefined
  const awaited = checked || model.spec.ready !== undefined
  return result(
    {
      ...model,
      state: awaited ? ServiceState.Starting(live) : ServiceState.Running(live),
      notified: nothingNotified,
      ending: null,
      health: checked ? { status: "starting", failures: 0, last_error: null, checked_at: null } : null,
    },
    A.Note({ text: `started (pid ${event.pid})` }),
    A.RecordRun({ pid: event.pid, startedAt: event.startedAt }),
    ...startTimer(model, event.run),
  )
}

// ---- readiness: a one-time condition of each run, beside the health check ----

/** Only a service with `ready` waits for it, bounded by start_timeout. */
const startTimer = (model: ServiceModel, run: number): ReadonlyArray<ServiceAction> =>
  model.spec.ready === undefined ? [] : [A.ArmStartTimeout({ run, delay: model.spec.start_timeout })]

const readyHolds = (model: ServiceModel, run: number): boolean =>
  model.spec.ready === undefined || model.readied === run

/** No check, or its first pass of this run is behind it (a status past "starting"). */
const healthHolds = (model: ServiceModel): boolean =>
  model.spec.health === undefined || (model.health !== null && model.health.status !== "starting")

/** The run met its `ready` condition: running now, unless its first health check is still to pass. */
const onReadied = (model: ServiceModel, run: number, how: string): Transition => {
  const { state } = model
  if (
    model.spec.ready === undefined ||
    state._tag !== "Starting" ||
    state.run !== run ||
    model.readied === run
  )
    return result(model)
  const m: ServiceModel = { ...model, readied: run }
  return healthHolds(m)
    ? result({ ...m, state: ServiceState.Running(state) }, A.Note({ text: `ready (${how}); running` }))
    : result(m, A.Note({ text: `ready (${how}); waiting for its first health check to pass` }))
}

/**
 * Not ready within start_timeout: a failed start, stopped and judged as a crash, so the restart
 * policy decides (PM2 marks such a process online, #5716; systemd fails the unit: we do that).
 */
const onReadyTimedOut = (model: ServiceModel, run: number): Transition => {
  const { state } = model
  const ready = model.spec.ready
  if (ready === undefined || state._tag !== "Starting" || state.run !== run || model.readied === run)
    return result(model)
  const text =
    `not ready within ${formatMs(model.spec.start_timeout)} (start_timeout; waiting for ` +
    `${describeReady(ready)}): a failed start`
  return then(result(model, A.Note({ text })), (m) => beginStop(m, state, "fault"))
}

// ---- notify: what a run says on its socket (sd_notify), and its watchdog ----

/**
 * STATUS=, MAINPID=, STOPPING=1 and WATCHDOG=1 from the run's process group (NotifySocket checked
 * the sender). A ping of a running run rearms its watchdog; one while it starts is counted only:
 * as systemd's, the watchdog begins when start-up is complete (see `withWatchdog`).
 */
const onNotified = (model: ServiceModel, run: number, notice: Notice): Transition => {
  const { state } = model
  if (!usesNotify(model.spec) || liveOf(state)?.run !== run) return result(model)
  const before = model.notified
  const notified: Notified = {
    status: notice.status ?? before.status,
    mainPid: notice.mainPid ?? before.mainPid,
    stopping: before.stopping || notice.stopping,
    pings: before.pings + (notice.watchdog ? 1 : 0),
  }
  const notes: Array<ServiceAction> = []
  if (notice.stopping && !before.stopping)
    notes.push(A.Note({ text: "it sent STOPPING=1: it is shutting down by itself" }))
  if (notice.mainPid !== undefined && notice.mainPid !== before.mainPid)
    notes.push(
      A.Note({
        text: `its main process is pid ${notice.mainPid} (MAINPID=); a stop still signals its whole process group`,
      }),
    )
  const watchdog = model.spec.watchdog
  const armed =
    notice.watchdog && watchdog !== undefined && state._tag === "Running"
      ? [A.ArmWatchdog({ run, ping: notified.pings, delay: watchdog })]
      : []
  return result({ ...model, notified }, ...notes, ...armed)
}

/** No WATCHDOG=1 in time: a fault, stopped and judged as a crash (as a failing health check). */
const onWatchdogMissed = (model: ServiceModel, run: number, ping: number): Transition => {
  const { state } = model
  const watchdog = model.spec.watchdog
  if (
    watchdog === undefined ||
    state._tag !== "Running" ||
    state.run !== run ||
    ping !== model.notified.pings
  )
    return result(model)
  const since = ping === 0 ? "since it became running" : "since its last one"
  const text = `no WATCHDOG=1 within ${formatMs(watchdog)} ${since} (watchdog): a failure`
  return then(result({ ...model, ending: "health" }, A.Note({ text })), (m) => beginStop(m, state, "fault"))
}

/** The watchdog starts when start-up is complete: whichever event made the run running arms it. */
const withWatchdog = (before: ServiceModel, next: Transition): Transition => {
  const watchdog = next.model.spec.watchdog
  const { state } = next.model
  if (watchdog === undefined || state._tag !== "Running" || before.state._tag === "Running") return next
  const arm = A.ArmWatchdog({ run: state.run, ping: next.model.notified.pings, delay: watchdog })
  return { model: next.model, actions: [...next.actions, arm] }
}

/**
 * Waiting for a foreign holder of a reserved port: looked at again after 500 ms, then twice as
 * long each time the same holder still has it, up to 5 s, so a conflict that lasts costs next
 * to nothing (issue 17: a daemon waiting on a port must be as quiet as an idle one).
 */
const onPortBusy = (model: ServiceModel, error: string, now: number): Transition => {
  const same = model.state._tag === "Backoff" && model.state.error === error
  const delay = same
    ? Math.min(PORT_RETRY_MAX_MS, Math.max(PORT_RETRY_MS, model.portRetry * 2))
    : PORT_RETRY_MS
  const waiting = armBackoff({ ...model, portRetry: delay }, now + delay, now, { error, reserved: false })
  return same ? waiting : then(result(model, A.Note({ text: `${error}; waiting for it` })), () => waiting)
}

/** How a run ended on its own: its exit, or a spawn that failed before any process existed. */
interface Ending {
  readonly exit: ExitInfo
  readonly ranMs: number
  /** Said in notes and, for a spawn that failed, kept as the error a person sees. */
  readonly how: string
  readonly spawnFailed: boolean
  /** Dockless ended it for a fault (health, memory_max) or it never ran: a failure whatever its code. */
  readonly faulted: boolean
}

/** The supervision decision for a run that ended without being asked to (or after a fault). */
const onCrash = (model: ServiceModel, ending: Ending, now: number, unit: number): Transition => {
  const { exit, how } = ending
  const facts = { exit, ranMs: ending.ranMs, now, unit, faulted: ending.faulted }
  // Intensity belongs to the supervisor that restarts: a group member's restarts are its group's to count.
  const verdict = decide(
    model.spec,
    model.history,
    facts,
    model.membership === "alone" ? model.spec.intensity : undefined,
  )
  const error = ending.spawnFailed ? how : null
  const name = model.spec.name
  switch (verdict._tag) {
    case "Exit":
      return ending.spawnFailed
        ? result(
            { ...model, state: ServiceState.Failed({ error: how }) },
            A.Note({ text: `${how}; restart = "${model.spec.restart}", not trying again` }),
          )
        : result(
            { ...model, state: ServiceState.Exited({ exit }) },
            A.Note({ text: `${how}; restart = "${model.spec.restart}", not restarting` }),
          )
    case "GiveUp": {
      const reason = `${verdict.reason}; last ${how}`
      return result(
        { ...model, state: ServiceState.Failed({ error: reason }) },
        A.Note({ text: `${how}; giving up: ${verdict.reason}` }),
        A.Report({ report: ChildReport.GaveUp({ name, reason }) }),
      )
    }
    case "Restart": {
      const m: ServiceModel = { ...restarted(model, model.ending ?? "crash", now), history: verdict.history }
      if (m.membership === "delegated") {
        const until = now + verdict.delay
        return result(
          {
            ...m,
            state: ServiceState.Backoff({ until, error, reserved: false }),
            hold: { by: "group", why: "waiting for its group to restart it" },
          },
          A.Note({ text: `${how}; its group restarts it` }),
          A.Report({ report: ChildReport.Crashed({ name }) }),
        )
      }
      const reported =
        m.membership === "counted" ? [A.Report({ report: ChildReport.Restarting({ name }) })] : []
      if (verdict.delay === 0) {
        const waiting = { ...m, state: ServiceState.Backoff({ until: now, error, reserved: false }) }
        return then(result(waiting, A.Note({ text: `${how}, restarting now` }), ...reported), (n) =>
          spawn(n, "ask"),
        )
      }
      return then(
        result(m, A.Note({ text: `${how}, restarting in ${formatMs(verdict.delay)}` }), ...reported),
        (n) => armBackoff(n, now + verdict.delay, now, { error, reserved: false }),
      )
    }
  }
}

/** Why a run that just ended ended, for its history: the stop under way, or its own exit. */
const endReason = (model: ServiceModel, exit: ExitInfo): EndReason => {
  const { state, ending } = model
  if (state._tag !== "Stopping") return exit.code === 0 ? "exit" : "crash"
  const by: Record<typeof state.after, EndReason> = {
    "stay-stopped": "stop",
    "start-again": ending ?? "person",
    fault: ending ?? "crash",
    halt: ending ?? "group",
    "give-up": "group",
    close: "shutdown",
  }
  return by[state.after]
}

const onExited = (
  model: ServiceModel,
  run: number,
  exit: ExitInfo,
  now: number,
  unit: number,
): Transition => {
  const live = liveOf(model.state)
  if (live === undefined || live.run !== run) return result(model)
  const { state } = model
  const end = {
    started_at: iso(live.startedAt),
    ended_at: iso(now),
    exit_code: exit.code,
    signal: exit.signal,
    reason: endReason(model, exit),
  }
  const ends = [end, ...model.ends.slice(0, ENDS_KEPT - 1)]
  const ended = then(result({ ...model, ends, lastExit: { exit, at: now } }, A.EndRun({ run })), (m) =>
    recordRunEnd(m, live, exit, now),
  )
  if (state._tag === "Stopping" && state.after !== "fault") {
    const stopped = then(ended, (m) =>
      then(result(m, A.Note({ text: `stopped (${describeExit(exit)})` })), releaseWaiters),
    )
    switch (state.after) {
      case "stay-stopped":
      case "halt":
        return then(stopped, (m) => result({ ...m, state: ServiceState.Stopped() }))
      case "start-again":
        return then(stopped, (m) => {
          const s = { ...m, state: ServiceState.Stopped() }
          return heldByGroup(s) ? result(s) : spawn(s, "free")
        })
      case "give-up":
        return then(stopped, (m) => result({ ...m, state: ServiceState.Failed({ error: m.givenUpFor }) }))
      case "close":
        return then(stopped, (m) => result({ ...m, state: ServiceState.Stopped() }, A.End()))
    }
  }
  const ending: Ending = {
    exit,
    ranMs: now - live.startedAt,
    how: describeExit(exit),
    spawnFailed: false,
    faulted: state._tag === "Stopping",
  }
  if (model.spec.type === "oneshot" && exit.code === 0 && !ending.faulted)
    return then(ended, (m) => then(succeeded(m, exit, now, live.startedAt), releaseWaiters))
  return then(ended, (m) => then(onCrash(m, ending, now, unit), releaseWaiters))
}

const onHealthChecked = (model: ServiceModel, run: number, probe: ProbeResult, at: number): Transition => {
  const check = model.spec.health
  const { state } = model
  if (check === undefined || !isLive(state) || state.run !== run) return result(model)
  const verdict = judgeProbe(check, {
    result: probe,
    at,
    startedAt: state.startedAt,
    // Passed once already while it waits to be ready: later probes judge it as a running one.
    starting: state._tag === "Starting" && !healthHolds(model),
    previous: model.health,
  })
  const notes: Array<ServiceAction> = []
  let next: ServiceModel = { ...model, health: verdict.health }
  if (verdict.nowRunning && state._tag === "Starting") {
    if (readyHolds(next, state.run)) {
      next = { ...next, state: ServiceState.Running(state) }
      notes.push(A.Note({ text: "health check passed; running" }))
    } else notes.push(A.Note({ text: "health check passed; waiting for it to be ready" }))
  }
  if (verdict.recovered) notes.push(A.Note({ text: "health check passed again" }))
  const checked = result(next, ...notes)
  const fault = verdict.fault
  return fault === undefined
    ? checked
    : then(checked, (m) =>
        then(result({ ...m, ending: "health" }, A.Note({ text: fault })), (n) =>
          beginStop(n, state, "fault"),
        ),
      )
}

const onStopOverdue = (model: ServiceModel, run: number): Transition => {
  const { state } = model
  if (state._tag !== "Stopping" || state.run !== run || state.killed) return result(model)
  return result(
    { ...model, state: ServiceState.Stopping({ ...state, killed: true }) },
    A.Note({
      text: `did not stop within ${formatMs(model.spec.stop_timeout)}; sending SIGKILL to its process group`,
    }),
    A.Signal({ signal: "SIGKILL" }),
    A.ArmKillOverdue({ run, delay: KILL_GRACE_MS }),
  )
}

const onKillOverdue = (model: ServiceModel, run: number, now: number): Transition => {
  const { state } = model
  if (state._tag !== "Stopping" || state.run !== run) return result(model)
  return then(
    result(
      model,
      A.Note({ text: `still there ${formatMs(KILL_GRACE_MS)} after SIGKILL; no longer waiting for it` }),
    ),
    (m) => onExited(m, run, { code: null, signal: "SIGKILL" }, now, 0.5),
  )
}

// ---- jobs (type = "oneshot", schedule, overlap, catch_up) ----

const iso = (ms: number): string => new Date(ms).toISOString()

/** A oneshot with a schedule: its start arms the schedule instead of running it. */
const isScheduled = (model: ServiceModel): boolean =>
  model.spec.type === "oneshot" && model.spec.schedule !== undefined

const withJob = (model: ServiceModel, job: Partial<JobModel>): ServiceModel => ({
  ...model,
  job: { ...model.job, ...job },
})

const recordJob = (model: ServiceModel): ServiceAction =>
  A.RecordJob({ nextAt: model.job.nextAt, runs: model.job.runs })

/** Sets the next firing and wakes the supervisor then; a time past the last one a cron matches pauses. */
const armFiring = (model: ServiceModel, at: number | undefined, now: number): Transition => {
  const epoch = model.job.epoch + 1
  if (at === undefined) {
    const m = withJob(model, { epoch, nextAt: null })
    return result(m, A.CancelFiring(), A.Note({ text: "its schedule matches no later time" }), recordJob(m))
  }
  const m = withJob(model, { epoch, nextAt: at })
  return result(m, A.ArmFiring({ epoch, delay: Math.max(0, at - now) }), recordJob(m))
}

/** A person stopped it (or it is no longer scheduled): no firing until it is started again. */
const pauseSchedule = (model: ServiceModel): Transition => {
  if (model.job.nextAt === null && !model.job.queued) return result(model)
  const m = withJob(model, { epoch: model.job.epoch + 1, nextAt: null, queued: false, resumeFrom: null })
  return result(m, A.CancelFiring(), recordJob(m))
}

/**
 * One run now, by the overlap rule when the previous run still goes: "skip" says so and does
 * nothing, "queue" lets one run wait for the current one, "kill" stops it and starts again.
 */
const runNow = (model: ServiceModel, trigger: Trigger): Transition => {
  const { state } = model
  const live = liveOf(state)
  const what = trigger === "run-now" ? "Run now" : `the ${trigger} run`
  if (live === undefined)
    return then(result(withJob(model, { trigger }), A.Note({ text: `${what}: starting` })), (m) =>
      then(cancelBackoff(m), (c) => spawn(c, "free")),
    )
  const going = `the run started at ${iso(live.startedAt)} (pid ${live.pid}) is still going`
  const restarting = state._tag === "Stopping" && state.after === "start-again"
  switch (model.spec.overlap) {
    case "skip":
      return result(model, A.Note({ text: `${what} skipped: ${going} (overlap = "skip")` }))
    case "queue":
      return model.job.queued || restarting
        ? result(
            model,
            A.Note({ text: `${what} dropped: ${going} and one run already waits (overlap = "queue")` }),
          )
        : result(
            withJob(model, { queued: true }),
            A.Note({ text: `${what} queued: ${going} (overlap = "queue")` }),
          )
    case "kill":
      return then(
        result(
          withJob(model, { nextTrigger: trigger }),
          A.Note({ text: `${what}: stopping it first, ${going} (overlap = "kill")` }),
        ),
        (m) => stopTowards(m, "start-again"),
      )
  }
}

/**
 * Arms the schedule when its service is started. At boot (`resumeFrom` saved before Dockless
 * stopped) a firing still ahead is kept as it was; one that passed while Dockless was down is
 * run once, for the most recent missed time, only with catch_up = true, and said either way.
 */
const armSchedule = (model: ServiceModel, now: number): Transition => {
  const text = model.spec.schedule
  if (!isScheduled(model) || text === undefined || model.desired !== "running" || model.job.nextAt !== null)
    return result(model)
  const schedule = scheduleOf(text)
  const due = model.job.resumeFrom
  const m = withJob(model, { resumeFrom: null })
  if (due === null || due > now) {
    const at = due ?? nextFiring(schedule, now)
    return then(armFiring(m, at, now), (n) =>
      result(
        n,
        A.Note({
          text: n.job.nextAt === null ? "schedule armed" : `schedule armed; next run at ${iso(n.job.nextAt)}`,
        }),
      ),
    )
  }
  const missed = latestMissed(schedule, due, now)
  const next = nextFiring(schedule, schedule._tag === "Every" ? missed : now)
  const armed = armFiring(m, next !== undefined && next <= now ? nextFiring(schedule, now) : next, now)
  if (!model.spec.catch_up)
    return then(
      result(
        m,
        A.Note({
          text: `missed the run due at ${iso(missed)} while Dockless was down; catch_up = false, not running it`,
        }),
      ),
      () => armed,
    )
  return then(
    result(m, A.Note({ text: `catching up the run due at ${iso(missed)}, missed while Dockless was down` })),
    () => then(armed, (n) => runNow(n, "catch-up")),
  )
}

/** The schedule's timer went off: arm the next firing, then run by the overlap rule. */
const onFired = (model: ServiceModel, epoch: number, now: number): Transition => {
  const { nextAt } = model.job
  const text = model.spec.schedule
  if (epoch !== model.job.epoch || nextAt === null || text === undefined) return result(model)
  // Long waits are slept in slices (and the wall clock may have moved): not due yet, sleep on.
  if (now < nextAt) return result(model, A.ArmFiring({ epoch, delay: nextAt - now }))
  const schedule = scheduleOf(text)
  const following = nextFiring(schedule, schedule._tag === "Every" ? nextAt : now)
  const next = following !== undefined && following <= now ? nextFiring(schedule, now) : following
  const armed = armFiring(model, next, now)
  if (model.hold !== null)
    return then(armed, (m) =>
      result(m, A.Note({ text: `the scheduled run is skipped: ${model.hold?.why ?? "it is held"}` })),
    )
  return then(armed, (m) => runNow(m, "schedule"))
}

/** A oneshot's run ended: kept in its history (newest first) and, lazily, in state.json. */
const recordRunEnd = (model: ServiceModel, live: Live, exit: ExitInfo, now: number): Transition => {
  if (model.spec.type !== "oneshot") return result(model)
  const stopped = model.state._tag === "Stopping" && model.state.after !== "fault"
  const run: JobRun = {
    started_at: iso(live.startedAt),
    ended_at: iso(now),
    duration_ms: Math.max(0, now - live.startedAt),
    exit_code: exit.code,
    signal: exit.signal,
    outcome: stopped ? "stopped" : exit.code === 0 && model.state._tag !== "Stopping" ? "success" : "failure",
    trigger: model.job.trigger,
  }
  const m = withJob(model, {
    runs: withRun(model.job.runs, run),
    trigger: model.job.nextTrigger ?? "start",
    nextTrigger: null,
  })
  return result(m, recordJob(m))
}

/** A oneshot that exits 0 has done its work: `exited`, not a crash, whatever `restart` says. */
const succeeded = (model: ServiceModel, exit: ExitInfo, now: number, startedAt: number): Transition =>
  result(
    { ...model, state: ServiceState.Exited({ exit }), history: freshHistory },
    A.Note({ text: `finished successfully (exit code 0) after ${formatMs(now - startedAt)}` }),
  )

/** overlap = "queue": the run that waited starts once the current one has ended for good. */
const runQueued = (model: ServiceModel): Transition => {
  if (!model.job.queued || liveOf(model.state) !== undefined) return result(model)
  const m = withJob(model, { queued: false })
  if (m.state._tag === "Backoff")
    return result(
      m,
      A.Note({ text: "the queued run is dropped: the restart after the failure stands in for it" }),
    )
  if (m.desired !== "running" || m.hold !== null) return result(m)
  return runNow(m, "queue")
}

/** A new spec: a schedule that changed is armed afresh; one that went away is stopped. */
const rearm = (before: ServiceModel, model: ServiceModel, now: number): Transition => {
  if (!isScheduled(model)) return pauseSchedule(model)
  if (before.spec.schedule === model.spec.schedule && model.job.nextAt !== null) return result(model)
  return armSchedule(withJob(model, { nextAt: null }), now)
}

const step = (model: ServiceModel, event: ServiceEvent, now: number): Transition => {
  switch (event._tag) {
    case "Start":
      if (isScheduled(model))
        return then(wanting(personStarts(model), "running"), (m) =>
          then(armSchedule(m, now), (n) => result(n, A.Reply({ reply: event.reply }))),
        )
      return then(onStart(model), (m) => result(m, A.Reply({ reply: event.reply })))
    case "Stop":
      return then(onStop(model), (m) =>
        then(pauseSchedule(m), (n) => result(n, A.Reply({ reply: event.reply }))),
      )
    case "Restart":
      return then(onRestart(model, now), (m) =>
        then(armSchedule(m, now), (n) => result(n, A.Reply({ reply: event.reply }))),
      )
    case "Update":
      return then(onUpdate(model, event, now), (m) =>
        then(rearm(model, m, now), (n) => result(n, A.Reply({ reply: event.reply }))),
      )
    case "Resume":
      if (isScheduled(model))
        return then(armSchedule({ ...model, hold: null }, now), (m) =>
          result(m, A.Reply({ reply: event.reply })),
        )
      return then(onResume(model), (m) => result(m, A.Reply({ reply: event.reply })))
    case "Launch":
      if (isScheduled(model))
        return then(wanting({ ...model, history: freshHistory, hold: null }, "running"), (m) =>
          then(armSchedule(m, now), (n) => result(n, A.Reply({ reply: event.reply }))),
        )
      return then(onLaunch(model), (m) => result(m, A.Reply({ reply: event.reply })))
    case "RunNow":
      return then(runNow(model, "run-now"), (m) => result(m, A.Reply({ reply: event.reply })))
    case "Fired":
      return onFired(model, event.epoch, now)
    case "Halt":
      return onHalt(model, { by: event.by, why: event.why }, event.reply, now)
    case "GiveUp":
      return onGiveUp(model, event.reason, event.reply)
    case "Close":
      return onClose(model, event.why, event.reply)
    case "Fault":
      return isLive(model.state)
        ? then(result({ ...model, ending: "memory_max" }, A.Note({ text: event.reason })), (m) =>
            stopTowards(m, "fault"),
          )
        : result(model)
    case "Spawned":
      return onSpawned(model, event)
    case "SpawnRefused":
      // systemd applies Restart= to a failed exec (203/EXEC): a binary moved away during a
      // deploy, a cwd unmounted for a moment, EAGAIN or ENOMEM all pass; the policy decides.
      if (!awaitsSpawn(model, event.run)) return result(model)
      return onCrash(
        model,
        {
          exit: { code: null, signal: null },
          ranMs: 0,
          how: `cannot start: ${event.reason}`,
          spawnFailed: true,
          faulted: true,
        },
        now,
        event.unit,
      )
    case "PortBusy":
      return awaitsSpawn(model, event.run) ? onPortBusy(model, event.error, now) : result(model)
    case "SpawnDeferred":
      return awaitsSpawn(model, event.run)
        ? armBackoff(model, event.until, now, { error: null, reserved: true })
        : result(model)
    case "Exited":
      return then(onExited(model, event.run, event.exit, now, event.unit), runQueued)
    case "HealthChecked":
      return onHealthChecked(model, event.run, event.result, event.at)
    case "BackoffElapsed": {
      const { state } = model
      if (event.epoch !== model.epoch || state._tag !== "Backoff" || heldByGroup(model)) return result(model)
      return spawn(model, state.reserved ? "reserved" : "ask")
    }
    case "StopOverdue":
      return onStopOverdue(model, event.run)
    case "KillOverdue":
      return onKillOverdue(model, event.run, now)
    case "LogErrorChanged": {
      const name = model.spec.name
      return result(
        { ...model, logError: event.error },
        event.error === null
          ? A.Log({ level: "info", text: `${name}: its log is written again` })
          : A.Log({
              level: "warning",
              text: `${name}: ${event.error}; its output is dropped until this clears`,
            }),
      )
    }
    case "Readied":
      return onReadied(model, event.run, event.how)
    case "ReadyTimedOut":
      return onReadyTimedOut(model, event.run)
    case "Notified":
      return onNotified(model, event.run, event.notice)
    case "WatchdogMissed":
      return onWatchdogMissed(model, event.run, event.ping)
  }
}

/** The next model and the actions for `event`, ending with Publish when what a person sees changed. */
export const transition = (model: ServiceModel, event: ServiceEvent, now: number): Transition => {
  const next = withWatchdog(model, step(model, event, now))
  const changed = next.model.spec !== model.spec || visibleKey(next.model) !== visibleKey(model)
  return changed ? { model: next.model, actions: [...next.actions, A.Publish()] } : next
}
