// The log viewer's time range between ISO times (what the API takes) and the values of
// <input type="datetime-local"> (local wall-clock time, to the second). Pure.

const pad = (n) => String(n).padStart(2, "0")

/** An ISO time as a datetime-local value in this browser's time zone; "" when it is not a time. */
export function toLocalInput(iso) {
  const d = new Date(iso)
  if (!iso || Number.isNaN(d.getTime())) return ""
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  )
}

/**
 * A datetime-local value as an ISO time, or null when empty or not a time. The end of a range
 * takes in its whole last second (or minute, when the value has no seconds).
 */
export function fromLocalInput(value, { end = false } = {}) {
  if (!value) return null
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return null
  const whole = value.length > 16 ? 999 : 59_999
  return new Date(d.getTime() + (end ? whole : 0)).toISOString()
}
