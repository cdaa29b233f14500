// Usage history and the sparklines drawn from it: one sample per measurement (time, cpu %, rss),
// merging new samples into a windowed, capped, frozen history, and turning a history into SVG
// polyline points and a tooltip summary. Pure functions.

import { formatMiB, formatPercent, MIB } from "./format.js"

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
