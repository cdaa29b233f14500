// The `serviceTable` component: every cell of a service row as a method (uptime, restart
// countdown, last exit, cpu/memory, ports, dependencies, health, sparkline) and the row's
// actions (start / stop / restart, logs, edit, delete), sent as window events to the panels.

import { DASH, formatDateTime, formatDuration, formatMiB, formatPercent, msUntil } from "../format.js"
import { HEALTH_KINDS } from "../form.js"
import { portItems } from "../ports.js"
import { sparklinePoints, sparklineSummary } from "../sparkline.js"
import { services, session, tick, usage } from "../stores/access.js"

export const serviceTable = () => ({
  uptime(s) {
    if (!s.started_at || !["running", "starting", "stopping"].includes(s.state)) return DASH
    const ms = tick() - Date.parse(s.started_at)
    return Number.isNaN(ms) ? DASH : formatDuration(ms / 1000)
  },
  countdown(s) {
    if (!s.next_restart_at) return "restart pending"
    const ms = msUntil(s.next_restart_at, tick())
    if (ms === null) return ""
    return ms <= 0 ? "restarting now" : `restart in ${formatDuration(Math.ceil(ms / 1000))}`
  },
  lastExit(s) {
    const e = s.exit
    if (!e) return DASH
    if (e.signal) return e.signal
    if (typeof e.code === "number") return `code ${e.code}`
    return DASH
  },
  exitTitle(s) {
    return s.exit && s.exit.at ? `at ${formatDateTime(s.exit.at)}` : ""
  },
  startedTitle(s) {
    return s.started_at ? `since ${formatDateTime(s.started_at)}` : ""
  },
  cpu(s) {
    return formatPercent(s.cpu_percent)
  },
  cpuTitle(s) {
    return typeof s.cpu_seconds === "number" ? `${s.cpu_seconds.toFixed(1)} s of CPU time in total` : ""
  },
  mem(s) {
    return formatMiB(s.rss_bytes)
  },
  memTitle(s) {
    return typeof s.rss_bytes === "number" ? `${s.rss_bytes} bytes resident (whole process tree)` : ""
  },
  portItems(s) {
    return portItems(s)
  },
  hasPorts(s) {
    return portItems(s).length > 0
  },
  // "after: db, cache" when the service starts after others.
  after(s) {
    const deps = s.spec && Array.isArray(s.spec.depends_on) ? s.spec.depends_on : []
    return deps.length > 0 ? `after: ${deps.join(", ")}` : ""
  },
  hasHealth(s) {
    return Boolean(s.health && typeof s.health.status === "string")
  },
  /** Why the service's output is not reaching its log file, as the row under it says. */
  logErrorText(s) {
    return s.log_error ? `Log file: ${s.log_error}; its output is dropped until this clears.` : ""
  },
  healthText(s) {
    return s.health && typeof s.health.status === "string" ? s.health.status : ""
  },
  healthClass(s) {
    const st = this.healthText(s)
    return ["healthy", "unhealthy", "starting"].includes(st) ? `health hl-${st}` : "health hl-starting"
  },
  healthTitle(s) {
    const h = s.health
    if (!h) return ""
    const check = s.spec && s.spec.health ? s.spec.health : {}
    const kind = HEALTH_KINDS.find((k) => check[k] !== undefined)
    const target = kind === "exec" && Array.isArray(check.exec) ? check.exec.join(" ") : check[kind]
    const parts = [kind ? `Health check (${kind} ${target}): ${h.status}` : `Health: ${h.status}`]
    if (h.status === "starting") parts.push("no verdict yet")
    if (typeof h.failures === "number" && h.failures > 0)
      parts.push(`${h.failures} failed check${h.failures === 1 ? "" : "s"} in a row`)
    if (h.last_error) parts.push(`last error: ${h.last_error}`)
    if (h.checked_at) parts.push(`checked ${formatDateTime(h.checked_at)}`)
    return parts.join(" · ")
  },
  trendLabel() {
    return usage().metric === "cpu" ? "CPU trend" : "Memory trend"
  },
  showingMetric(metric) {
    return usage().metric === metric
  },
  setMetric(metric) {
    usage().setMetric(metric)
  },
  sparkPoints(s) {
    const u = usage()
    return sparklinePoints(u.history[s.name], u.metric)
  },
  sparkClass(s) {
    const samples = usage().history[s.name]
    return samples && samples.length > 0 ? "" : "spark-empty"
  },
  sparkTitle(s) {
    const u = usage()
    return sparklineSummary(u.history[s.name], u.metric)
  },
  pid(s) {
    return typeof s.pid === "number" ? String(s.pid) : DASH
  },
  restarts(s) {
    return typeof s.restarts === "number" ? String(s.restarts) : DASH
  },
  desiredNote(s) {
    // e.g. "wants running" while it is in backoff or failed; nothing when they agree.
    const active = ["running", "starting", "backoff"].includes(s.state)
    if (s.desired === "stopped" && active) return "stop requested"
    if (s.desired === "running" && ["stopped", "exited", "failed"].includes(s.state)) return "wants running"
    return ""
  },
  /** type = "oneshot": it has runs, and Run now. */
  isJob(s) {
    return Boolean(s.spec && s.spec.type === "oneshot")
  },
  canRun(s) {
    return this.isJob(s) && !services().isPending(s.name) && s.state !== "stopping"
  },
  /** Under the state of a job: its next run, or how its last run ended. */
  jobNote(s) {
    if (!this.isJob(s)) return ""
    if (s.next_run_at) {
      const ms = msUntil(s.next_run_at, tick())
      if (ms !== null) return ms <= 0 ? "running soon" : `next run in ${formatDuration(Math.ceil(ms / 1000))}`
    }
    const r = s.last_run
    if (!r) return s.spec.schedule ? "schedule paused" : ""
    if (r.outcome === "success") return "last run succeeded"
    return r.outcome === "stopped" ? "last run stopped" : "last run failed"
  },
  jobNoteClass(s) {
    const r = s.last_run
    return r && r.outcome === "failure" && !s.next_run_at ? "sub job-note job-failed" : "sub job-note"
  },
  jobNoteTitle(s) {
    const parts = []
    if (s.spec && s.spec.schedule) parts.push(`schedule: ${s.spec.schedule}`)
    if (s.next_run_at) parts.push(`next run ${formatDateTime(s.next_run_at)}`)
    const r = s.last_run
    if (r)
      parts.push(
        `last run ${formatDateTime(r.started_at)}, ${r.outcome} (${r.signal || `code ${r.exit_code}`})`,
      )
    return parts.join(" · ")
  },
  openRuns(s) {
    this.$dispatch("open-runs", { name: s.name })
  },
  busy(s, action) {
    return services().pending[s.name] === action
  },
  canStart(s) {
    return !services().isPending(s.name) && !["running", "starting", "stopping"].includes(s.state)
  },
  canStop(s) {
    return (
      !services().isPending(s.name) &&
      s.state !== "stopping" &&
      (["running", "starting", "backoff"].includes(s.state) || s.desired === "running")
    )
  },
  canRestart(s) {
    return !services().isPending(s.name) && s.state !== "stopping"
  },
  act(s, action) {
    services().act(s.name, action)
  },
  canWrite() {
    return session().canWrite()
  },
  canEdit(s) {
    return this.isApi(s) && session().canWrite()
  },
  isApi(s) {
    return s.source === "api"
  },
  openLogs(s) {
    this.$dispatch("open-logs", { name: s.name })
  },
  edit(s) {
    this.$dispatch("open-form", { mode: "edit", name: s.name })
  },
  askDelete(s) {
    this.$dispatch("confirm-delete", { name: s.name })
  },
})
