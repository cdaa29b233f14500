// What a run must do before it counts as running, and what it says once it runs: its `ready`
// condition (bounded by start_timeout) and, for a service with a notify socket, its sd_notify
// messages and watchdog. Part of the service's pure transition (ServiceTransition.ts).
import { describeReady, usesNotify } from "../config/ReadySpec.ts"
import { formatMs } from "./Intensity.ts"
import { ServiceAction } from "./ServiceAction.ts"
import type { Notice } from "../actors/NotifyMessage.ts"
import type { Notified, ServiceModel } from "./ServiceModel.ts"
import { liveOf, ServiceState } from "./ServiceState.ts"
import { A, result, andThen, beginStop, type Transition } from "./TransitionSteps.ts"

/** Only a service with `ready` waits for it, bounded by start_timeout. */
export const startTimer = (model: ServiceModel, run: number): ReadonlyArray<ServiceAction> =>
  model.spec.ready === undefined ? [] : [A.ArmStartTimeout({ run, delay: model.spec.start_timeout })]

export const readyHolds = (model: ServiceModel, run: number): boolean =>
  model.spec.ready === undefined || model.readied === run

/** No check, or its first pass of this run is behind it (a status past "starting"). */
export const healthHolds = (model: ServiceModel): boolean =>
  model.spec.health === undefined || (model.health !== null && model.health.status !== "starting")

/** The run met its `ready` condition: running now, unless its first health check is still to pass. */
export const onReadied = (model: ServiceModel, run: number, how: string): Transition => {
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
export const onReadyTimedOut = (model: ServiceModel, run: number): Transition => {
  const { state } = model
  const ready = model.spec.ready
  if (ready === undefined || state._tag !== "Starting" || state.run !== run || model.readied === run)
    return result(model)
  const text =
    `not ready within ${formatMs(model.spec.start_timeout)} (start_timeout; waiting for ` +
    `${describeReady(ready)}): a failed start`
  return andThen(result(model, A.Note({ text })), (m) => beginStop(m, state, "fault"))
}

// What a run says on its socket (sd_notify), and its watchdog.

/**
 * STATUS=, MAINPID=, STOPPING=1 and WATCHDOG=1 from the run's process group (NotifySocket checked
 * the sender). A ping of a running run rearms its watchdog; one while it starts is counted only:
 * as systemd's, the watchdog begins when start-up is complete (see `withWatchdog`).
 */
export const onNotified = (model: ServiceModel, run: number, notice: Notice): Transition => {
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
export const onWatchdogMissed = (model: ServiceModel, run: number, ping: number): Transition => {
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
  return andThen(result({ ...model, ending: "health" }, A.Note({ text })), (m) =>
    beginStop(m, state, "fault"),
  )
}

/** The watchdog starts when start-up is complete: whichever event made the run running arms it. */
export const withWatchdog = (before: ServiceModel, next: Transition): Transition => {
  const watchdog = next.model.spec.watchdog
  const { state } = next.model
  if (watchdog === undefined || state._tag !== "Running" || before.state._tag === "Running") return next
  const arm = A.ArmWatchdog({ run: state.run, ping: next.model.notified.pings, delay: watchdog })
  return { model: next.model, actions: [...next.actions, arm] }
}
