// The whole behaviour of one service as a pure function, as s6-supervise keeps it: a state, an
// event and the time go in; the next state and the actions to carry out come out. Nothing here
// touches a process, a file or a clock, so every cell of `state × event` is tested as a table.
// Late events (an exit of an earlier run, a timer that was cancelled) are recognised by their
// run or epoch and change nothing. This file takes each event to its part: people's commands,
// the owner's requests and the worker's reports here; a run's end in ExitTransition.ts, its
// readiness and sd_notify in ReadyTransition.ts, a oneshot's schedule in JobTransition.ts, all
// built of TransitionSteps.ts.
import { KILL_GRACE_MS } from "../actors/ProcessRunner.ts"
import type { Desired } from "../state/Store.ts"
import { judgeProbe } from "../actors/HealthVerdict.ts"
import type { ProbeResult } from "../actors/Probe.ts"
import { formatMs } from "./Intensity.ts"
import { freshHistory } from "./RestartDecision.ts"
import { ServiceAction } from "./ServiceAction.ts"
import type { DownReply, ServiceEvent } from "./ServiceEvent.ts"
import { nothingNotified, restarted, visibleKey, type Hold, type ServiceModel } from "./ServiceModel.ts"
import { liveOf, redirect, ServiceState, type Live } from "./ServiceState.ts"
import {
  A,
  result,
  andThen,
  isLive,
  spawn,
  cancelBackoff,
  armBackoff,
  beginStop,
  stopTowards,
  heldByGroup,
  type Transition,
} from "./TransitionSteps.ts"
import {
  readyHolds,
  startTimer,
  healthHolds,
  onReadied,
  onReadyTimedOut,
  onNotified,
  onWatchdogMissed,
  withWatchdog,
} from "./ReadyTransition.ts"
import {
  isScheduled,
  pauseSchedule,
  runNow,
  armSchedule,
  onFired,
  runQueued,
  rearm,
} from "./JobTransition.ts"
import { onCrash, onExited } from "./ExitTransition.ts"

export type { Transition } from "./TransitionSteps.ts"

/** While a reserved port is held by someone else, look again after this, doubling up to the max. */
export const PORT_RETRY_MS = 500
export const PORT_RETRY_MAX_MS = 5000

const waitFor = (model: ServiceModel, reply: DownReply): ServiceModel => ({
  ...model,
  waiters: [...model.waiters, reply],
})

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
    : andThen(result({ ...model, desired }, A.PersistDesired({ desired })), cancelBackoff)

const onStart = (model: ServiceModel): Transition =>
  andThen(wanting(personStarts(model), "running"), startUnlessHeld)

/** A person started the whole group: the group's hold is theirs to lift. */
const onLaunch = (model: ServiceModel): Transition =>
  andThen(wanting({ ...model, history: freshHistory, hold: null }, "running"), startUnlessHeld)

/** A person's stop wins over a group restart: the group finds it stopped and leaves it so. */
const onStop = (model: ServiceModel): Transition =>
  andThen(wanting({ ...model, hold: null }, "stopped"), (m) => {
    const { state } = m
    if (state._tag === "Stopping" || isLive(state)) return stopTowards(m, "stay-stopped")
    if (state._tag === "Stopped") return result(m)
    return result({ ...m, state: ServiceState.Stopped() }, A.Note({ text: "stopped" }))
  })

const onRestart = (model: ServiceModel, now: number): Transition =>
  andThen(wanting({ ...restarted(personStarts(model), "person", now), ending: "person" }, "running"), (m) =>
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
    return andThen(noted, (n) =>
      stopTowards({ ...restarted(n, "reload", now), ending: "reload" }, "start-again"),
    )
  if (m.state._tag === "Backoff" && m.hold === null)
    return andThen(noted, (n) => andThen(cancelBackoff(n), (c) => spawn(c, "free")))
  return noted
}

// ---- requests from the owner ----

const onResume = (model: ServiceModel): Transition => {
  const m: ServiceModel = { ...model, hold: null }
  const startable = m.state._tag === "Stopped" || m.state._tag === "Backoff"
  if (m.desired !== "running" || !startable) return result(m)
  return andThen(cancelBackoff(m), (c) => spawn(c, "free"))
}

