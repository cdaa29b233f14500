// The dashboard: Alpine stores and one component per panel, registered on `alpine:init`
// (this module runs before the deferred Alpine CSP build, which starts on the next microtask).
//
// Data flow: the `services` store is the one source of truth for ServiceViews. It is filled by
// `GET /api/services` and kept live by the `/api/events` SSE stream (`service` and `removed`
// events); components only read it and send commands through api.js. `usage` events (every ~2 s)
// patch cpu/memory into the views in place, so only those cells re-render, and feed the `usage`
// store's per-service history (seeded from `/usage`) that the sparklines draw. The CSP build of Alpine
// parses expressions itself (property access, calls, comparisons, ternaries, `=`, literals; no
// arrow functions, template literals, `??` or `?.`), so every non-trivial expression in
// index.html is a method here.

import * as api from "./api.js"

// ---------- pure helpers ----------

const DASH = "–"

export function formatDuration(totalSeconds) {
  if (typeof totalSeconds !== "number" || !Number.isFinite(totalSeconds)) return DASH
  const s = Math.max(0, Math.floor(totalSeconds))
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  const pad = (n) => String(n).padStart(2, "0")
  if (d > 0) return `${d}d ${h}h`
  if (h > 0) return `${h}h ${pad(m)}m`
  if (m > 0) return `${m}m ${pad(sec)}s`
  return `${sec}s`
}

const MIB = 1024 * 1024

/** Memory always in MiB with one decimal, so a column of them lines up and compares at a glance. */
export function formatMiB(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes)) return DASH
  return `${(bytes / MIB).toFixed(1)} MiB`
}

export function formatPercent(value) {
  return typeof value === "number" && Number.isFinite(value) ? `${value.toFixed(1)}%` : DASH
}

