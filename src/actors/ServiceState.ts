// The states of SPEC section 4 as a tagged union. Each state carries exactly what the view
// needs in it (a pid while a process exists, the deadline while in backoff, the reason when
// failed), so no flag can disagree with the state it belongs to.
import { Data } from "effect"
import type { ExitInfo } from "./ProcessRunner.ts"

/**
 * What a stop that is under way leads to once the process has ended: stay stopped, start again
 * (a manual restart or a new spec), or be judged as a failure by the supervisor (a fault such as
 * a failing health check or memory_max: restarted by policy, counted in intensity), or end
 * failed because its group gave up.
 */
export type AfterStop = "stay-stopped" | "start-again" | "supervise" | "give-up"

export type ServiceState = Data.TaggedEnum<{
  Stopped: {}
  Starting: { readonly pid: number; readonly startedAt: number }
  Running: { readonly pid: number; readonly startedAt: number }
  Stopping: { readonly pid: number; readonly startedAt: number; readonly then: AfterStop }
  Backoff: { readonly until: number; readonly error: string | null }
  Exited: { readonly exit: ExitInfo }
  Failed: { readonly error: string }
}>

export const ServiceState = Data.taggedEnum<ServiceState>()

export type StateName = "stopped" | "starting" | "running" | "stopping" | "backoff" | "exited" | "failed"

export const stateName = ServiceState.$match({
  Stopped: (): StateName => "stopped",
  Starting: (): StateName => "starting",
  Running: (): StateName => "running",
  Stopping: (): StateName => "stopping",
  Backoff: (): StateName => "backoff",
  Exited: (): StateName => "exited",
  Failed: (): StateName => "failed",
})

export const STATE_NAMES: ReadonlyArray<StateName> = [
  "stopped",
  "starting",
  "running",
  "stopping",
  "backoff",
  "exited",
  "failed",
]
