// The shapes of the HTTP API (SPEC section 5) as Effect Schemas: request bodies, every JSON
// answer, the error body, and the payloads of the event streams. Handlers decode bodies and
// encode answers through these; the OpenAPI document is generated from them and routes.ts.
// A service table is the same Schema as in config.toml (config/ServiceSpec.ts).
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { ALERT_KINDS, TARGET_TYPES } from "../config/NotifySpec.ts"
import { ServiceTable } from "../config/ServiceSpec.ts"
import { NonEmptyText, ServiceName } from "../config/Values.ts"

const Count = Schema.Number.pipe(Schema.int(), Schema.nonNegative())
const Time = Schema.String.annotations({
  description: "an ISO-8601 time in UTC, like 2026-11-28T12:00:00.123Z",
})

// ---- request bodies ----

/** POST /api/services: a service table as in config.toml, plus its name. */
export const ServiceRegistration = Schema.Struct({
  ...ServiceTable.fields,
  name: ServiceName,
}).annotations({ identifier: "ServiceRegistration", description: "a [services.NAME] table plus its name" })

/** PUT /api/services/:name: a service table; `name`, if given, must be the one in the URL. */
export const ServiceReplacement = ServiceTable.annotations({
  identifier: "ServiceTable",
  description: "a [services.NAME] table, as in config.toml",
})

export const LoginBody = Schema.Struct({ token: NonEmptyText }).annotations({ identifier: "Login" })

// ---- answers ----

export const ErrorBody = Schema.Struct({
  error: Schema.String.annotations({ description: "what went wrong, as a sentence" }),
  details: Schema.Array(
    Schema.Struct({
      path: Schema.String.annotations({ description: "the key path, like services.api.backoff.max" }),
      message: Schema.String,
    }),
  ),
}).annotations({ identifier: "Error" })

export const Ok = Schema.Struct({ ok: Schema.Literal(true) }).annotations({ identifier: "Ok" })

const RoleName = Schema.Literal("admin", "viewer").annotations({
  description: "admin: everything; viewer: reads everything, every write answers 403",
})

export const LoginAnswer = Schema.Struct({ ok: Schema.Literal(true), role: RoleName }).annotations({
  identifier: "LoggedIn",
})

export const SessionsAnswer = Schema.Struct({
  role: RoleName.annotations({ description: "the caller's own role" }),
  sessions: Schema.Array(
    Schema.Struct({
      id: Schema.String.annotations({
        description: "the session's public id, for DELETE /api/sessions/{id}",
      }),
      role: RoleName,
      created: Time,
      last_seen: Time,
      address: Schema.String.annotations({ description: "the client address it logged in from" }),
      user_agent: Schema.String,
      current: Schema.Boolean.annotations({ description: "the session this request came with" }),
    }),
  ),
}).annotations({ identifier: "Sessions" })

export const HealthAnswer = Schema.Struct({
  status: Schema.Literal("ok"),
  version: Schema.String,
  commit: Schema.String.annotations({
    description: 'the commit this build was made from (git rev-parse --short HEAD), or "unknown"',
  }),
  uptime_s: Count,
  services: Count,
}).annotations({ identifier: "Health" })

const HealthView = Schema.Struct({
  status: Schema.Literal("starting", "healthy", "unhealthy"),
  failures: Count,
  last_error: Schema.NullOr(Schema.String),
  checked_at: Schema.NullOr(Time),
})

const NamedId = Schema.Struct({ id: Count, name: Schema.NullOr(Schema.String) })

const LimitReading = Schema.Union(Count, Schema.Literal("infinity"))
const LimitPair = Schema.NullOr(Schema.Struct({ soft: LimitReading, hard: LimitReading }))

/** What a service's process runs as, read back from /proc/PID/status, stat and limits. */
const Identity = Schema.Struct({
  user: NamedId,
  group: NamedId,
  groups: Schema.Array(NamedId),
  umask: Schema.NullOr(Schema.String).annotations({ description: 'octal, like "0027"' }),
  nice: Schema.NullOr(Schema.Number),
  oom_score_adj: Schema.NullOr(Schema.Number),
  limits: Schema.Struct({ nofile: LimitPair, nproc: LimitPair, core: LimitPair, memlock: LimitPair }),
}).annotations({ identifier: "Identity" })

/** SPEC section 4's states. */
const stateNames = ["stopped", "starting", "running", "stopping", "backoff", "exited", "failed"] as const

const restartReasons = ["crash", "health", "memory_max", "group", "person", "dependency", "reload"] as const

/** One ended run of any service, newest first in GET /api/services/NAME/history (kept in memory, bounded). */
export const RunEnd = Schema.Struct({
  started_at: Time,
  ended_at: Time,
  exit_code: Schema.NullOr(Schema.Number),
  signal: Schema.NullOr(Schema.String),
  reason: Schema.Literal(...restartReasons, "stop", "exit", "shutdown").annotations({
    description:
      "why it ended: it crashed, its health check (or watchdog) failed, memory_max, its group or a dependency " +
      "stopped it for a restart, a person restarted or stopped it, a new spec, an exit its policy accepts, Dockless shutting down",
  }),
}).annotations({ identifier: "RunEnd" })

