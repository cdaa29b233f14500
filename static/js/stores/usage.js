// The `usage` store: per-service cpu/memory history for the sparklines, seeded from `GET /usage`
// for services the daemon has measured, then one sample per `usage` event; and which metric the
// sparklines draw ("rss" or "cpu"), remembered in localStorage.

import * as api from "../../api.js"
import { mergeSamples, toSample } from "../sparkline.js"
import { services, session } from "./access.js"

export function usageStore() {
  // Per-service cpu/memory history for the sparklines: seeded from `GET /usage` for services the
  // daemon has measured, then one sample per `usage` event. Histories are frozen arrays replaced
  // whole, so a row's sparkline re-renders when its own history changes and nothing else does.
  const seeding = new Set()
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
  }
}

function readMetric(key) {
  try {
    return localStorage.getItem(key) === "cpu" ? "cpu" : "rss"
  } catch {
    return "rss"
  }
}