/** Milliseconds as the config's duration string: 10000 → "10s", 90000 → "90s", 300000 → "5m". */
export function formatMs(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return ""
  if (ms > 0 && ms % 3600000 === 0) return `${ms / 3600000}h`
  if (ms > 0 && ms % 60000 === 0) return `${ms / 60000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

const DURATION_RE = /^\d+(ms|s|m|h)$/

function formatTime(iso) {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ""
  const pad = (n, w = 2) => String(n).padStart(w, "0")
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

function formatDateTime(iso) {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString()
}

const msUntil = (iso, now) => {
  const t = Date.parse(iso)
  return Number.isNaN(t) ? null : t - now
}

// The form fields that a validation detail can point at.
const FORM_FIELDS = [
  "name",
  "command",
  "args",
  "cwd",
  "env",
  "restart",
  "ports",
  "port",
  "depends_on",
  "autostart",
  "health",
  "health_target",
  "health_interval",
  "health_retries",
]

// The form field for each key of the health table; timeout and start_period are not edited, so
// their issues land on the section as a whole.
const HEALTH_FIELDS = {
  http: "health_target",
  tcp: "health_target",
  exec: "health_target",
  interval: "health_interval",
  retries: "health_retries",
}

// `services.web.ports.0` → `ports`; `command` → `command`; `health.http` → `health_target`;
// anything else → null.
export function fieldOfPath(path) {
  let segs = Array.isArray(path)
    ? path.map(String)
    : String(path ?? "")
        .split(/[./[\]]+/)
        .filter((s) => s !== "")
  if (segs[0] === "services" && segs.length > 2) segs = segs.slice(2)
  if (segs[0] === "health") return HEALTH_FIELDS[segs[1]] ?? "health"
  return segs.find((s) => FORM_FIELDS.includes(s)) ?? null
}

export function parsePorts(text) {
  const parts = String(text)
    .split(/[\s,]+/)
    .filter((p) => p !== "")
  const ports = []
  for (const p of parts) {
    const n = /^\d+$/.test(p) ? Number(p) : NaN
    if (!(n >= 1 && n <= 65535)) return { error: `"${p}" is not a port number (1–65535).` }
    ports.push(n)
  }
  return { ports }
}

export function parseEnv(text) {
  const env = {}
  const lines = String(text).split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === "" || line.startsWith("#")) continue
    const eq = line.indexOf("=")
    const key = eq === -1 ? "" : line.slice(0, eq).trim()
    if (key === "" || /\s/.test(key)) return { error: `Line ${i + 1}: expected KEY=VALUE.` }
    env[key] = line.slice(eq + 1)
  }
  return { env }
}

/** "db, cache" → ["db", "cache"]; blanks dropped, order kept. */
export const parseNames = (text) =>
  String(text)
    .split(/[\s,]+/)
    .filter((n) => n !== "")

const parseArgs = (text) =>
  String(text)
    .split("\n")
    .map((a) => a.replace(/\r$/, ""))
    .filter((a) => a.trim() !== "")

// Keys of a config.toml service table that the form does not edit; on edit they are carried
// over from `view.spec` so a PUT does not silently drop a backoff or a memory limit. (`port` is
// carried only when it is a fixed number; the form's checkbox owns `port = "auto"`.)
const CARRIED_KEYS = [
  "user",
  "backoff",
  "intensity",
  "stop_signal",
  "stop_timeout",
  "port",
  "memory_max",
  "log",
]

const emptyErrors = () => Object.fromEntries(FORM_FIELDS.map((f) => [f, ""]))

const HEALTH_KINDS = ["http", "tcp", "exec"]

const emptyForm = () => ({
  name: "",
  command: "",
  args: "",
  cwd: "",
  env: "",
  restart: "on-failure",
  ports: "",
  portAuto: false,
  depends: "",
  autostart: true,
  healthType: "none",
  healthTarget: "",
  healthExec: "",
  healthInterval: "",
  healthRetries: "",
})

// ---------- usage history and sparklines ----------

export const USAGE_WINDOW_MS = 5 * 60 * 1000
export const USAGE_MAX_POINTS = 150
export const SPARK_W = 100
export const SPARK_H = 24

/** One sample as the sparkline keeps it: time in ms, cpu %, rss bytes (either may be null). */
export function toSample(raw) {
  if (!raw || typeof raw !== "object") return null
  const t = Date.parse(raw.at)
  if (Number.isNaN(t)) return null
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null)
  return { t, cpu: num(raw.cpu_percent), rss: num(raw.rss_bytes) }
}

/**
 * Adds `incoming` samples (any order) to `history` (sorted by time): a sample at a time already
 * there is skipped, and what is older than the window before the newest or beyond the cap is
 * dropped. Returns a new frozen array (frozen: Alpine leaves it unproxied, it is replaced whole).
 */
export function mergeSamples(history, incoming) {
  const byTime = new Map()
  for (const p of history) byTime.set(p.t, p)
  for (const p of incoming) if (p && !byTime.has(p.t)) byTime.set(p.t, p)
  const all = [...byTime.values()].sort((a, b) => a.t - b.t)
  const newest = all.length > 0 ? all[all.length - 1].t : 0
  const kept = all.filter((p) => p.t > newest - USAGE_WINDOW_MS).slice(-USAGE_MAX_POINTS)
  return Object.freeze(kept)
}

/**
 * The `points` of an SVG polyline in a SPARK_W × SPARK_H box: time runs from the oldest sample
 * kept (at most the window) to the newest, so a young service's line spans the box too; values
 * over their own range (CPU from 0; memory around its min..max, with at
 * least 1 MiB or 5 % of span so a flat line stays flat instead of magnifying noise).
 */
export function sparklinePoints(samples, metric) {
  const pts = (Array.isArray(samples) ? samples : []).filter((p) => typeof p[metric] === "number")
  if (pts.length === 0) return ""
  const values = pts.map((p) => p[metric])
  let lo = Math.min(...values)
  let hi = Math.max(...values)
  if (metric === "cpu") {
    lo = 0
    hi = Math.max(hi, 1)
  } else {
    const minSpan = Math.max(hi * 0.05, MIB)
    if (hi - lo < minSpan) {
      const mid = (hi + lo) / 2
      lo = mid - minSpan / 2
      hi = mid + minSpan / 2
    }
  }
  const end = pts[pts.length - 1].t
  const start = Math.max(pts[0].t, end - USAGE_WINDOW_MS)
  const span = Math.max(end - start, 1)
  const pad = 2
  const x = (t) => Math.round((Math.max(0, t - start) / span) * SPARK_W * 10) / 10
  const y = (v) => Math.round((SPARK_H - pad - ((v - lo) / (hi - lo)) * (SPARK_H - 2 * pad)) * 10) / 10
  // One sample: a flat line across, so a fresh service still shows something.
  if (pts.length === 1) return `0,${y(values[0])} ${SPARK_W},${y(values[0])}`
  return pts.map((p) => `${x(p.t)},${y(p[metric])}`).join(" ")
}

/** "Memory over the last 5 min: 12.1–14.0 MiB" for the sparkline's tooltip. */
export function sparklineSummary(samples, metric) {
  const values = (Array.isArray(samples) ? samples : [])
    .map((p) => p[metric])
    .filter((v) => typeof v === "number")
  const what = metric === "cpu" ? "CPU" : "Memory"
  if (values.length === 0) return `${what}: no samples yet`
  const fmt = metric === "cpu" ? formatPercent : formatMiB
  return `${what} over the last ${USAGE_WINDOW_MS / 60000} min: ${fmt(Math.min(...values))} – ${fmt(Math.max(...values))}`
}

/** The ports of a view, each marked when it is the auto-assigned one (or "auto" not yet assigned). */
export function portItems(view) {
  const spec = (view && view.spec) || {}
  const fixed = Array.isArray(spec.ports) ? spec.ports : []
  const live = Array.isArray(view && view.ports) ? view.ports : []
  const auto = spec.port === "auto"
  const items = live.map((p) => ({
    key: String(p),
    text: String(p),
    auto: auto && !fixed.includes(p),
  }))
  for (const p of fixed) if (!live.includes(p)) items.push({ key: String(p), text: String(p), auto: false })
  // Not assigned yet (e.g. never started): just the "auto" tag.
  if (auto && !items.some((i) => i.auto)) items.push({ key: "auto", text: "", auto: true })
  return items
}

// ---------- Alpine registration ----------

document.addEventListener("alpine:init", () => {
  const Alpine = window.Alpine
  const services = () => Alpine.store("services")
  const session = () => Alpine.store("session")
  const toasts = () => Alpine.store("toasts")
  const usage = () => Alpine.store("usage")
  // The current time for live counters: reading the store's `now` makes Alpine re-render them
  // every second; the value itself is taken fresh so a countdown is never a second behind.
  const tick = () => {
    void services().now
    return Date.now()
  }

  let toastSeq = 0
  Alpine.store("toasts", {
    items: [],
    push(text, kind = "error") {
      const id = ++toastSeq
      this.items.push({ id, text, kind })
      setTimeout(() => toasts().dismiss(id), kind === "error" ? 8000 : 4000)
    },
    dismiss(id) {
      this.items = this.items.filter((t) => t.id !== id)
    },
  })

  Alpine.store("session", {
    // checking | login | ready | unreachable
    state: "checking",
    error: "",
    async check() {
      try {
        const list = await api.listServices()
        services().replace(list)
        usage().seed(list)
        this.state = "ready"
        this.error = ""
        services().connect()
      } catch (e) {
        services().disconnect()
        if (e.status === 401) {
          this.state = "login"
        } else {
          this.state = "unreachable"
          this.error = e.message
          setTimeout(() => {
            if (session().state === "unreachable") session().check()
          }, 3000)
        }
      }
    },
    // An API call answered 401 while we thought we were in: the session ended.
    expired() {
      if (this.state === "ready") this.check()
    },
    async logout() {
      try {
        await api.logout()
      } catch (e) {
        if (e.status !== 401) toasts().push(e.message)
      }
      services().disconnect()
      services().replace([])
      usage().clear()
      this.state = "login"
    },
  })

  let events = null // the EventSource of /api/events, kept out of reactive state
  let openedOnce = false
  Alpine.store("services", {
    list: [],
    // offline | connecting | live | reconnecting
    connection: "offline",
    now: Date.now(),
    pending: {},
    init() {
      setInterval(() => {
        services().now = Date.now()
      }, 1000)
    },
    replace(list) {
      this.list = Array.isArray(list) ? list : []
    },
    upsert(view) {
      if (!view || typeof view.name !== "string") return
      const i = this.list.findIndex((s) => s.name === view.name)
      if (i === -1) this.list.push(view)
      else this.list[i] = view
    },
    // A view from an HTTP answer may be older than what the event stream already delivered
    // (SSE can overtake the response), so it only fills gaps: a row not there yet, or no stream.
    accept(view) {
      if (!view || typeof view.name !== "string") return
      const known = this.list.some((s) => s.name === view.name)
      if (!known || this.connection !== "live") this.upsert(view)
    },
    drop(name) {
      const known = this.list.some((s) => s.name === name)
      this.list = this.list.filter((s) => s.name !== name)
      usage().forget(name)
      if (known) window.dispatchEvent(new CustomEvent("service-removed", { detail: { name } }))
    },
    async resync() {
      try {
        const list = await api.listServices()
        this.replace(list)
        usage().seed(list)
      } catch (e) {
        if (e.status === 401) session().expired()
      }
    },
    connect() {
      if (events) return
      openedOnce = false
      this.connection = "connecting"
      const es = new EventSource(api.eventsUrl())
      events = es
      es.addEventListener("open", () => {
        services().connection = "live"
        // The first snapshot arrives as events; after a drop, re-read the list so services
        // removed while we were away disappear too.
        if (openedOnce) services().resync()
        openedOnce = true
      })
      es.addEventListener("service", (ev) => {
        const data = safeParse(ev.data)
        if (Array.isArray(data)) data.forEach((v) => services().upsert(v))
        else services().upsert(data)
      })
      es.addEventListener("usage", (ev) => {
        const data = safeParse(ev.data)
        if (data && data.services && typeof data.services === "object") services().applyUsage(data)
      })
      es.addEventListener("removed", (ev) => {
        const data = safeParse(ev.data)
        if (data && typeof data.name === "string") services().drop(data.name)
      })
      es.addEventListener("error", () => {
        if (events !== es) return
        services().connection = "reconnecting"
        if (es.readyState === EventSource.CLOSED) {
          // The browser gave up (e.g. a 401 or a non-SSE answer): find out why, then retry.
          es.close()
          events = null
          setTimeout(() => {
            if (session().state === "ready") session().check()
          }, 2000)
        }
      })
    },
    // A `usage` event: cpu and memory are written into the existing views field by field, so
    // only the cells that read them re-render (no row is replaced, nothing is fetched).
    applyUsage(data) {
      for (const [name, u] of Object.entries(data.services)) {
        if (!u || typeof u !== "object") continue
        const view = this.list.find((s) => s.name === name)
        if (view) {
          for (const key of ["cpu_percent", "rss_bytes", "cpu_seconds"]) {
            const v = u[key]
            if (typeof v === "number" && view[key] !== v) view[key] = v
          }
        }
        usage().add(name, toSample({ at: data.at, cpu_percent: u.cpu_percent, rss_bytes: u.rss_bytes }))
      }
    },
    disconnect() {
      if (events) events.close()
      events = null
      this.connection = "offline"
    },
    isPending(name) {
      return Boolean(this.pending[name])
    },
    async act(name, action) {
      if (this.pending[name]) return
      this.pending[name] = action
      try {
        services().accept(await api[action](name))
      } catch (e) {
        if (e.status === 401) session().expired()
        toasts().push(`${action} ${name}: ${e.message}`)
      } finally {
        delete services().pending[name]
      }
    },
  })

  // Per-service cpu/memory history for the sparklines: seeded from `GET /usage` for services the
  // daemon has measured, then one sample per `usage` event. Histories are frozen arrays replaced
  // whole, so a row's sparkline re-renders when its own history changes and nothing else does.
  const seeding = new Set()
  const METRIC_KEY = "dockless.sparkline"
  Alpine.store("usage", {
    history: {},
    // "rss" (memory) or "cpu": what every sparkline draws.
    metric: readMetric(METRIC_KEY),
    setMetric(metric) {
      this.metric = metric === "cpu" ? "cpu" : "rss"
      try {
        localStorage.setItem(METRIC_KEY, this.metric)
      } catch {
        // storage unavailable (private mode): the choice lasts for this page only
      }
    },
    add(name, sample) {
      if (!sample) return
      this.history[name] = mergeSamples(this.history[name] || [], [sample])
    },
    // Only services with a measurement are asked for: a stopped one has nothing recent, and a
    // daemon without usage monitoring reports none, so it is never asked.
    seed(list) {
      for (const view of Array.isArray(list) ? list : []) {
        const measured = typeof view.rss_bytes === "number" || typeof view.cpu_percent === "number"
        if (measured && !seeding.has(view.name)) this.load(view.name)
      }
    },
    async load(name) {
      seeding.add(name)
      try {
        const res = await api.usage(name)
        const samples = (res && Array.isArray(res.history) ? res.history : []).map(toSample)
        // Samples from events that arrived meanwhile are kept; the merge orders and caps them.
        if (services().list.some((s) => s.name === name))
          this.history[name] = mergeSamples(this.history[name] || [], samples)
      } catch (e) {
        if (e.status === 401) session().expired()
        // Anything else: the sparkline starts from the live samples instead.
      } finally {
        seeding.delete(name)
      }
    },
    forget(name) {
      delete this.history[name]
    },
    clear() {
      this.history = {}
    },
  })

  // Root of the page: probes the session once Alpine is up.
  Alpine.data("app", () => ({
    init() {
      session().check()
    },
    connLabel() {
      const c = services().connection
      return c === "live"
        ? "live"
        : c === "offline"
          ? "offline"
          : c === "connecting"
            ? "connecting…"
            : "reconnecting…"
    },
    summary() {
      const list = services().list
      const running = list.filter((s) => s.state === "running").length
      const failed = list.filter((s) => s.state === "failed" || s.state === "backoff").length
      let text = `${list.length} service${list.length === 1 ? "" : "s"} · ${running} running`
      if (failed > 0) text += ` · ${failed} in trouble`
      return text
    },
    register() {
      this.$dispatch("open-form", { mode: "register" })
    },
    logout() {
      session().logout()
    },
  }))

  Alpine.data("loginPanel", () => ({
    token: "",
    error: "",
    busy: false,
    async submit() {
      if (this.busy) return
      this.error = ""
      if (this.token.trim() === "") {
        this.error = "Enter the API token."
        return
      }
      this.busy = true
      try {
        await api.login(this.token.trim())
        this.token = ""
        await session().check()
      } catch (e) {
        this.error = e.message
      } finally {
        this.busy = false
      }
    },
  }))

  Alpine.data("serviceTable", () => ({
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
  }))

  Alpine.data("serviceForm", () => ({
    mode: "register",
    original: "",
    f: emptyForm(),
    errors: emptyErrors(),
    formError: "",
    other: [],
    busy: false,
    carried: {},
    // timeout / start_period of an existing health check, which the form does not edit.
    healthCarried: {},
    title() {
      return this.mode === "edit" ? `Edit ${this.original}` : "Register a service"
    },
    submitLabel() {
      if (this.busy) return this.mode === "edit" ? "Saving…" : "Registering…"
      return this.mode === "edit" ? "Save and apply" : "Register"
    },
    show(detail) {
      this.clearErrors()
      this.busy = false
      this.carried = {}
      this.healthCarried = {}
      if (detail && detail.mode === "edit") {
        const view = services().list.find((s) => s.name === detail.name)
        if (!view) return
        const spec = view.spec || {}
        this.mode = "edit"
        this.original = view.name
        const health = spec.health && typeof spec.health === "object" ? spec.health : null
        const kind = health ? HEALTH_KINDS.find((k) => health[k] !== undefined) : undefined
        this.f = {
          ...emptyForm(),
          name: view.name,
          command: spec.command || "",
          args: Array.isArray(spec.args) ? spec.args.join("\n") : "",
          cwd: spec.cwd || "",
          env: spec.env
            ? Object.entries(spec.env)
                .map(([k, v]) => `${k}=${v}`)
                .join("\n")
            : "",
          restart: spec.restart || "on-failure",
          ports: Array.isArray(spec.ports) ? spec.ports.join(", ") : "",
          portAuto: spec.port === "auto",
          depends: Array.isArray(spec.depends_on) ? spec.depends_on.join(", ") : "",
          autostart: spec.autostart !== false,
          healthType: kind || "none",
          healthTarget: kind === "http" || kind === "tcp" ? String(health[kind]) : "",
          healthExec: kind === "exec" && Array.isArray(health.exec) ? health.exec.join("\n") : "",
          healthInterval: health ? formatMs(health.interval) : "",
          healthRetries: health && typeof health.retries === "number" ? String(health.retries) : "",
        }
        for (const key of CARRIED_KEYS) {
          if (spec[key] !== undefined && spec[key] !== null) this.carried[key] = spec[key]
        }
        if (typeof this.carried.port !== "number") delete this.carried.port
        if (health) {
          for (const key of ["timeout", "start_period"]) {
            const text = typeof health[key] === "number" ? formatMs(health[key]) : health[key]
            if (typeof text === "string" && text !== "") this.healthCarried[key] = text
          }
        }
      } else {
        this.mode = "register"
        this.original = ""
        this.f = emptyForm()
      }
      this.$refs.dialog.showModal()
      this.$nextTick(() => {
        const first = this.$refs.dialog.querySelector(this.mode === "edit" ? "[name=command]" : "[name=name]")
        if (first) first.focus()
      })
    },
    close() {
      this.$refs.dialog.close()
    },
    clearErrors() {
      this.errors = emptyErrors()
      this.formError = ""
      this.other = []
    },
    invalid(field) {
      return this.errors[field] !== ""
    },
    healthOn() {
      return this.f.healthType !== "none"
    },
    healthIs(kind) {
      return this.f.healthType === kind
    },
    healthTargetLabel() {
      return this.f.healthType === "tcp" ? "Port to connect to" : "URL to GET (2xx or 3xx is healthy)"
    },
    healthTargetPlaceholder() {
      return this.f.healthType === "tcp" ? "8080" : "http://127.0.0.1:8080/healthz"
    },
    // The health table as config.toml would have it, durations as strings ("10s"); field
    // problems go to `errors` and the result is then not sent.
    buildHealth() {
      const f = this.f
      const kind = f.healthType
      if (!HEALTH_KINDS.includes(kind)) return undefined
      const health = {}
      if (kind === "http") {
        const url = f.healthTarget.trim()
        if (!/^https?:\/\/\S+$/.test(url)) this.errors.health_target = "Enter an http:// or https:// URL."
        health.http = url
      } else if (kind === "tcp") {
        const text = f.healthTarget.trim()
        const n = /^\d+$/.test(text) ? Number(text) : NaN
        if (!(n >= 1 && n <= 65535)) this.errors.health_target = "Enter a port number (1–65535)."
        health.tcp = n
      } else {
        const argv = parseArgs(f.healthExec)
        if (argv.length === 0) this.errors.health_target = "Enter the command to run, one argument per line."
        health.exec = argv
      }
      const interval = f.healthInterval.trim()
      if (interval !== "") {
        if (DURATION_RE.test(interval)) health.interval = interval
        else this.errors.health_interval = "A duration like 10s, 500ms or 1m."
      }
      const retries = f.healthRetries.trim()
      if (retries !== "") {
        const n = /^\d+$/.test(retries) ? Number(retries) : NaN
        if (n >= 1 && n <= 1000) health.retries = n
        else this.errors.health_retries = "A whole number from 1 to 1000."
      }
      return { ...health, ...this.healthCarried }
    },
    // The service table as config.toml would have it; empty optional fields are left out.
    build() {
      const f = this.f
      const table = this.mode === "edit" ? { ...this.carried } : {}
      if (this.mode === "register") table.name = f.name.trim()
      table.command = f.command.trim()
      const args = parseArgs(f.args)
      if (args.length > 0) table.args = args
      if (f.cwd.trim() !== "") table.cwd = f.cwd.trim()
      const env = parseEnv(f.env)
      if (env.error) this.errors.env = env.error
      else if (Object.keys(env.env).length > 0) table.env = env.env
      table.restart = f.restart
      const ports = parsePorts(f.ports)
      if (ports.error) this.errors.ports = ports.error
      else if (ports.ports.length > 0) table.ports = ports.ports
      if (f.portAuto) table.port = "auto"
      const deps = parseNames(f.depends)
      if (deps.length > 0) table.depends_on = deps
      const health = this.buildHealth()
      if (health) table.health = health
      table.autostart = Boolean(f.autostart)
      return table
    },
    async submit() {
      if (this.busy) return
      this.clearErrors()
      const table = this.build()
      if (FORM_FIELDS.some((k) => this.errors[k] !== "")) {
        this.formError = "Fix the marked fields."
        return
      }
      this.busy = true
      try {
        const view = this.mode === "edit" ? await api.update(this.original, table) : await api.register(table)
        services().accept(view)
        toasts().push(
          this.mode === "edit" ? `Saved ${this.original}.` : `Registered ${view ? view.name : table.name}.`,
          "ok",
        )
        this.close()
      } catch (e) {
        if (e.status === 401) session().expired()
        this.formError = e.message
        for (const d of e.details || []) {
          const message = d && typeof d.message === "string" ? d.message : String(d)
          const field = d ? fieldOfPath(d.path) : null
          if (field) this.errors[field] = this.errors[field] ? `${this.errors[field]} ${message}` : message
          else
            this.other.push(
              d && d.path ? `${Array.isArray(d.path) ? d.path.join(".") : d.path}: ${message}` : message,
            )
        }
      } finally {
        this.busy = false
      }
    },
  }))

  Alpine.data("confirmDelete", () => ({
    name: "",
    error: "",
    busy: false,
    show(detail) {
      this.name = detail.name
      this.error = ""
      this.busy = false
      this.$refs.dialog.showModal()
    },
    cancel() {
      this.$refs.dialog.close()
    },
    async confirm() {
      if (this.busy) return
      this.busy = true
      this.error = ""
      try {
        await api.remove(this.name)
        services().drop(this.name)
        toasts().push(`Deleted ${this.name}.`, "ok")
        this.$refs.dialog.close()
      } catch (e) {
        if (e.status === 401) session().expired()
        this.error = e.message
      } finally {
        this.busy = false
      }
    },
  }))

  Alpine.data("logViewer", () => {
    let stream = null // EventSource of the log stream, kept out of reactive state
    let seq = 0
    const MAX_LINES = 2000
    return {
      name: "",
      lines: [],
      follow: true,
      filters: { stdout: true, stderr: true, dockless: true },
      loading: false,
      error: "",
      streamState: "",
      atBottom: true,
      show(detail) {
        this.name = detail.name
        this.lines = []
        this.error = ""
        this.follow = true
        this.atBottom = true
        this.$refs.dialog.showModal()
        this.load()
      },
      close() {
        this.$refs.dialog.close()
      },
      onClose() {
        this.stopFollow()
        this.name = ""
        this.lines = []
      },
      toLine(raw) {
        const stream = raw && typeof raw.stream === "string" ? raw.stream : "stdout"
        const ts = raw && typeof raw.ts === "string" ? raw.ts : ""
        return {
          id: ++seq,
          ts,
          time: formatTime(ts),
          stream,
          text: raw && raw.text != null ? String(raw.text) : "",
        }
      },
      async load() {
        const name = this.name
        this.loading = true
        this.stopFollow()
        try {
          const res = await api.logs(name, 200)
          if (this.name !== name) return
          this.lines = (res && Array.isArray(res.lines) ? res.lines : []).map((l) => this.toLine(l))
          this.scrollToEndSoon()
          if (this.follow) this.startFollow()
        } catch (e) {
          if (e.status === 401) session().expired()
          if (this.name === name) this.error = e.message
        } finally {
          if (this.name === name) this.loading = false
        }
      },
      startFollow() {
        this.stopFollow()
        const name = this.name
        // Lines already shown from the history are skipped if the stream replays them.
        const seen = new Set(this.lines.slice(-200).map((l) => `${l.ts}\u0000${l.stream}\u0000${l.text}`))
        const es = new EventSource(api.logStreamUrl(name))
        stream = es
        let opened = false
        this.streamState = "connecting"
        es.addEventListener("open", () => {
          if (stream !== es) return
          // Back after a drop: reload the history so the lines written meanwhile are not lost.
          if (opened) this.load()
          else this.streamState = "live"
          opened = true
        })
        es.addEventListener("log", (ev) => {
          if (stream !== es) return
          const raw = safeParse(ev.data)
          if (!raw) return
          const line = this.toLine(raw)
          const key = `${line.ts}\u0000${line.stream}\u0000${line.text}`
          if (seen.size > 0 && seen.has(key)) {
            seen.delete(key)
            return
          }
          seen.clear()
          this.append(line)
        })
        es.addEventListener("error", () => {
          if (stream !== es) return
          this.streamState = es.readyState === EventSource.CLOSED ? "stopped" : "reconnecting"
        })
      },
      onRemoved(detail) {
        if (!detail || detail.name !== this.name) return
        this.stopFollow()
        this.follow = false
        this.error = `${this.name} was deleted; no more output will come.`
      },
      stopFollow() {
        if (stream) stream.close()
        stream = null
        this.streamState = ""
      },
      setFollow(on) {
        this.follow = Boolean(on)
        if (this.follow) this.load()
        else this.stopFollow()
      },
      followLabel() {
        if (!this.follow) return "paused"
        return this.streamState === "live" ? "following" : this.streamState || "…"
      },
      append(line) {
        const view = this.$refs.view
        const atBottom = view ? view.scrollTop + view.clientHeight >= view.scrollHeight - 24 : true
        this.lines.push(line)
        if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES)
        if (atBottom) this.scrollToEndSoon()
      },
      scrollToEndSoon() {
        this.$nextTick(() => {
          const view = this.$refs.view
          if (view) view.scrollTop = view.scrollHeight
        })
      },
      onScroll() {
        const view = this.$refs.view
        this.atBottom = view.scrollTop + view.clientHeight >= view.scrollHeight - 24
      },
      jumpToEnd() {
        this.atBottom = true
        this.scrollToEndSoon()
      },
      get visible() {
        return this.lines.filter((l) => this.filters[l.stream] !== false)
      },
      countLabel() {
        const shown = this.visible.length
        return shown === this.lines.length ? `${shown} lines` : `${shown} of ${this.lines.length} lines`
      },
      toggle(stream) {
        this.filters[stream] = !this.filters[stream]
      },
      lineClass(l) {
        return ["stdout", "stderr", "dockless"].includes(l.stream) ? `line s-${l.stream}` : "line s-other"
      },
    }
  })
})

function readMetric(key) {
  try {
    return localStorage.getItem(key) === "cpu" ? "cpu" : "rss"
  } catch {
    return "rss"
  }
}

function safeParse(text) {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