/** One finished run of a oneshot (GET /api/services/NAME/history, a view's last_run). */
export const JobRun = Schema.Struct({
  started_at: Time,
  ended_at: Time,
  duration_ms: Count,
  exit_code: Schema.NullOr(Schema.Number),
  signal: Schema.NullOr(Schema.String),
  outcome: Schema.Literal("success", "failure", "stopped").annotations({
    description:
      'success: exit code 0; failure: any other end; stopped: a person or overlap = "kill" stopped it',
  }),
  trigger: Schema.Literal("start", "schedule", "run-now", "catch-up", "queue").annotations({
    description:
      "what started it: a start (boot, a person, a restart), its schedule, Run now, catch_up at boot, or a queued firing",
  }),
}).annotations({ identifier: "JobRun" })

/**
 * A service as the API shows it. `spec` is the service table it runs with, in its encoded form
 * (durations in ms, sizes in bytes), the shape POST and PUT take back. It is made by
 * encodeServiceSpec, so it is passed through as it is; the document describes it as the
 * registration body it is.
 */
export const ServiceView = Schema.Struct({
  name: Schema.String,
  source: Schema.Literal("config", "api"),
  state: Schema.Literal(...stateNames),
  desired: Schema.Literal("running", "stopped"),
  pid: Schema.NullOr(Count),
  restarts: Count,
  last_restart_reason: Schema.NullOr(Schema.Literal(...restartReasons)).annotations({
    description:
      "why it was last restarted (restarts by its group, a dependency or a new spec count too), or null",
  }),
  last_restart_at: Schema.NullOr(Time),
  recent_restarts: Count.annotations({
    description: "how many restarts happened in the minute up to last_restart_at: a crash loop shows here",
  }),
  started_at: Schema.NullOr(Time),
  uptime_s: Schema.NullOr(Count),
  exit: Schema.NullOr(
    Schema.Struct({ code: Schema.NullOr(Schema.Number), signal: Schema.NullOr(Schema.String), at: Time }),
  ),
  next_restart_at: Schema.NullOr(Time),
  error: Schema.NullOr(Schema.String),
  cpu_percent: Schema.NullOr(Schema.Number),
  cpu_seconds: Schema.NullOr(Schema.Number),
  rss_bytes: Schema.NullOr(Schema.Number),
  ports: Schema.Array(Schema.Number),
  health: Schema.NullOr(HealthView),
  spec: Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
    [AST.SurrogateAnnotationId]: ServiceRegistration.ast,
  }),
  log_error: Schema.NullOr(Schema.String).annotations({
    description: "why the service's output is not being written to its log file, or null",
  }),
  next_run_at: Schema.NullOr(Time).annotations({
    description:
      "a scheduled oneshot's next firing; null without a schedule or while a person has it stopped",
  }),
  last_run: Schema.NullOr(JobRun).annotations({ description: "a oneshot's last finished run, or null" }),
  identity: Schema.NullOr(Identity).annotations({
    description:
      "what its process runs as (user, groups, umask, nice, OOM score adjustment, limits), read from /proc: " +
      "in the view of one service while it has a process, null in lists and events",
  }),
  status: Schema.NullOr(Schema.String).annotations({
    description:
      "what the service last said of itself with STATUS= on its $NOTIFY_SOCKET (sd_notify), " +
      '"stopping: …" once it sent STOPPING=1; kept until its next start; null if it said nothing',
  }),
  main_pid: Schema.NullOr(Count).annotations({
    description:
      "the process of its group it named with MAINPID= on its $NOTIFY_SOCKET, while it runs; null otherwise " +
      "(a stop still signals the whole process group)",
  }),
}).annotations({ identifier: "ServiceView" })

export const ServiceViews = Schema.Array(ServiceView)

export const LogLine = Schema.Struct({
  ts: Time,
  stream: Schema.Literal("stdout", "stderr", "dockless"),
  text: Schema.String,
}).annotations({ identifier: "LogLine" })

export const LogsAnswer = Schema.Struct({
  lines: Schema.Array(LogLine).annotations({ description: "oldest first" }),
  older: Schema.optionalWith(Schema.String, { exact: true }).annotations({
    description:
      "a cursor for the lines before these (pass it as ?before=, with the same search and time range); " +
      "absent when there are none, or when the lines came from memory because the log file could not answer",
  }),
  scanned_bytes: Schema.optionalWith(Count, { exact: true }).annotations({
    description:
      "how many bytes of the log file and its rotations were read for this answer (absent: from memory)",
  }),
  scan_limit_reached: Schema.optionalWith(Schema.Boolean, { exact: true }).annotations({
    description:
      "true when the read stopped at its bound of bytes before finding `lines` lines or the oldest line: " +
      "the answer covers the last scanned_bytes only, and `older` goes on from there",
  }),
}).annotations({ identifier: "LogsAnswer" })

