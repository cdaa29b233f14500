// What a supervisor knows about its service as a job (type = "oneshot", maybe with a schedule):
// when it fires next, whether a run waits behind the current one (overlap = "queue"), what
// started the current run, and its last runs. Part of the ServiceModel, owned by the same fiber,
// changed only by the pure transition. The shape of a run (ServiceView.ts) is the one the API
// and state.json show.
import type { JobRun, Trigger } from "../actors/ServiceView.ts"

/** How many finished runs a job keeps (newest first). */
export const HISTORY_RUNS = 20

export interface JobModel {
  /** When the schedule fires next; null when it has no schedule or it is paused (a person's stop). */
  readonly nextAt: number | null
  /** The firing timer's epoch: a Fired of another epoch is from a cancelled timer. */
  readonly epoch: number
  /** overlap = "queue": one run waits for the current one to end (never more than one). */
  readonly queued: boolean
  /**
   * next_run_at as saved before Dockless last stopped: the first arming after boot starts from
   * it (so a restart neither loses nor shifts the schedule), then it is dropped.
   */
  readonly resumeFrom: number | null
  /** What started the current (or last) run. */
  readonly trigger: Trigger
  /** What starts the run after the current one ends (overlap = "kill" stops it first), if set. */
  readonly nextTrigger: Trigger | null
  readonly runs: ReadonlyArray<JobRun>
}

/** The job part of a model that has no saved schedule or runs: shared, never changed in place. */
export const idleJob: JobModel = {
  nextAt: null,
  epoch: 0,
  queued: false,
  resumeFrom: null,
  trigger: "start",
  nextTrigger: null,
  runs: [],
}

/** The job as its saved record left it (state.json), for a supervisor created at boot. */
export const savedJob = (nextRunAt: string | null, runs: ReadonlyArray<JobRun>): JobModel => {
  const at = nextRunAt === null ? Number.NaN : Date.parse(nextRunAt)
  return { ...idleJob, resumeFrom: Number.isFinite(at) ? at : null, runs }
}

/** `runs` with `run` in front, at most HISTORY_RUNS long. */
export const withRun = (runs: ReadonlyArray<JobRun>, run: JobRun): ReadonlyArray<JobRun> => [
  run,
  ...runs.slice(0, HISTORY_RUNS - 1),
]
