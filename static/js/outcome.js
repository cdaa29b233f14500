// How an action on a service turned out, as the event stream tells it: the first view after the
// action that is no longer on its way (starting, stopping) — running for a second, failed, in
// backoff, exited or stopped — or "undecided" at a deadline. A person is told that, never a
// success first and the failure after (a registration that crashes at once read "Registered").

import { services } from "./stores/access.js"
import { isDone } from "./verdict.js"

/** Running this long counts as started: a process that falls over at once does so before. */
export const STEADY_MS = 1000
/** After this the answer is "still on its way": a slow start is not a failure. */
export const OUTCOME_DEADLINE_MS = 10_000

/** Why a view is in trouble, as one phrase: "backoff: exited with code 3". */
export function troubleReason(view) {
  const why = view.error || (view.exit ? describeExit(view.exit) : "")
  return why ? `${view.state}: ${why}` : view.state
}

const describeExit = (exit) =>
  exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code == null ? "unknown" : exit.code}`

/**
 * The outcome a view shows by itself: { kind: "failed", reason } | { kind: "done" } |
 * { kind: "stopped" } | { kind: "running" } (still to be held for STEADY_MS), or null while it
 * is on its way.
 */
export function outcomeOf(view) {
  switch (view.state) {
    case "failed":
    case "backoff":
      return { kind: "failed", reason: troubleReason(view) }
    case "exited":
      if (isDone(view)) return { kind: "done" }
      return view.desired === "running"
        ? { kind: "failed", reason: troubleReason(view) }
        : { kind: "stopped" }
    case "stopped":
      return { kind: "stopped" }
    case "running":
      return { kind: "running" }
    default:
      return null
  }
}

/**
 * Whether a view tells something that happened since `before` (the view when the action was
 * sent): another state, restart, process or exit. Views published before the action took effect
 * (the stream can deliver a PUT's "failed, spec updated" after the start that followed it) do not.
 */
const moved = (view, before) =>
  before === undefined ||
  view.state !== before.state ||
  view.restarts !== before.restarts ||
  view.pid !== before.pid ||
  (view.exit && view.exit.at) !== (before.exit && before.exit.at)

/**
 * Resolves with the outcome of an action on `name` and the view it was read from. `answer` is
 * the view the HTTP call returned; `before` the store's view when the call was sent. Until the
 * stream shows the service has moved on from `before`, the answer stands for it.
 */
export function awaitOutcome(name, answer, before, deadlineMs = OUTCOME_DEADLINE_MS) {
  const Alpine = window.Alpine
  return new Promise((resolve) => {
    let effect = null
    let done = false
    let steady = null
    const current = () => {
      const seen = services().list.find((s) => s.name === name)
      return seen !== undefined && moved(seen, before) ? seen : answer
    }
    const finish = (outcome, view) => {
      if (done) return
      done = true
      clearTimeout(steady)
      clearTimeout(deadline)
      if (effect !== null) Alpine.release(effect)
      resolve({ ...outcome, view })
    }
    const deadline = setTimeout(() => finish({ kind: "undecided" }, current()), deadlineMs)
    effect = Alpine.effect(() => {
      const view = current()
      const outcome = view ? outcomeOf(view) : null
      if (outcome === null || outcome.kind !== "running") {
        clearTimeout(steady)
        steady = null
        if (outcome !== null) finish(outcome, view)
      } else if (steady === null) {
        steady = setTimeout(() => finish(outcome, current()), STEADY_MS)
      }
    })
    // The first run may have finished already, before `effect` was set.
    if (done) Alpine.release(effect)
  })
}