export const HistoryAnswer = Schema.Struct({
  running: Schema.NullOr(Schema.Struct({ started_at: Time, pid: Count })),
  next_run_at: Schema.NullOr(Time),
  ends: Schema.Array(RunEnd).annotations({
    description: "every service's last runs (at most 50, newest first): when each started and ended, and why",
  }),
  runs: Schema.Array(
    Schema.extend(
      JobRun,
      Schema.Struct({
        logs: Schema.String.annotations({
          description: "the URL of its log lines: GET …/logs with since and until set to the run's times",
        }),
      }),
    ),
  ),
}).annotations({ identifier: "HistoryAnswer" })

export const UsageAnswer = Schema.Struct({
  history: Schema.Array(
    Schema.Struct({ at: Time, cpu_percent: Schema.NullOr(Schema.Number), rss_bytes: Schema.Number }),
  ),
}).annotations({ identifier: "UsageAnswer" })

export const AllUsageAnswer = Schema.Struct({
  services: Schema.Record({ key: Schema.String, value: UsageAnswer }).annotations({
    description: "every service by name, with its history (empty when it was not measured lately)",
  }),
}).annotations({ identifier: "AllUsageAnswer" })

// ---- event stream payloads (GET /api/events) ----

export const RemovedEvent = Schema.Struct({ name: Schema.String }).annotations({ identifier: "Removed" })

export const UsageEvent = Schema.Struct({
  at: Time,
  services: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({
      cpu_percent: Schema.NullOr(Schema.Number),
      rss_bytes: Schema.Number,
      cpu_seconds: Schema.Number,
    }),
  }),
}).annotations({ identifier: "Usage" })

export const GroupView = Schema.Struct({
  name: Schema.String,
  strategy: Schema.Literal("one_for_one", "one_for_all", "rest_for_one"),
  children: Schema.Array(Schema.String).annotations({ description: "its services, in start order" }),
  state: Schema.Literal("running", "stopped", "degraded", "failed").annotations({
    description:
      "failed: it gave up past its intensity until a person starts it; running: every member runs; " +
      "stopped: none runs; degraded: anything between",
  }),
  error: Schema.NullOr(Schema.String).annotations({ description: "why it gave up, while failed" }),
}).annotations({ identifier: "GroupView" })

export const GroupViews = Schema.Array(GroupView)

export const ReloadAnswer = Schema.Struct({
  added: Schema.Array(Schema.String),
  removed: Schema.Array(Schema.String),
  restarted: Schema.Array(Schema.String).annotations({
    description:
      "changed (or restarted with a changed sibling, as its group's strategy says) and started again",
  }),
  updated: Schema.Array(Schema.String).annotations({
    description: "changed but not running (a person stopped it): the new spec waits for its next start",
  }),
  kept: Schema.Array(Schema.String).annotations({ description: "untouched: the same process" }),
  needs_restart: Schema.Array(Schema.String).annotations({
    description:
      "settings that changed but take effect only when Dockless restarts (listen_port, data_dir, auth, http, …)",
  }),
}).annotations({ identifier: "ReloadAnswer" })

// ---- alerts ([[notify]] targets) ----

export const NotifyTarget = Schema.Struct({
  index: Count.annotations({ description: "its place among the [[notify]] tables, from 0" }),
  name: Schema.String,
  type: Schema.Literal(...TARGET_TYPES),
  destination: Schema.String.annotations({
    description: "a URL's origin only (its path is often the secret), or the command line",
  }),
  events: Schema.Array(Schema.Literal(...ALERT_KINDS)),
  services: Schema.Array(Schema.String).annotations({ description: "globs; empty: every service" }),
  sent: Count,
  failed: Count.annotations({ description: "alerts given up on after every retry" }),
  deduped: Count.annotations({
    description: "held back: the same service and kind within the dedupe window",
  }),
  rate_limited: Count.annotations({ description: "held back by the rate limit (said in the next message)" }),
  dropped: Count.annotations({
    description: "dropped because its queue was full (a dead endpoint and a flood)",
  }),
  pending: Count.annotations({ description: "waiting in its queue now" }),
  last_sent_at: Schema.NullOr(Time),
  last_error: Schema.NullOr(
    Schema.Struct({ message: Schema.String, at: Time }).annotations({
      description: "the last delivery that failed (a test's too), until one succeeds",
    }),
  ),
}).annotations({ identifier: "NotifyTarget" })

export const NotifyAnswer = Schema.Struct({ targets: Schema.Array(NotifyTarget) }).annotations({
  identifier: "Notify",
})

export const NotifyTestAnswer = Schema.Struct({
  results: Schema.Array(
    Schema.Struct({
      index: Count,
      name: Schema.String,
      ok: Schema.Boolean,
      error: Schema.NullOr(Schema.String).annotations({ description: "why it was not delivered" }),
    }),
  ),
}).annotations({ identifier: "NotifyTest" })
