// Everything a service supervisor knows about its service, as one immutable value owned by its
// fiber: the spec, the state, the desired state, the restart history, the replies waiting for
// the process to end. The ServiceView is derived from it, never kept beside it.
import { encodeServiceSpec, type ServiceSpec } from "../config/ServiceSpec.ts"
import type { ExitInfo } from "../actors/ProcessRunner.ts"
import type { HealthView, RestartReason, RunEnd, ServiceView, Source } from "../actors/ServiceView.ts"
import type { Desired } from "../state/Store.ts"
import type { DownReply } from "./ServiceEvent.ts"
import { idleJob, type JobModel } from "./JobModel.ts"
import { freshHistory, type RestartHistory } from "./RestartDecision.ts"
import { liveOf, ServiceState, stateName } from "./ServiceState.ts"

/**
 * Who decides the restart after a crash: the service's own supervisor (`alone`), its own
 * supervisor with its one_for_one group counting the restarts (`counted`), or its group
 * (`delegated`: one_for_all and rest_for_one restart siblings together).
 */
export type Membership = "alone" | "counted" | "delegated"

/**
 * Who holds a stopped service back, and why (shown as its `error`): its group, which starts
 * it again itself as part of a group restart, or a dependency that failed or was stopped by a
 * person (systemd's BindsTo=), which the root starts it after once the dependency runs again.
 * A person's start waits behind a group's hold and overrides a dependency's.
 */
export interface Hold {
  readonly by: "group" | "dependency"
  readonly why: string
}

/**
 * What the current (or last) run said through its notify socket: STATUS=, MAINPID=, STOPPING=1,
 * and how many WATCHDOG=1 pings it sent (a WatchdogMissed armed for an earlier ping is stale).
 * Cleared when the next run is spawned; the status stays visible after the run ends, as systemd's.
 */
export interface Notified {
  readonly status: string | null
  readonly mainPid: number | null
  readonly stopping: boolean
  readonly pings: number
}

export const nothingNotified: Notified = { status: null, mainPid: null, stopping: false, pings: 0 }

export interface ServiceModel {
  readonly spec: ServiceSpec
  /** The port passed as $PORT: `port = N`, or the one allocated for `port = "auto"`. */
  readonly port: number | undefined
  readonly source: Source
  readonly membership: Membership
  readonly state: ServiceState
  readonly desired: Desired
  /** Who owns the next start, if not the service itself. */
  readonly hold: Hold | null
  readonly restarts: number
  /** Why it was last restarted, and when it was restarted (newest first, at most RESTART_TIMES). */
  readonly restartReason: RestartReason | null
  readonly restartTimes: ReadonlyArray<number>
  /** Why the stop under way (or the fault) happened, for the run's end and the restart after it. */
  readonly ending: RestartReason | null
  /** Its last runs' ends (newest first, at most ENDS_KEPT): in memory only. */
  readonly ends: ReadonlyArray<RunEnd>
  readonly history: RestartHistory
  readonly lastExit: { readonly exit: ExitInfo; readonly at: number } | undefined
  readonly health: HealthView | null
  /** Why its output cannot be written to its log now (full disk, removed directory), or null. */
  readonly logError: string | null
  /** The last wait for a foreign holder of a port (ms), doubled while the same holder stays. */
  readonly portRetry: number
  /** The current timer's epoch: a BackoffElapsed of another epoch is stale. */
  readonly epoch: number
  /** The id of the newest run: reports of other runs are stale. */
  readonly runs: number
  /** The run that met its `ready` condition (0: none yet): a one-time condition per run. */
  readonly readied: number
  readonly notified: Notified
  /** Why its group gave up on it, for the Failed state once the process is gone. */
  readonly givenUpFor: string
  /** Owners' requests waiting for the process to be gone (Halt, GiveUp, Close). */
  readonly waiters: ReadonlyArray<DownReply>
  /** Its schedule, queued run and last runs, when it is a job (idleJob otherwise). */
  readonly job: JobModel
}

export interface ModelInit {
  readonly spec: ServiceSpec
  readonly port: number | undefined
  readonly source: Source
  readonly membership: Membership
  readonly desired: Desired
  /** A job's schedule and runs as state.json kept them; idleJob when left out. */
  readonly job?: JobModel
}

