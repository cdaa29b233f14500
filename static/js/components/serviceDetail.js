// The `serviceDetail` component: one service's page as a dialog with its own URL
// (#/services/NAME): its run history (when each run ended and why, from GET …/history), its
// group and dependencies, the effective spec (read-only here), the health check's last result,
// CPU and memory charts with axes over the usage history the daemon keeps, and ports as links.

import * as api from "../../api.js"
import { DASH, formatDateTime, formatDuration, formatMiB } from "../format.js"
import { services, session, toasts } from "../stores/access.js"
import { crashLoop, healthOf, verdictOf } from "../verdict.js"

const PREFIX = "#/services/"
const W = 320
const H = 96

/** Axis labels and polyline points of one metric over the samples, time along x. */
function chartOf(samples, metric) {
  const values = samples.filter((p) => typeof p[metric] === "number")
  if (values.length < 2) return { points: "", max: "", min: "", from: "", to: "", empty: true }
  const t0 = values[0].t
  const t1 = values[values.length - 1].t
  const top = Math.max(...values.map((p) => p[metric]), metric === "cpu" ? 1 : 1024 * 1024)
  const points = values
    .map(
      (p) =>
        `${(((p.t - t0) / Math.max(1, t1 - t0)) * W).toFixed(1)},${(H - (p[metric] / top) * H).toFixed(1)}`,
    )
    .join(" ")
  const label = (v) => (metric === "cpu" ? `${v.toFixed(1)}%` : formatMiB(v))
  const time = (t) => new Date(t).toLocaleTimeString()
  return { points, max: label(top), min: label(0), from: time(t0), to: time(t1), empty: false }
}

const REASONS = {
  crash: "crashed",
  health: "health check failed",
  memory_max: "over memory_max",
  group: "restarted by its group",
  person: "restarted by a person",
  dependency: "a dependency stopped",
  reload: "new spec",
  stop: "stopped by a person",
  exit: "exited",
  shutdown: "Dockless stopped",
}

export const serviceDetail = () => ({
  name: "",
  ends: [],
  samples: [],
  groups: [],
  error: "",
  init() {
    window.addEventListener("hashchange", () => this.route())
    this.route()
  },
  route() {
    const hash = location.hash
    if (hash.startsWith(PREFIX)) this.show(decodeURIComponent(hash.slice(PREFIX.length)))
    else if (this.name !== "") this.$refs.dialog.close()
  },
  async show(name) {
    this.name = name
    this.ends = []
    this.samples = []
    this.error = ""
    if (!this.$refs.dialog.open) this.$refs.dialog.showModal()
    try {
      const [history, usage, groups] = await Promise.all([
        api.history(name),
        api.usage(name).catch(() => ({ history: [] })),
        api.groups().catch(() => []),
      ])
      if (this.name !== name) return
      this.ends = Array.isArray(history.ends) ? history.ends : []
      this.samples = (usage.history || []).map((p) => ({
        t: Date.parse(p.at),
        cpu: p.cpu_percent,
        rss: p.rss_bytes,
      }))
      this.groups = Array.isArray(groups) ? groups : []
    } catch (e) {
      if (e.status === 401) session().expired()
      if (this.name === name) this.error = e.message
    }
  },
  close() {
    this.$refs.dialog.close()
  },
  onClose() {
    this.name = ""
    if (location.hash.startsWith(PREFIX)) history.replaceState(null, "", location.pathname + location.search)
  },
  view() {
    return services().list.find((s) => s.name === this.name) || null
  },
  has() {
    return this.view() !== null
  },
  headline() {
    const s = this.view()
    if (s === null) return this.name
    const loop = crashLoop(s, Date.now())
    return `${s.state}${loop ? ` · ${loop}` : ""}`
  },
  verdict() {
    const s = this.view()
    return s === null ? "" : verdictOf(s, Date.now())
  },
  groupOf() {
    return this.groups.find((x) => Array.isArray(x.children) && x.children.includes(this.name)) ?? null
  },
  group() {
    const g = this.groupOf()
    return g ? `${g.name} (${g.strategy}: ${g.children.join(" → ")}) · ${g.state}` : "none"
  },
  /** A person may start, stop or restart the whole group here: members in order, as boot does. */
  canCommandGroup() {
    return this.groupOf() !== null && session().canWrite()
  },
  async commandGroup(verb) {
    const g = this.groupOf()
    if (g === null) return
    try {
      const view = await api.groupCommand(g.name, verb)
      this.groups = this.groups.map((x) => (x.name === view.name ? view : x))
      toasts().push(`Group ${g.name}: ${verb} sent (now ${view.state})`, "ok")
    } catch (e) {
      toasts().push(`Group ${g.name}: ${e.message}`)
    }
  },
  deps() {
    const s = this.view()
    const d = s && s.spec && Array.isArray(s.spec.depends_on) ? s.spec.depends_on : []
    return d.length > 0 ? d.join(", ") : "none"
  },
  restartLine() {
    const s = this.view()
    if (!s || !s.last_restart_reason) return "never restarted"
    return `${s.restarts} restarts; the last one (${REASONS[s.last_restart_reason] || s.last_restart_reason}) at ${formatDateTime(s.last_restart_at)}`
  },
  healthLine() {
    const s = this.view()
    if (!s || !s.health) return "no health check"
    const h = healthOf(s)
    const status = h === null ? `${s.health.status} (when it last ran)` : h.status
    const parts = [status]
    if (s.health.last_error) parts.push(`last error: ${s.health.last_error}`)
    if (s.health.checked_at) parts.push(`checked ${formatDateTime(s.health.checked_at)}`)
    return parts.join(" · ")
  },
  specText() {
    const s = this.view()
    return s ? JSON.stringify(s.spec, null, 2) : ""
  },
  specNote() {
    const s = this.view()
    if (!s) return ""
    return s.source === "config"
      ? "Defined in config.toml: change it there and reload (read-only here)."
      : "Registered through the API: Edit changes it."
  },
  ports() {
    const s = this.view()
    return s && Array.isArray(s.ports)
      ? s.ports.map((p) => ({ port: p, href: `http://${location.hostname}:${p}/` }))
      : []
  },
  endTime(e) {
    return formatDateTime(e.ended_at)
  },
  endReason(e) {
    return REASONS[e.reason] || e.reason
  },
  endExit(e) {
    return e.signal || (typeof e.exit_code === "number" ? `code ${e.exit_code}` : DASH)
  },
  endRan(e) {
    return formatDuration((Date.parse(e.ended_at) - Date.parse(e.started_at)) / 1000)
  },
  /** One part of a chart (points, axis labels, empty) of "cpu" or "rss". */
  chart(metric, part) {
    return chartOf(this.samples, metric === "cpu" ? "cpu" : "rss")[part]
  },
  openLogs() {
    const name = this.name
    this.close()
    this.$dispatch("open-logs", { name })
  },
})
