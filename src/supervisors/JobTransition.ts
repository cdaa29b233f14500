// A oneshot's part of the service's pure transition (ServiceTransition.ts): its schedule
// (armed, fired, paused, caught up after Dockless was down), the overlap rule when a run is due
// while the last one still goes, and each run's record once it ends.
import type { ExitInfo } from "../actors/ProcessRunner.ts"
import type { JobRun, Trigger } from "../actors/ServiceView.ts"
import { latestMissed, nextFiring, scheduleOf } from "../config/JobSpec.ts"
import { formatMs } from "./Intensity.ts"
import { withRun, type JobModel } from "./JobModel.ts"
import { freshHistory } from "./RestartDecision.ts"
import { ServiceAction } from "./ServiceAction.ts"
import type { ServiceModel } from "./ServiceModel.ts"
import { liveOf, ServiceState, type Live } from "./ServiceState.ts"
import {
  A,
  result,
  andThen,
  spawn,
  cancelBackoff,
  stopTowards,
  iso,
  type Transition,
} from "./TransitionSteps.ts"

/** A oneshot with a schedule: its start arms the schedule instead of running it. */
export const isScheduled = (model: ServiceModel): boolean =>
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
export const pauseSchedule = (model: ServiceModel): Transition => {
  if (model.job.nextAt === null && !model.job.queued) return result(model)
  const m = withJob(model, { epoch: model.job.epoch + 1, nextAt: null, queued: false, resumeFrom: null })
  return result(m, A.CancelFiring(), recordJob(m))
}

/**
 * One run now, by the overlap rule when the previous run still goes: "skip" says so and does
 * nothing, "queue" lets one run wait for the current one, "kill" stops it and starts again.
 */
export const runNow = (model: ServiceModel, trigger: Trigger): Transition => {
  const { state } = model
  const live = liveOf(state)
  const what = trigger === "run-now" ? "Run now" : `the ${trigger} run`
  if (live === undefined)
    return andThen(result(withJob(model, { trigger }), A.Note({ text: `${what}: starting` })), (m) =>
      andThen(cancelBackoff(m), (c) => spawn(c, "free")),
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
      return andThen(
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
export const armSchedule = (model: ServiceModel, now: number): Transition => {
  const text = model.spec.schedule
  if (!isScheduled(model) || text === undefined || model.desired !== "running" || model.job.nextAt !== null)
    return result(model)
  const schedule = scheduleOf(text)
  const due = model.job.resumeFrom
  const m = withJob(model, { resumeFrom: null })
  if (due === null || due > now) {
    const at = due ?? nextFiring(schedule, now)
    return andThen(armFiring(m, at, now), (n) =>
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
    return andThen(
      result(
        m,
        A.Note({
          text: `missed the run due at ${iso(missed)} while Dockless was down; catch_up = false, not running it`,
        }),
      ),
      () => armed,
    )
  return andThen(
    result(m, A.Note({ text: `catching up the run due at ${iso(missed)}, missed while Dockless was down` })),
    () => andThen(armed, (n) => runNow(n, "catch-up")),
  )
}

/** The schedule's timer went off: arm the next firing, then run by the overlap rule. */
export const onFired = (model: ServiceModel, epoch: number, now: number): Transition => {
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
    return andThen(armed, (m) =>
      result(m, A.Note({ text: `the scheduled run is skipped: ${model.hold?.why ?? "it is held"}` })),
    )
  return andThen(armed, (m) => runNow(m, "schedule"))
}

/** A oneshot's run ended: kept in its history (newest first) and, lazily, in state.json. */
export const recordRunEnd = (model: ServiceModel, live: Live, exit: ExitInfo, now: number): Transition => {
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
export const succeeded = (model: ServiceModel, exit: ExitInfo, now: number, startedAt: number): Transition =>
  result(
    { ...model, state: ServiceState.Exited({ exit }), history: freshHistory },
    A.Note({ text: `finished successfully (exit code 0) after ${formatMs(now - startedAt)}` }),
  )

/** overlap = "queue": the run that waited starts once the current one has ended for good. */
export const runQueued = (model: ServiceModel): Transition => {
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
export const rearm = (before: ServiceModel, model: ServiceModel, now: number): Transition => {
  if (!isScheduled(model)) return pauseSchedule(model)
  if (before.spec.schedule === model.spec.schedule && model.job.nextAt !== null) return result(model)
  return armSchedule(withJob(model, { nextAt: null }), now)
}