/**
 * A group stops a sibling for a restart (or the root a dependant whose dependency is down), and
 * holds it until it is resumed. One that had ended for good (exited by its policy, or failed)
 * is not its owner's to start: it is left so. A group's hold is not loosened by a dependency's.
 */
const endedForGood = (model: ServiceModel): boolean =>
  model.state._tag === "Exited" || model.state._tag === "Failed"

const onHalt = (model: ServiceModel, hold: Hold, reply: DownReply, now: number): Transition =>
  andThen(
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
        return andThen(result(waitFor(m, reply), A.Note({ text: why })), (n) => beginStop(n, state, "halt"))
      const stopped = state._tag === "Backoff" ? { ...m, state: ServiceState.Stopped() } : m
      return result(stopped, A.Release({ waiters: [reply] }))
    },
  )

const onGiveUp = (model: ServiceModel, reason: string, reply: DownReply): Transition =>
  andThen(cancelBackoff({ ...model, hold: null, givenUpFor: reason }), (m) => {
    const noted = result(m, A.Note({ text: `giving up: ${reason}` }))
    if (m.state._tag === "Stopping" || isLive(m.state))
      return andThen(noted, (n) => stopTowards(waitFor(n, reply), "give-up"))
    return andThen(noted, (n) =>
      result({ ...n, state: ServiceState.Failed({ error: reason }) }, A.Release({ waiters: [reply] })),
    )
  })

const onClose = (model: ServiceModel, why: string, reply: DownReply): Transition =>
  andThen(cancelBackoff(model), (m) => {
    const { state } = m
    if (state._tag === "Stopping") return stopTowards(waitFor(m, reply), "close")
    if (isLive(state))
      return andThen(result(waitFor(m, reply), A.Note({ text: `stopping: ${why}` })), (n) =>
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
  return same ? waiting : andThen(result(model, A.Note({ text: `${error}; waiting for it` })), () => waiting)
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
    : andThen(checked, (m) =>
        andThen(result({ ...m, ending: "health" }, A.Note({ text: fault })), (n) =>
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
  return andThen(
    result(
      model,
      A.Note({ text: `still there ${formatMs(KILL_GRACE_MS)} after SIGKILL; no longer waiting for it` }),
    ),
    (m) => onExited(m, run, { code: null, signal: "SIGKILL" }, now, 0.5),
  )
}

const step = (model: ServiceModel, event: ServiceEvent, now: number): Transition => {
  switch (event._tag) {
    case "Start":
      if (isScheduled(model))
        return andThen(wanting(personStarts(model), "running"), (m) =>
          andThen(armSchedule(m, now), (n) => result(n, A.Reply({ reply: event.reply }))),
        )
      return andThen(onStart(model), (m) => result(m, A.Reply({ reply: event.reply })))
    case "Stop":
      return andThen(onStop(model), (m) =>
        andThen(pauseSchedule(m), (n) => result(n, A.Reply({ reply: event.reply }))),
      )
    case "Restart":
      return andThen(onRestart(model, now), (m) =>
        andThen(armSchedule(m, now), (n) => result(n, A.Reply({ reply: event.reply }))),
      )
    case "Update":
      return andThen(onUpdate(model, event, now), (m) =>
        andThen(rearm(model, m, now), (n) => result(n, A.Reply({ reply: event.reply }))),
      )
    case "Resume":
      if (isScheduled(model))
        return andThen(armSchedule({ ...model, hold: null }, now), (m) =>
          result(m, A.Reply({ reply: event.reply })),
        )
      return andThen(onResume(model), (m) => result(m, A.Reply({ reply: event.reply })))
    case "Launch":
      if (isScheduled(model))
        return andThen(wanting({ ...model, history: freshHistory, hold: null }, "running"), (m) =>
          andThen(armSchedule(m, now), (n) => result(n, A.Reply({ reply: event.reply }))),
        )
      return andThen(onLaunch(model), (m) => result(m, A.Reply({ reply: event.reply })))
    case "RunNow":
      return andThen(runNow(model, "run-now"), (m) => result(m, A.Reply({ reply: event.reply })))
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
        ? andThen(result({ ...model, ending: "memory_max" }, A.Note({ text: event.reason })), (m) =>
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
      return andThen(onExited(model, event.run, event.exit, now, event.unit), runQueued)
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
