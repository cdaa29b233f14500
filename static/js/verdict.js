// What a ServiceView means to a person, as one verdict per row: is it in trouble, what its badge
// says (a crash loop is not "running", a failing health check is "unhealthy", a oneshot that
// succeeded is "done"), and where it sorts (trouble first). Pure: the view and `now` go in.

/** Restarts within a minute from which a service reads as crash-looping. */
export const CRASH_LOOP_RESTARTS = 3
const MINUTE = 60_000

/** "18 restarts in 1 min" while the restarts keep coming; "" otherwise. */
export function crashLoop(s, now) {
  const n = typeof s.recent_restarts === "number" ? s.recent_restarts : 0
  const at = s.last_restart_at ? Date.parse(s.last_restart_at) : NaN
  if (n < CRASH_LOOP_RESTARTS || !(now - at < MINUTE)) return ""
  return `${n} restarts in 1 min`
}

/** Health as a live service's badge shows it; null when the service has no process (no badge). */
export function healthOf(s) {
  const h = s.health
  if (!h || !["starting", "running"].includes(s.state)) return null
  // Failures while it starts count too: a check that never passes is unhealthy, not "starting".
  if (h.status === "unhealthy" || (h.failures > 0 && h.last_error))
    return { status: "unhealthy", error: h.last_error }
  return { status: h.status, error: h.last_error }
}

/** A oneshot whose last run succeeded and that is not running now: its work is done. */
export function isDone(s) {
  return Boolean(
    s.spec &&
    s.spec.type === "oneshot" &&
    s.state === "exited" &&
    s.last_run &&
    s.last_run.outcome === "success",
  )
}

/**
 * The verdict's name, one of the filter chips: failed, backoff, crash-loop, unhealthy, starting,
 * running, done, stopped (stopped, exited by its policy, stopping).
 */
export function verdictOf(s, now) {
  if (s.state === "failed") return "failed"
  // Before backoff: a loop says more than the wait between two of its restarts.
  if (crashLoop(s, now)) return "crash-loop"
  if (s.state === "backoff") return "backoff"
  const h = healthOf(s)
  if (h && h.status === "unhealthy") return "unhealthy"
  if (s.state === "starting") return "starting"
  if (s.state === "running") return "running"
  if (isDone(s)) return "done"
  if (s.state === "exited" && s.desired === "running" && !(s.spec && s.spec.type === "oneshot"))
    return "failed"
  return "stopped"
}

export const VERDICTS = [
  "failed",
  "backoff",
  "crash-loop",
  "unhealthy",
  "starting",
  "running",
  "done",
  "stopped",
]
export const TROUBLE = ["failed", "backoff", "crash-loop", "unhealthy"]

export function inTrouble(s, now) {
  return TROUBLE.includes(verdictOf(s, now))
}

/** Sort rank: trouble first, in the order of VERDICTS. */
export function rankOf(s, now) {
  return VERDICTS.indexOf(verdictOf(s, now))
}
