// The published face of a service (SPEC section 5's ServiceView): what the API, the dashboard,
// the CLI and /metrics read. Built by the actor from its state on every change; uptime is
// derived when the view is read, so a stored view never goes stale.
import { encodeServiceSpec, type ServiceSpec } from "../config/ServiceSpec.ts"
import type { ExitInfo } from "./ProcessRunner.ts"
import { ServiceState, stateName, type StateName } from "./ServiceState.ts"

export type Source = "config" | "api"

export interface HealthView {
  readonly status: "starting" | "healthy" | "unhealthy"
  readonly failures: number
  readonly last_error: string | null
  readonly checked_at: string | null
}
export type Desired = "running" | "stopped"

export interface ServiceView {
  readonly name: string
  readonly source: Source
  readonly state: StateName
  readonly desired: Desired
  readonly pid: number | null
  readonly restarts: number
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
  readonly spec: Record<string, unknown>
}

export interface ViewInput {
  readonly spec: ServiceSpec
  readonly source: Source
  readonly state: ServiceState
  readonly desired: Desired
  readonly restarts: number
  readonly lastExit: { readonly exit: ExitInfo; readonly at: number } | undefined
  readonly ports: ReadonlyArray<number>
  readonly health: HealthView | null
}

const iso = (ms: number): string => new Date(ms).toISOString()

const running = (state: ServiceState): { pid: number; startedAt: number } | undefined =>
  ServiceState.$is("Starting")(state) ||
  ServiceState.$is("Running")(state) ||
  ServiceState.$is("Stopping")(state)
    ? { pid: state.pid, startedAt: state.startedAt }
    : undefined

export const makeView = (input: ViewInput): ServiceView => {
  const { state } = input
  const live = running(state)
  return {
    name: input.spec.name,
    source: input.source,
    state: stateName(state),
    desired: input.desired,
    pid: live?.pid ?? null,
    restarts: input.restarts,
    started_at: live === undefined ? null : iso(live.startedAt),
    uptime_s: null,
    exit:
      input.lastExit === undefined
        ? null
        : { code: input.lastExit.exit.code, signal: input.lastExit.exit.signal, at: iso(input.lastExit.at) },
    next_restart_at: ServiceState.$is("Backoff")(state) ? iso(state.until) : null,
    error: ServiceState.$is("Failed")(state)
      ? state.error
      : ServiceState.$is("Backoff")(state)
        ? state.error
        : null,
    cpu_percent: null,
    cpu_seconds: null,
    rss_bytes: null,
    ports: input.ports,
    health: input.health,
    spec: encodeServiceSpec(input.spec),
  }
}

/** The view as it reads at `now`: uptime is derived, never stored. */
export const viewAt = (view: ServiceView, now: number): ServiceView =>
  view.started_at === null
    ? view
    : { ...view, uptime_s: Math.max(0, Math.floor((now - Date.parse(view.started_at)) / 1000)) }
