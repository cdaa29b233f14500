// The rows and columns of the transition table: every state a service can be in, and every
// event its supervisor can receive (current and stale variants), with a one-line rendering of
// a cell's outcome. Shared by the table test and by the script that prints the table.
import { Deferred, FiberId } from "effect"
import type { Notice } from "../../src/actors/NotifyMessage.ts"
import { ServiceEvent, type Reply } from "../../src/supervisors/ServiceEvent.ts"
import { initialModel, type ServiceModel } from "../../src/supervisors/ServiceModel.ts"
import { ServiceState, type AfterStop } from "../../src/supervisors/ServiceState.ts"
import type { transition, Transition } from "../../src/supervisors/ServiceTransition.ts"
import { decodeServiceSpec, defaultLog, type ServiceSpec } from "../../src/config/ServiceSpec.ts"

export const NOW = 100_000
const live = { run: 3, pid: 4242, startedAt: NOW - 5000 }
const decoded = decodeServiceSpec(
  { command: "/bin/true", backoff: { initial: "1s", factor: 2, jitter: 0 }, health: { tcp: 9, retries: 1 } },
  { name: "svc", baseDir: "/", defaults: {}, log: defaultLog, pathPrefix: "" },
)
if (decoded._tag === "Left") throw new Error(JSON.stringify(decoded.left))
const spec: ServiceSpec = decoded.right
const base: ServiceModel = {
  ...initialModel({ spec, port: undefined, source: "config", membership: "alone", desired: "running" }),
  runs: 3,
  epoch: 5,
}
const groupHold = { by: "group", why: "restarting with its group" } as const
const stopping = (then: AfterStop) =>
  ({ ...base, state: ServiceState.Stopping({ ...live, after: then, killed: false }) }) satisfies ServiceModel

export const STATES: ReadonlyArray<readonly [string, ServiceModel]> = [
  ["Stopped", { ...base, desired: "stopped" }],
  ["Stopped/held", { ...base, hold: groupHold }],
  ["Starting", { ...base, state: ServiceState.Starting(live) }],
  ["Running", { ...base, state: ServiceState.Running(live) }],
  [
    "Running/backoff 0",
    {
      ...base,
      spec: { ...spec, backoff: { ...spec.backoff, initial: 0 } },
      state: ServiceState.Running(live),
    },
  ],
  ["Stopping/stay-stopped", stopping("stay-stopped")],
  ["Stopping/start-again", stopping("start-again")],
  ["Stopping/fault", stopping("fault")],
  ["Stopping/halt", { ...stopping("halt"), hold: groupHold }],
  ["Stopping/give-up", stopping("give-up")],
  ["Stopping/close", stopping("close")],
  ["Backoff", { ...base, state: ServiceState.Backoff({ until: NOW + 1000, error: null, reserved: false }) }],
  [
    "Backoff/held",
    {
      ...base,
      hold: groupHold,
      state: ServiceState.Backoff({ until: NOW + 1000, error: null, reserved: false }),
    },
  ],
  [
    "Backoff/port",
    { ...base, state: ServiceState.Backoff({ until: NOW + 500, error: "port 80 is held", reserved: false }) },
  ],
  ["Exited", { ...base, state: ServiceState.Exited({ exit: { code: 0, signal: null } }) }],
  ["Failed", { ...base, state: ServiceState.Failed({ error: "gave up" }) }],
  ["Stopped/dependency", { ...base, hold: { by: "dependency", why: "stopped because db failed" } }],
]

/**
 * Every state of STATES for a member of a one_for_one group (counted) and of a one_for_all or
 * rest_for_one group (delegated), and a run past what the service's own intensity would allow
 * (a member has none: its group counts).
 */
