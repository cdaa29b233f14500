// Which observations one target sends, as a pure step with `now` passed in: its `events` and
// `services` filters, its crash-loop window (N restarts of one service within a period, as OTP's
// intensity counts them), dedupe (one message per service and kind within a window: superlance
// crashmail mails every crash of a restart loop, #108) and a rate limit whose held-back count is
// said in the next message sent. Only what passes reaches the target's delivery queue.
import type { NotifySpec } from "../config/NotifySpec.ts"
import { Alert, kindOf, serviceOf } from "./Alert.ts"
import type { Observation } from "./ViewAlerts.ts"

export interface GateState {
  /** Recent restart times per service, within crash_loop.within. */
  readonly restarts: ReadonlyMap<string, ReadonlyArray<number>>
  /** When each `kind service` key was last sent. */
  readonly lastSent: ReadonlyMap<string, number>
  /** When messages were sent, within rate_limit.per. */
  readonly sent: ReadonlyArray<number>
  /** Held back by the rate limit since the last message sent. */
  readonly suppressed: number
}

export const emptyGate: GateState = { restarts: new Map(), lastSent: new Map(), sent: [], suppressed: 0 }

export type Verdict =
  | { readonly _tag: "Send"; readonly alert: Alert; readonly suppressed: number }
  /** Not for this target (its events or services), or a restart that is no loop yet. */
  | { readonly _tag: "Ignored" }
  | { readonly _tag: "Deduped"; readonly alert: Alert }
  | { readonly _tag: "RateLimited"; readonly alert: Alert }

const ignored: Verdict = { _tag: "Ignored" }

const escapeRegex = (text: string) => text.replace(/[\\^$.+()[\]{}|]/g, "\\$&")

/** A test for service names: shell-style globs (`*`, `?`), all names when there are none. */
export const globMatcher = (globs: ReadonlyArray<string>): ((name: string) => boolean) => {
  if (globs.length === 0) return () => true
  const regex = new RegExp(
    `^(?:${globs.map((g) => escapeRegex(g).replaceAll("*", ".*").replaceAll("?", ".")).join("|")})$`,
  )
  return (name) => regex.test(name)
}

/** A target's spec with its globs compiled once. */
export interface Policy {
  readonly spec: NotifySpec
  readonly covers: (service: string) => boolean
}

export const policyOf = (spec: NotifySpec): Policy => ({ spec, covers: globMatcher(spec.services) })

/** A restart: a crash-loop alert once the window holds `restarts` of them, else nothing to send. */
const onRestart = (
  gate: GateState,
  policy: Policy,
  service: string,
  now: number,
): readonly [GateState, Alert | undefined] => {
  const { restarts, within } = policy.spec.crash_loop
  const window = [...(gate.restarts.get(service) ?? []).filter((at) => now - at < within), now]
  const next = new Map(gate.restarts)
  next.set(service, window.slice(-restarts))
  const looping = window.length >= restarts
  return [
    { ...gate, restarts: next },
    looping ? Alert.CrashLoop({ service, restarts: window.length, within, at: now }) : undefined,
  ]
}

const dedupeKey = (alert: Alert) => `${kindOf(alert)} ${serviceOf(alert) ?? ""}`

/** Dedupe, then the rate limit, for an alert this target wants. */
const throttle = (
  gate: GateState,
  spec: NotifySpec,
  alert: Alert,
  now: number,
): readonly [GateState, Verdict] => {
  const key = dedupeKey(alert)
  const last = gate.lastSent.get(key)
  if (last !== undefined && now - last < spec.dedupe) return [gate, { _tag: "Deduped", alert }]
  const sent = gate.sent.filter((at) => now - at < spec.rate_limit.per)
  if (sent.length >= spec.rate_limit.messages)
    return [
      { ...gate, sent, suppressed: gate.suppressed + 1 },
      { _tag: "RateLimited", alert },
    ]
  const lastSent = new Map(gate.lastSent)
  lastSent.set(key, now)
  return [
    { ...gate, lastSent, sent: [...sent, now], suppressed: 0 },
    { _tag: "Send", alert, suppressed: gate.suppressed },
  ]
}

export const admit = (
  gate: GateState,
  policy: Policy,
  observation: Observation,
  now: number,
): readonly [GateState, Verdict] => {
  const { spec } = policy
  if (observation._tag === "Restarted") {
    if (!spec.events.includes("crash_loop") || !policy.covers(observation.service)) return [gate, ignored]
    const [next, alert] = onRestart(gate, policy, observation.service, now)
    return alert === undefined ? [next, ignored] : throttle(next, spec, alert, now)
  }
  const { alert } = observation
  const kind = kindOf(alert)
  const service = serviceOf(alert)
  if (kind !== "test" && !spec.events.includes(kind)) return [gate, ignored]
  if (service !== null && !policy.covers(service)) return [gate, ignored]
  return throttle(gate, spec, alert, now)
}
