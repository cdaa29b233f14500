// What a run's end leads to, in the service's pure transition (ServiceTransition.ts): the end
// recorded (its reason, its history), andThen, for an end nobody asked for, the supervision
// decision: restart now or after a backoff, hand it to its group, give up, or leave it exited.
import type { ExitInfo } from "../actors/ProcessRunner.ts"
import type { EndReason } from "../actors/ServiceView.ts"
import { formatMs } from "./Intensity.ts"
import { decide, describeExit } from "./RestartDecision.ts"
import { ChildReport } from "./ServiceAction.ts"
import { ENDS_KEPT, restarted, type ServiceModel } from "./ServiceModel.ts"
import { liveOf, ServiceState } from "./ServiceState.ts"
import {
  A,
  result,
  andThen,
  spawn,
  armBackoff,
  releaseWaiters,
  heldByGroup,
  iso,
  type Transition,
} from "./TransitionSteps.ts"
import { recordRunEnd, succeeded } from "./JobTransition.ts"

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
export const onCrash = (model: ServiceModel, ending: Ending, now: number, unit: number): Transition => {
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
        return andThen(result(waiting, A.Note({ text: `${how}, restarting now` }), ...reported), (n) =>
          spawn(n, "ask"),
        )
      }
      return andThen(
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

export const onExited = (
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
  const ended = andThen(result({ ...model, ends, lastExit: { exit, at: now } }, A.EndRun({ run })), (m) =>
    recordRunEnd(m, live, exit, now),
  )
  if (state._tag === "Stopping" && state.after !== "fault") {
    const stopped = andThen(ended, (m) =>
      andThen(result(m, A.Note({ text: `stopped (${describeExit(exit)})` })), releaseWaiters),
    )
    switch (state.after) {
      case "stay-stopped":
      case "halt":
        return andThen(stopped, (m) => result({ ...m, state: ServiceState.Stopped() }))
      case "start-again":
        return andThen(stopped, (m) => {
          const s = { ...m, state: ServiceState.Stopped() }
          return heldByGroup(s) ? result(s) : spawn(s, "free")
        })
      case "give-up":
        return andThen(stopped, (m) => result({ ...m, state: ServiceState.Failed({ error: m.givenUpFor }) }))
      case "close":
        return andThen(stopped, (m) => result({ ...m, state: ServiceState.Stopped() }, A.End()))
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
    return andThen(ended, (m) => andThen(succeeded(m, exit, now, live.startedAt), releaseWaiters))
  return andThen(ended, (m) => andThen(onCrash(m, ending, now, unit), releaseWaiters))
}
