// How the dashboard shows numbers and times: durations ("3m 07s"), memory in MiB, percentages,
// config-style durations ("10s"), clock times of log lines and local date-times for tooltips.
// Pure functions; a missing value is shown as DASH.

export const DASH = "–"

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

export const MIB = 1024 * 1024

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

export function formatTime(iso) {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ""
  const pad = (n, w = 2) => String(n).padStart(w, "0")
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

export function formatDateTime(iso) {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString()
}

export const msUntil = (iso, now) => {
  const t = Date.parse(iso)
  return Number.isNaN(t) ? null : t - now
}
