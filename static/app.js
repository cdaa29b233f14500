// The dashboard: Alpine stores and one component per panel, registered on `alpine:init`
// (this module runs before the deferred Alpine CSP build, which starts on the next microtask).
//
// Data flow: the `services` store is the one source of truth for ServiceViews. It is filled by
// `GET /api/services` and kept live by the `/api/events` SSE stream (`service` and `removed`
// events); components only read it and send commands through api.js. The CSP build of Alpine
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

export function formatBytes(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes)) return DASH
  const mib = bytes / (1024 * 1024)
  if (mib >= 1024) return `${(mib / 1024).toFixed(2)} GiB`
  return `${mib >= 100 ? mib.toFixed(0) : mib.toFixed(1)} MiB`
}

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
const FORM_FIELDS = ["name", "command", "args", "cwd", "env", "restart", "ports", "autostart"]

// `services.web.ports.0` → `ports`; `command` → `command`; anything else → null.
export function fieldOfPath(path) {
  let segs = Array.isArray(path)
    ? path.map(String)
    : String(path ?? "")
        .split(/[./[\]]+/)
        .filter((s) => s !== "")
  if (segs[0] === "services" && segs.length > 2) segs = segs.slice(2)
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

const parseArgs = (text) =>
  String(text)
    .split("\n")
    .map((a) => a.replace(/\r$/, ""))
    .filter((a) => a.trim() !== "")

// Keys of a config.toml service table that the form does not edit; on edit they are carried
// over from `view.spec` so a PUT does not silently drop a health check or a backoff.
const CARRIED_KEYS = [
  "user",
  "backoff",
  "intensity",
  "stop_signal",
  "stop_timeout",
  "port",
  "depends_on",
  "memory_max",
  "health",
  "log",
]

const emptyErrors = () => Object.fromEntries(FORM_FIELDS.map((f) => [f, ""]))

// ---------- Alpine registration ----------

document.addEventListener("alpine:init", () => {
  const Alpine = window.Alpine
  const services = () => Alpine.store("services")
  const session = () => Alpine.store("session")
  const toasts = () => Alpine.store("toasts")
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
      if (known) window.dispatchEvent(new CustomEvent("service-removed", { detail: { name } }))
    },
    async resync() {
      try {
        this.replace(await api.listServices())
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
      return typeof s.cpu_percent === "number" ? `${s.cpu_percent.toFixed(1)}%` : DASH
    },
    mem(s) {
      return formatBytes(s.rss_bytes)
    },
    ports(s) {
      return Array.isArray(s.ports) && s.ports.length > 0 ? s.ports.join(", ") : DASH
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
    f: {
      name: "",
      command: "",
      args: "",
      cwd: "",
      env: "",
      restart: "on-failure",
      ports: "",
      autostart: true,
    },
    errors: emptyErrors(),
    formError: "",
    other: [],
    busy: false,
    carried: {},
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
      if (detail && detail.mode === "edit") {
        const view = services().list.find((s) => s.name === detail.name)
        if (!view) return
        const spec = view.spec || {}
        this.mode = "edit"
        this.original = view.name
        this.f = {
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
          autostart: spec.autostart !== false,
        }
        for (const key of CARRIED_KEYS) {
          if (spec[key] !== undefined && spec[key] !== null) this.carried[key] = spec[key]
        }
      } else {
        this.mode = "register"
        this.original = ""
        this.f = {
          name: "",
          command: "",
          args: "",
          cwd: "",
          env: "",
          restart: "on-failure",
          ports: "",
          autostart: true,
        }
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

function safeParse(text) {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