export const MEMBER_STATES: ReadonlyArray<readonly [string, ServiceModel]> = (
  ["counted", "delegated"] as const
).flatMap((membership) => [
  ...STATES.map(([name, model]) => [`${name}/${membership}`, { ...model, membership }] as const),
  [
    `Running/${membership}/past intensity`,
    {
      ...base,
      membership,
      state: ServiceState.Running(live),
      history: { failures: 10, window: Array.from({ length: 10 }, (_, i) => NOW - 1000 * i) },
    },
  ],
])

const reply = (): Reply => Deferred.unsafeMake(FiberId.none)
const down = () => Deferred.unsafeMake<void>(FiberId.none)

export const EVENTS: ReadonlyArray<readonly [string, () => ServiceEvent]> = [
  ["Start", () => ServiceEvent.Start({ reply: reply() })],
  ["Stop", () => ServiceEvent.Stop({ reply: reply() })],
  ["Restart", () => ServiceEvent.Restart({ reply: reply() })],
  ["Update", () => ServiceEvent.Update({ spec, port: undefined, reply: reply() })],
  ["Resume", () => ServiceEvent.Resume({ reply: reply() })],
  ["Launch", () => ServiceEvent.Launch({ reply: reply() })],
  ["Halt", () => ServiceEvent.Halt({ why: "group", by: "group", reply: down() })],
  ["Halt/dependency", () => ServiceEvent.Halt({ why: "db failed", by: "dependency", reply: down() })],
  ["GiveUp", () => ServiceEvent.GiveUp({ reason: "group gave up", reply: down() })],
  ["Close", () => ServiceEvent.Close({ why: "bye", reply: down() })],
  ["Fault", () => ServiceEvent.Fault({ reason: "memory" })],
  ["Spawned", () => ServiceEvent.Spawned({ run: 3, pid: 4343, startedAt: NOW })],
  ["Spawned/stale", () => ServiceEvent.Spawned({ run: 2, pid: 4343, startedAt: NOW })],
  ["SpawnRefused", () => ServiceEvent.SpawnRefused({ run: 3, reason: "no such file", unit: 0.5 })],
  ["SpawnRefused/stale", () => ServiceEvent.SpawnRefused({ run: 2, reason: "no such file", unit: 0.5 })],
  ["PortBusy", () => ServiceEvent.PortBusy({ run: 3, error: "port 80 is held" })],
  ["PortBusy/stale", () => ServiceEvent.PortBusy({ run: 2, error: "port 80 is held" })],
  ["SpawnDeferred", () => ServiceEvent.SpawnDeferred({ run: 3, until: NOW + 50 })],
  ["SpawnDeferred/stale", () => ServiceEvent.SpawnDeferred({ run: 2, until: NOW + 50 })],
  ["Exited", () => ServiceEvent.Exited({ run: 3, exit: { code: 1, signal: null }, unit: 0.5 })],
  ["Exited/stale", () => ServiceEvent.Exited({ run: 2, exit: { code: 1, signal: null }, unit: 0.5 })],
  ["HealthChecked/pass", () => ServiceEvent.HealthChecked({ run: 3, result: { _tag: "Passed" }, at: NOW })],
  [
    "HealthChecked/fail",
    () => ServiceEvent.HealthChecked({ run: 3, result: { _tag: "Failed", reason: "refused" }, at: NOW }),
  ],
  ["HealthChecked/stale", () => ServiceEvent.HealthChecked({ run: 2, result: { _tag: "Passed" }, at: NOW })],
  ["BackoffElapsed", () => ServiceEvent.BackoffElapsed({ epoch: 5 })],
  ["BackoffElapsed/stale", () => ServiceEvent.BackoffElapsed({ epoch: 4 })],
  ["StopOverdue", () => ServiceEvent.StopOverdue({ run: 3 })],
  ["StopOverdue/stale", () => ServiceEvent.StopOverdue({ run: 2 })],
  ["KillOverdue", () => ServiceEvent.KillOverdue({ run: 3 })],
  ["LogErrorChanged", () => ServiceEvent.LogErrorChanged({ error: "disk full" })],
]

