// The `services` store: the one source of truth for ServiceViews. Filled by `GET /api/services`,
// kept live by the `/api/events` SSE stream (snapshot, then `service` / `removed` / `usage`
// events); `usage` events patch cpu/memory into the views in place. Also runs the start / stop /
// restart commands, one at a time per service, and ticks `now` every second for live counters.

import * as api from "../../api.js"
import { safeParse } from "../json.js"
import { awaitOutcome } from "../outcome.js"
import { toSample } from "../sparkline.js"
import { notifications, services, session, toasts, usage } from "./access.js"

export function servicesStore() {
  let events = null // the EventSource of /api/events, kept out of reactive state
  let openedOnce = false
  return {
    list: [],
    // offline | connecting | live | reconnecting
    connection: "offline",
    // When the event stream (or the daemon) stopped answering, while we are logged in; null when live.
    // Everything shown is then as of that moment: the table greys out and actions are disabled.
    downSince: null,
    now: Date.now(),
    pending: {},
    init() {
      setInterval(() => {
        services().now = Date.now()
      }, 1000)
    },
    replace(list) {
      this.list = Array.isArray(list) ? list : []
      for (const view of this.list) notifications().saw(view)
    },
    upsert(view) {
      if (!view || typeof view.name !== "string") return
      notifications().saw(view)
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
      notifications().forget(name)
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
    /** What is shown may be stale: the stream dropped and has not come back yet. */
    stale() {
      return this.downSince !== null
    },
    markDown() {
      if (this.downSince === null) this.downSince = Date.now()
    },
    connect() {
      if (events) return
      openedOnce = false
      this.connection = "connecting"
      const es = new EventSource(api.eventsUrl())
      events = es
      es.addEventListener("open", () => {
        services().connection = "live"
        services().downSince = null
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
        services().markDown()
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
    /** Logged out: nothing shown is stale, there is nothing shown. */
    reset() {
      this.disconnect()
      this.downSince = null
    },
    isPending(name) {
      // While Dockless does not answer no action can be carried out: every button says so by being disabled.
      return Boolean(this.pending[name]) || this.downSince !== null
    },
    /** Resolves when the request is answered (the buttons are free again); its outcome is told after. */
    async act(name, action) {
      if (this.pending[name]) return
      this.pending[name] = action
      const before = this.list.find((s) => s.name === name)
      try {
        const view = await api[action](name)
        services().accept(view)
        if (action !== "stop") services().tellOutcome(name, action, view, before)
      } catch (e) {
        if (e.status === 401) session().expired()
        toasts().push(`${action} ${name}: ${e.message}`)
      } finally {
        delete services().pending[name]
      }
    },
    /** A start that fails at once, or falls over in its first second, says why: not a quiet 202. */
    async tellOutcome(name, action, view, before) {
      const outcome = await awaitOutcome(name, view, before)
      if (outcome.kind === "failed") toasts().push(`${action} ${name}: ${outcome.reason}`)
    },
  }
}
