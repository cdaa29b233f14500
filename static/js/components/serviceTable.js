// The `serviceTable` component: every cell of a service row as a method (uptime, restart
// countdown, last exit, cpu/memory, ports, dependencies, health, sparkline) and the row's
// actions (start / stop / restart, logs, edit, delete), sent as window events to the panels.
// Trouble first: rows are searched, filtered by verdict chip and sorted (failed, backoff and
// crash-looping on top by default); `/` `j` `k` `l` `r` `Enter` `?` work from the keyboard.

import { DASH, formatDateTime, formatDuration, formatMiB, formatPercent, msUntil } from "../format.js"
import { returnFocus } from "../focus.js"
import { HEALTH_KINDS } from "../form.js"
import { portItems } from "../ports.js"
import { sparklinePoints, sparklineSummary } from "../sparkline.js"
import { services, session, tick, usage } from "../stores/access.js"
import { crashLoop, healthOf, isDone, rankOf, TROUBLE, VERDICTS, verdictOf } from "../verdict.js"

const SORTS = {
  trouble: (a, b, now) => rankOf(a, now) - rankOf(b, now),
  name: (a, b) => a.name.localeCompare(b.name),
  restarts: (a, b) => (a.restarts || 0) - (b.restarts || 0),
  cpu: (a, b) => (a.cpu_percent || 0) - (b.cpu_percent || 0),
  memory: (a, b) => (a.rss_bytes || 0) - (b.rss_bytes || 0),
  uptime: (a, b) =>
    (a.started_at ? -Date.parse(a.started_at) : -Infinity) -
    (b.started_at ? -Date.parse(b.started_at) : -Infinity),
}

const typing = (target) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))