/** "NextState[detail] desired held : Action Action ...", the parts a table row pins. */
export const render = (t: Transition): string => {
  const { state } = t.model
  const detail =
    state._tag === "Stopping"
      ? `/${state.after}${state.killed ? "+killed" : ""}`
      : state._tag === "Backoff" && state.reserved
        ? "/reserved"
        : ""
  const flags = `${t.model.desired}${t.model.hold === null ? "" : t.model.hold.by === "group" ? " held" : " held/dependency"}`
  const actions = t.actions.map((a) => (a._tag === "Spawn" ? `Spawn(${a.budget})` : a._tag)).join(" ")
  return `${state._tag}${detail} ${flags} : ${actions}`
}

// ---- readiness (`ready`, start_timeout): its own events, and a service that has `ready` ----

export const READY_EVENTS: ReadonlyArray<readonly [string, () => ServiceEvent]> = [
  ["Readied", () => ServiceEvent.Readied({ run: 3, how: "port 9 accepts connections" })],
  ["Readied/stale", () => ServiceEvent.Readied({ run: 2, how: "port 9 accepts connections" })],
  ["ReadyTimedOut", () => ServiceEvent.ReadyTimedOut({ run: 3 })],
  ["ReadyTimedOut/stale", () => ServiceEvent.ReadyTimedOut({ run: 2 })],
]

/** With `ready`, these events of the main table have other outcomes too. */
export const READY_CROSS_EVENTS = ["Spawned", "HealthChecked/pass", "HealthChecked/fail", "Exited", "Fault"]

const readyOnly: ServiceSpec = {
  ...spec,
  health: undefined,
  ready: { _tag: "port", port: 9 },
  start_timeout: 30_000,
}
const readyAndHealth: ServiceSpec = { ...readyOnly, health: spec.health }
const healthStarting = { status: "starting", failures: 0, last_error: null, checked_at: null } as const
const healthPassed = { status: "healthy", failures: 0, last_error: null, checked_at: null } as const

/** A service with `ready` (and one with a health check too), in the states readiness tells apart. */
export const READY_STATES: ReadonlyArray<readonly [string, ServiceModel]> = [
  ["Stopped/ready", { ...base, spec: readyOnly }],
  ["Starting/not ready", { ...base, spec: readyOnly, state: ServiceState.Starting(live) }],
  [
    "Starting/not ready, unchecked",
    { ...base, spec: readyAndHealth, health: healthStarting, state: ServiceState.Starting(live) },
  ],
  [
    "Starting/not ready, healthy",
    { ...base, spec: readyAndHealth, health: healthPassed, state: ServiceState.Starting(live) },
  ],
  [
    "Starting/ready, unchecked",
    { ...base, spec: readyAndHealth, health: healthStarting, readied: 3, state: ServiceState.Starting(live) },
  ],
  ["Running/ready", { ...base, spec: readyOnly, readied: 3, state: ServiceState.Running(live) }],
  ["Stopping/fault/ready", { ...stopping("fault"), spec: readyOnly }],
  [
    "Backoff/ready",
    {
      ...base,
      spec: readyOnly,
      state: ServiceState.Backoff({ until: NOW + 1000, error: null, reserved: false }),
    },
  ],
]

// ---- notify (`ready = "notify"`, `watchdog`): what a run says on its socket, and its watchdog ----

const said = (notice: Partial<Notice>): Notice => ({
  ready: false,
  status: undefined,
  mainPid: undefined,
  stopping: false,
  watchdog: false,
  ...notice,
})

