// The published face of a service (SPEC section 5's ServiceView): what the API, the dashboard,
// the CLI and /metrics read. Its supervisor builds one from its state on every visible change;
// uptime is derived when the view is read, so a stored view never goes stale.
import type { ProcessCredentials } from "../os/ProcCredentials.ts"
import type { Desired, JobRun } from "../state/Store.ts"

export type Source = "config" | "api"

export type StateName = "stopped" | "starting" | "running" | "stopping" | "backoff" | "exited" | "failed"

export const STATE_NAMES: ReadonlyArray<StateName> = [
  "stopped",
  "starting",
  "running",
  "stopping",
  "backoff",
  "exited",
  "failed",
]

export type { JobRun, RunOutcome, Trigger } from "../state/Store.ts"

/**
 * Why a service was last restarted: it ended by itself (crash), its health check or watchdog
 * failed (health), it went past memory_max, its group restarted it, a person restarted it, a
 * dependency stopped and started it again, or a new spec (a reload or a PUT) did.
 */
export type RestartReason = "crash" | "health" | "memory_max" | "group" | "person" | "dependency" | "reload"

/** Why a run ended: a restart reason, a person's stop, an exit its policy accepts, or Dockless shutting it. */
export type EndReason = RestartReason | "stop" | "exit" | "shutdown"

/** One run of a service, as its history (GET /api/services/NAME/history) shows it. */
export interface RunEnd {
  readonly started_at: string
  readonly ended_at: string
  readonly exit_code: number | null
  readonly signal: string | null
  readonly reason: EndReason
}

export interface HealthView {
  readonly status: "starting" | "healthy" | "unhealthy"
  readonly failures: number
  readonly last_error: string | null
  readonly checked_at: string | null
}

export interface ServiceView {
  readonly name: string
  readonly source: Source
  readonly state: StateName
  readonly desired: Desired
  readonly pid: number | null
  readonly restarts: number
  /** Why it was last restarted (restarts by its group count in `restarts` too), or null. */
  readonly last_restart_reason: RestartReason | null
  readonly last_restart_at: string | null
  /** How many restarts happened in the minute up to its last restart (a crash loop shows here). */
  readonly recent_restarts: number
  readonly started_at: string | null
  readonly uptime_s: number | null
  readonly exit: { readonly code: number | null; readonly signal: string | null; readonly at: string } | null
  readonly next_restart_at: string | null
  readonly error: string | null
  readonly cpu_percent: number | null
  readonly cpu_seconds: number | null
  readonly rss_bytes: number | null
  readonly ports: ReadonlyArray<number>
  readonly health: HealthView | null
  /** Why the service's output is not reaching its log file right now, or null. */
  readonly log_error: string | null
  /**
   * What its process runs as, read from /proc: only in the view of one service (GET
   * /api/services/NAME, `dockless status NAME`) while it has a process; null elsewhere.
   */
  readonly identity: ProcessCredentials | null
  /** A scheduled job's next firing; null without a schedule or while a person has it stopped. */
  readonly next_run_at: string | null
  /** A oneshot's last finished run (its outcome: success, failure or stopped), or null. */
  readonly last_run: JobRun | null
  /** What the service last said of itself with STATUS= (sd_notify), "stopping: …" after STOPPING=1; null if nothing. */
  readonly status: string | null
  /** The process it named with MAINPID= (in its process group), while it runs; null otherwise. */
  readonly main_pid: number | null
  readonly spec: Record<string, unknown>
}

/** The view as it reads at `now`: uptime is derived, never stored. */
export const viewAt = (view: ServiceView, now: number): ServiceView =>
  view.started_at === null
    ? view
    : { ...view, uptime_s: Math.max(0, Math.floor((now - Date.parse(view.started_at)) / 1000)) }
