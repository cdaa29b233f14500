// The `usage` store: per-service cpu/memory history for the sparklines, seeded from one
// `GET /api/usage` once the daemon has measured something, then one sample per `usage` event;
// and which metric the sparklines draw ("rss" or "cpu"), remembered in localStorage.

import * as api from "../../api.js"
import { mergeSamples, toSample } from "../sparkline.js"
import { services, session } from "./access.js"

export function usageStore() {
  // Histories are frozen arrays replaced whole, so a row's sparkline re-renders when its own
  // history changes and nothing else does.
  let seeding = false
  const METRIC_KEY = "dockless.sparkline"
  return {
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
    // One `GET /api/usage` for every service (it used to be one call per service: 22 requests
    // at login with 22 services). Only when something was measured: a daemon without usage
    // monitoring, or with everything stopped, has no history to give.
    seed(list) {
      const measured = (Array.isArray(list) ? list : []).some(
        (view) => typeof view.rss_bytes === "number" || typeof view.cpu_percent === "number",
      )
      if (measured && !seeding) this.load()
    },
    async load() {
      seeding = true
      try {
        const res = await api.allUsage()
        const all = res && res.services && typeof res.services === "object" ? res.services : {}
        for (const [name, answer] of Object.entries(all)) {
          const samples = (answer && Array.isArray(answer.history) ? answer.history : []).map(toSample)
          // Samples from events that arrived meanwhile are kept; the merge orders and caps them.
          if (samples.length > 0 && services().list.some((s) => s.name === name))
            this.history[name] = mergeSamples(this.history[name] || [], samples)
        }
      } catch (e) {
        if (e.status === 401) session().expired()
        // Anything else: the sparklines start from the live samples instead.
      } finally {
        seeding = false
      }
    },
    forget(name) {
      delete this.history[name]
    },
    clear() {
      this.history = {}
    },
  }
}

function readMetric(key) {
  try {
    return localStorage.getItem(key) === "cpu" ? "cpu" : "rss"
  } catch {
    return "rss"
  }
}
