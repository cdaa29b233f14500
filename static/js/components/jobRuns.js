// The `jobRuns` component: the runs dialog of a oneshot. Shows its schedule and next run, a
// "Run now" button, and its last runs (start, duration, exit, outcome, what started it), each
// with a button that opens the log viewer on that run's lines (its time range).

import * as api from "../../api.js"
import { DASH, formatDateTime, formatDuration } from "../format.js"
import { services, session, toasts } from "../stores/access.js"

export const jobRuns = () => ({
  name: "",
  runs: [],
  running: null,
  loading: false,
  error: "",
  show(detail) {
    this.name = detail.name
    this.runs = []
    this.running = null
    this.error = ""
    this.$refs.dialog.showModal()
    this.load()
  },
  close() {
    this.$refs.dialog.close()
  },
  onClose() {
    this.name = ""
    this.runs = []
  },
  async load() {
    const name = this.name
    this.loading = true
    try {
      const res = await api.history(name)
      if (this.name !== name) return
      this.runs = res && Array.isArray(res.runs) ? res.runs : []
      this.running = res ? res.running : null
    } catch (e) {
      if (e.status === 401) session().expired()
      if (this.name === name) this.error = e.message
    } finally {
      if (this.name === name) this.loading = false
    }
  },
  view() {
    return services().list.find((s) => s.name === this.name) || null
  },
  scheduleText() {
    const v = this.view()
    const schedule = v && v.spec ? v.spec.schedule : undefined
    if (!schedule) return "No schedule: it runs when started, or with Run now."
    const overlap = v.spec.overlap || "skip"
    return `Schedule: ${schedule} (overlap = ${overlap}${v.spec.catch_up ? ", catch_up" : ""})`
  },
  nextText() {
    const v = this.view()
    if (!v) return ""
    if (v.next_run_at) return `Next run: ${formatDateTime(v.next_run_at)}`
    return v.spec && v.spec.schedule
      ? "Next run: none (stopped by a person: start it to resume the schedule)"
      : ""
  },
  runningText() {
    return this.running
      ? `Running since ${formatDateTime(this.running.started_at)} (pid ${this.running.pid})`
      : ""
  },
  canWrite() {
    return session().canWrite()
  },
  async runNow() {
    const name = this.name
    try {
      services().accept(await api.run(name))
      setTimeout(() => {
        if (this.name === name) this.load()
      }, 1000)
    } catch (e) {
      if (e.status === 401) session().expired()
      toasts().push(`Run now ${name}: ${e.message}`)
    }
  },
  started(r) {
    return formatDateTime(r.started_at)
  },
  duration(r) {
    if (typeof r.duration_ms !== "number") return DASH
    return r.duration_ms < 10000
      ? `${(r.duration_ms / 1000).toFixed(1)} s`
      : formatDuration(Math.round(r.duration_ms / 1000))
  },
  exit(r) {
    if (r.signal) return r.signal
    return typeof r.exit_code === "number" ? `code ${r.exit_code}` : DASH
  },
  outcomeClass(r) {
    return `badge outcome-${r.outcome}`
  },
  runKey(r) {
    return r.started_at
  },
  openLogs(r) {
    this.$dispatch("open-logs", { name: this.name, since: r.started_at, until: r.ended_at })
  },
})