export const initialModel = (init: ModelInit): ServiceModel => ({
  ...init,
  job: init.job ?? idleJob,
  state: ServiceState.Stopped(),
  hold: null,
  restarts: 0,
  restartReason: null,
  restartTimes: [],
  ending: null,
  ends: [],
  history: freshHistory,
  lastExit: undefined,
  health: null,
  logError: null,
  portRetry: 0,
  epoch: 0,
  runs: 0,
  readied: 0,
  notified: nothingNotified,
  givenUpFor: "",
  waiters: [],
})

export const ownPorts = (model: Pick<ServiceModel, "spec" | "port">): ReadonlyArray<number> =>
  model.port === undefined || model.spec.ports.includes(model.port)
    ? model.spec.ports
    : [...model.spec.ports, model.port]

/** The spec as the API shows it, encoded once per spec rather than once per view. */
const encoded = new WeakMap<ServiceSpec, Record<string, unknown>>()
const encodedSpec = (spec: ServiceSpec): Record<string, unknown> => {
  const known = encoded.get(spec)
  if (known !== undefined) return known
  const fresh = encodeServiceSpec(spec)
  encoded.set(spec, fresh)
  return fresh
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** How many restart times and run ends a model keeps. */
export const RESTART_TIMES = 30
export const ENDS_KEPT = 50
/** The window `recent_restarts` counts over. */
export const RECENT_RESTARTS_MS = 60_000

/** Counts one restart for `reason` at `now`. */
export const restarted = (model: ServiceModel, reason: RestartReason, now: number): ServiceModel => ({
  ...model,
  restarts: model.restarts + 1,
  restartReason: reason,
  restartTimes: [now, ...model.restartTimes.slice(0, RESTART_TIMES - 1)],
})

const recentRestarts = (times: ReadonlyArray<number>): number => {
  const last = times[0]
  return last === undefined ? 0 : times.filter((t) => last - t < RECENT_RESTARTS_MS).length
}

/** What a person should know is wrong: why it failed or waits, or who holds it stopped. */
const errorOf = (model: ServiceModel): string | null => {
  const { state } = model
  if (state._tag === "Failed" || state._tag === "Backoff") return state.error
  return state._tag === "Stopped" ? (model.hold?.why ?? null) : null
}

/** STATUS= as a person reads it, with STOPPING=1 said in front. */
const statusOf = ({ status, stopping }: Notified): string | null =>
  stopping ? (status === null ? "stopping" : `stopping: ${status}`) : status

export const viewOf = (model: ServiceModel): ServiceView => {
  const { state } = model
  const live = liveOf(state)
  return {
    name: model.spec.name,
    source: model.source,
    state: stateName(state),
    desired: model.desired,
    pid: live?.pid ?? null,
    restarts: model.restarts,
    last_restart_reason: model.restartReason,
    last_restart_at: model.restartTimes[0] === undefined ? null : iso(model.restartTimes[0]),
    recent_restarts: recentRestarts(model.restartTimes),
    started_at: live === undefined ? null : iso(live.startedAt),
    uptime_s: null,
    exit:
      model.lastExit === undefined
        ? null
        : { code: model.lastExit.exit.code, signal: model.lastExit.exit.signal, at: iso(model.lastExit.at) },
    next_restart_at: state._tag === "Backoff" ? iso(state.until) : null,
    error: errorOf(model),
    cpu_percent: null,
    cpu_seconds: null,
    rss_bytes: null,
    ports: ownPorts(model),
    health: model.health,
    log_error: model.logError,
    identity: null,
    next_run_at: model.job.nextAt === null ? null : iso(model.job.nextAt),
    last_run: model.job.runs[0] ?? null,
    status: statusOf(model.notified),
    main_pid: live === undefined ? null : model.notified.mainPid,
    spec: encodedSpec(model.spec),
  }
}

/**
 * What a person can see of the model, as one comparable string: a transition publishes a new
 * view only when this changes (a health probe that changes nothing visible is not news).
 */
export const visibleKey = (model: ServiceModel): string => {
  const { state, health } = model
  const until = state._tag === "Backoff" ? state.until : ""
  const error = errorOf(model) ?? ""
  return [
    state._tag,
    liveOf(state)?.pid ?? "",
    until,
    error,
    model.desired,
    model.restarts,
    model.restartReason ?? "",
    model.lastExit?.at ?? "",
    // checked_at too: every check is news (a check runs at most once per interval, so this is cheap).
    health === null ? "" : `${health.status}/${health.failures}/${health.checked_at ?? ""}`,
    model.port ?? "",
    model.logError ?? "",
    model.job.nextAt ?? "",
    model.job.runs[0]?.ended_at ?? "",
    statusOf(model.notified) ?? "",
    model.notified.mainPid ?? "",
  ].join("|")
}