export const NOTIFY_EVENTS: ReadonlyArray<readonly [string, () => ServiceEvent]> = [
  ["Notified/status", () => ServiceEvent.Notified({ run: 3, notice: said({ status: "serving" }) })],
  ["Notified/ping", () => ServiceEvent.Notified({ run: 3, notice: said({ watchdog: true }) })],
  ["Notified/mainpid", () => ServiceEvent.Notified({ run: 3, notice: said({ mainPid: 4250 }) })],
  ["Notified/stopping", () => ServiceEvent.Notified({ run: 3, notice: said({ stopping: true }) })],
  [
    "Notified/stale",
    () => ServiceEvent.Notified({ run: 2, notice: said({ status: "old", watchdog: true }) }),
  ],
  ["WatchdogMissed", () => ServiceEvent.WatchdogMissed({ run: 3, ping: 2 })],
  ["WatchdogMissed/old ping", () => ServiceEvent.WatchdogMissed({ run: 3, ping: 1 })],
  ["WatchdogMissed/stale", () => ServiceEvent.WatchdogMissed({ run: 2, ping: 2 })],
  ["Readied", () => ServiceEvent.Readied({ run: 3, how: "it sent READY=1" })],
]

/** With notify and a watchdog, these events of the main table have other outcomes too. */
export const NOTIFY_CROSS_EVENTS = ["Spawned", "HealthChecked/pass", "Exited"]

const notifyOnly: ServiceSpec = {
  ...spec,
  health: undefined,
  ready: { _tag: "notify" },
  start_timeout: 30_000,
  watchdog: 1000,
}
const notifyAndHealth: ServiceSpec = { ...notifyOnly, health: spec.health }
/** What run 3 said so far: a status, and two pings. */
const told = { status: "warming up", mainPid: null, stopping: false, pings: 2 } as const

/** A service with `ready = "notify"` and `watchdog = "1s"` in the states its socket tells apart. */
export const NOTIFY_STATES: ReadonlyArray<readonly [string, ServiceModel]> = [
  ["Stopped/notify", { ...base, spec: notifyOnly }],
  ["Starting/notify", { ...base, spec: notifyOnly, notified: told, state: ServiceState.Starting(live) }],
  [
    "Starting/notify, unchecked",
    {
      ...base,
      spec: notifyAndHealth,
      notified: told,
      health: healthStarting,
      state: ServiceState.Starting(live),
    },
  ],
  [
    "Starting/notify, ready, unchecked",
    {
      ...base,
      spec: notifyAndHealth,
      notified: told,
      readied: 3,
      health: healthStarting,
      state: ServiceState.Starting(live),
    },
  ],
  [
    "Running/notify",
    { ...base, spec: notifyOnly, notified: told, readied: 3, state: ServiceState.Running(live) },
  ],
  [
    "Running/notify, no watchdog",
    {
      ...base,
      spec: { ...notifyOnly, watchdog: undefined },
      notified: told,
      readied: 3,
      state: ServiceState.Running(live),
    },
  ],
  ["Stopping/fault/notify", { ...stopping("fault"), spec: notifyOnly, notified: told }],
  [
    "Backoff/notify",
    {
      ...base,
      spec: notifyOnly,
      notified: told,
      state: ServiceState.Backoff({ until: NOW + 1000, error: null, reserved: false }),
    },
  ],
]

// ---- why a service restarted (last_restart_reason) and why each run ended (its history) ----

/** "restarts reason recent : end reasons, newest first", what the view and the history show. */
export const renderRestart = (t: Transition): string => {
  const m = t.model
  return `${m.restarts} ${m.restartReason ?? "-"} ${m.restartTimes.length} : ${m.ends.map((e) => e.reason).join(" ")}`
}

const event = (name: string): ServiceEvent => {
  const found = EVENTS.find(([e]) => e === name)
  if (found === undefined) throw new Error(`no event ${name}`)
  return found[1]()
}

const byName = (name: string): ServiceModel => {
  const found = [...STATES, ...MEMBER_STATES].find(([s]) => s === name)
  if (found === undefined) throw new Error(`no state ${name}`)
  return found[1]
}

/** From a state of the tables, these events one after the other (the exit is always of run 3). */
export const restartCell = (
  state: string,
  events: ReadonlyArray<string>,
  step: typeof transition,
): Transition => {
  let t: Transition = { model: byName(state), actions: [] }
  for (const name of events) t = step(t.model, event(name), NOW)
  return t
}
