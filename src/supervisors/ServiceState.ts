// The states of SPEC section 4 as a tagged union. Each state carries exactly what the view
// needs in it (the run and its pid while a process exists, the deadline while in backoff, the
// reason when failed), so no flag can disagree with the state it belongs to.
import { Data } from "effect"
import type { ExitInfo } from "../actors/ProcessRunner.ts"
import type { StateName } from "../actors/ServiceView.ts"

/**
 * What a stop under way leads to once the process has ended, from the weakest to the
 * strongest claim: stay stopped (a person's stop), start again (a restart, a new spec), be
 * judged as a crash (a fault: failing health check, memory_max), wait stopped for its group to
 * start it (a group restart), end failed (its group gave up), or end the supervisor (close).
 */
export type AfterStop = "stay-stopped" | "start-again" | "fault" | "halt" | "give-up" | "close"

const strength: Record<AfterStop, number> = {
  "stay-stopped": 0,
  "start-again": 0,
  fault: 0,
  halt: 1,
  "give-up": 2,
  close: 3,
}

/** A second reason to stop wins over the first unless the first is stronger (close > give-up > halt). */
export const redirect = (current: AfterStop, next: AfterStop): AfterStop =>
  strength[current] > strength[next] ? current : next

export interface Live {
  readonly run: number
  readonly pid: number
  readonly startedAt: number
}

export type ServiceState = Data.TaggedEnum<{
  Stopped: {}
  Starting: Live
  Running: Live
  /** `after`: what the stop leads to once the process has ended. */
  Stopping: Live & { readonly after: AfterStop; readonly killed: boolean }
  /**
   * Waiting to start again at `until`. `error` names a foreign holder of a reserved port;
   * `reserved` says the spawn budget already granted that moment. While the model is held by
   * its group, the group starts it and no timer of its own is armed.
   */
  Backoff: { readonly until: number; readonly error: string | null; readonly reserved: boolean }
  Exited: { readonly exit: ExitInfo }
  Failed: { readonly error: string }
}>

export const ServiceState = Data.taggedEnum<ServiceState>()

export const stateName = ServiceState.$match({
  Stopped: (): StateName => "stopped",
  Starting: (): StateName => "starting",
  Running: (): StateName => "running",
  Stopping: (): StateName => "stopping",
  Backoff: (): StateName => "backoff",
  Exited: (): StateName => "exited",
  Failed: (): StateName => "failed",
})

/** The process of the current run, while there is one. */
export const liveOf = (state: ServiceState): Live | undefined =>
  state._tag === "Starting" || state._tag === "Running" || state._tag === "Stopping" ? state : undefined