export const serviceTable = () => ({
  query: "",
  chip: "all",
  sortKey: "trouble",
  sortDesc: false,
  selected: "",
  /** The rows as shown: searched, filtered by chip, sorted (trouble first, then by name). */
  rows() {
    const now = tick()
    const q = this.query.trim().toLowerCase()
    const list = services().list.filter((s) => {
      if (
        q &&
        !s.name.toLowerCase().includes(q) &&
        !String(s.error || "")
          .toLowerCase()
          .includes(q)
      )
        return false
      if (this.chip === "all") return true
      const v = verdictOf(s, now)
      return this.chip === "trouble" ? TROUBLE.includes(v) : v === this.chip
    })
    const by = SORTS[this.sortKey] || SORTS.trouble
    const dir = this.sortDesc ? -1 : 1
    return list.sort((a, b) => dir * by(a, b, now) || a.name.localeCompare(b.name))
  },
  chips() {
    const now = tick()
    const list = services().list
    const count = (keys) => list.filter((s) => keys.includes(verdictOf(s, now))).length
    const chips = [
      { key: "all", label: `all ${list.length}`, count: list.length },
      { key: "trouble", label: `in trouble ${count(TROUBLE)}`, count: count(TROUBLE) },
    ]
    for (const v of VERDICTS) {
      const n = count([v])
      if (n > 0) chips.push({ key: v, label: `${v} ${n}`, count: n })
    }
    return chips
  },
  chipPressed(c) {
    return this.chip === c.key ? "true" : "false"
  },
  chipClass(c) {
    return c.key === "trouble" && c.count > 0 ? "fchip fchip-trouble" : "fchip"
  },
  setChip(c) {
    this.chip = c.key
  },
  noMatch() {
    return services().list.length > 0 && this.rows().length === 0
  },
  sortBy(key) {
    if (this.sortKey === key) this.sortDesc = !this.sortDesc
    else {
      this.sortKey = key
      this.sortDesc = ["restarts", "cpu", "memory"].includes(key)
    }
  },
  ariaSort(key) {
    if (this.sortKey !== key) return "none"
    return this.sortDesc ? "descending" : "ascending"
  },
  /** Greyed while Dockless does not answer. */
  stale() {
    return services().stale()
  },
  staleText() {
    const since = services().downSince
    return since === null
      ? ""
      : `Dockless not answering since ${new Date(since).toLocaleTimeString()}; showing what it said last. Reconnecting by itself…`
  },
  rowClass(s) {
    return this.selected === s.name ? "svc selected" : "svc"
  },
  verdict(s) {
    return verdictOf(s, tick())
  },
  /** The state badge: "crash loop" and "done" say more than the raw state. */
  stateText(s) {
    const v = verdictOf(s, tick())
    if (v === "crash-loop") return "crash loop"
    if (v === "done") return "done"
    return s.state
  },
  stateClass(s) {
    const v = verdictOf(s, tick())
    if (v === "crash-loop") return "badge st-failed"
    if (v === "done") return "badge st-done"
    return `badge st-${s.state}`
  },
  crashLoopText(s) {
    return crashLoop(s, tick())
  },
  restartTitle(s) {
    if (!s.last_restart_reason) return ""
    const at = s.last_restart_at ? ` at ${formatDateTime(s.last_restart_at)}` : ""
    return `last restart: ${s.last_restart_reason}${at}`
  },
  /** Memory, and its memory_max beside it when it has one. */
  memLimit(s) {
    const max = s.spec && typeof s.spec.memory_max === "number" ? s.spec.memory_max : null
    return max === null ? "" : `of ${formatMiB(max)}`
  },
  // ---- keyboard: / search, j/k move, l logs, r restart (asks first), Enter details, ? help ----
  onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return
    if (document.querySelector("dialog[open]")) return
    const key = event.key
    if (key === "/") {
      event.preventDefault()
      this.$refs.search.focus()
      return
    }
    if (key === "?") {
      event.preventDefault()
      this.$dispatch("open-help")
      return
    }
    const rows = this.rows()
    if (rows.length === 0) return
    const at = rows.findIndex((s) => s.name === this.selected)
    if (key === "j" || key === "k") {
      event.preventDefault()
      const next = key === "j" ? Math.min(rows.length - 1, at + 1) : Math.max(0, at < 0 ? 0 : at - 1)
      this.select(rows[next].name)
      return
    }
    const current = at < 0 ? undefined : rows[at]
    if (current === undefined) return
    if (key === "l") {
      event.preventDefault()
      this.openLogs(current)
    } else if (key === "r" && this.canWrite() && this.canRestart(current)) {
      event.preventDefault()
      if (window.confirm(`Restart ${current.name}?`)) this.act(current, "restart")
    } else if (key === "Enter" && !(event.target instanceof HTMLButtonElement)) {
      event.preventDefault()
      this.openDetail(current)
    }
  },
  select(name) {
    this.selected = name
    // Focused now, not on $nextTick: Alpine's next tick is a timer, and Chromium runs input
    // before timers, so a key pressed right after Enter in the search box (the `l` of
    // "web⏎l") was typed into the box. The row is already on screen: rows() is what is shown.
    if (!this.focusLink(name)) this.$nextTick(() => this.focusLink(name))
  },
  focusLink(name) {
    const link = this.$root.querySelector(`tbody[data-service="${CSS.escape(name)}"] .c-name .name-link`)
    if (link === null) return false
    link.focus()
    link.scrollIntoView({ block: "nearest" })
    return true
  },
  onSearchKey(event) {
    if (event.key === "Escape") {
      this.query = ""
      event.target.blur()
    } else if (event.key === "Enter" || event.key === "ArrowDown") {
      event.preventDefault()
      const first = this.rows()[0]
      if (first) this.select(first.name)
    }
  },
  detailHref(s) {
    return `#/services/${encodeURIComponent(s.name)}`
  },
  openDetail(s) {
    location.hash = this.detailHref(s)
  },
  focusRow(s) {
    this.selected = s.name
  },

  uptime(s) {
    if (!s.started_at || !["running", "starting", "stopping"].includes(s.state)) return DASH
    // Not counting on while Dockless does not answer: the uptime is as of then.
    const now = services().downSince === null ? tick() : services().downSince
    const ms = now - Date.parse(s.started_at)
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
    return healthOf(s) !== null
  },
  /** Why the service's output is not reaching its log file, as the row under it says. */
  logErrorText(s) {
    return s.log_error ? `Log file: ${s.log_error}; its output is dropped until this clears.` : ""
  },
  healthText(s) {
    const h = healthOf(s)
    return h === null ? "" : h.status
  },
  /** "unhealthy: connection refused" under the badge, so the error is seen without hovering. */
  healthError(s) {
    const h = healthOf(s)
    return h !== null && h.status === "unhealthy" && h.error ? `health: ${h.error}` : ""
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
    if (isDone(s)) return ""
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
    returnFocus(document.activeElement)
    this.selected = s.name
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
    this.selected = s.name
    this.$dispatch("open-logs", { name: s.name })
  },
  edit(s) {
    this.$dispatch("open-form", { mode: "edit", name: s.name })
  },
  askDelete(s) {
    this.$dispatch("confirm-delete", { name: s.name })
  },
})
