// The restart delay of SPEC section 3: after the n-th consecutive failure wait
// min(max, initial * factor^(n-1)), spread by ±jitter; n returns to 0 once a run lasted
// reset_after. A plain function rather than a Schedule because the dashboard shows
// next_restart_at before the wait begins, and a Schedule reveals its delay only by sleeping.
import type { BackoffSpec } from "../config/ServiceSpec.ts"

/** `unit` is a random number in [0, 1) (Effect's Random, so tests are repeatable). */
export const restartDelay = (spec: BackoffSpec, failures: number, unit: number): number => {
  const base = Math.min(spec.max, spec.initial * spec.factor ** Math.max(0, failures - 1))
  const spread = base * spec.jitter * (2 * unit - 1)
  return Math.max(0, Math.round(base + spread))
}

/** The consecutive-failure count after a run that lasted `ranMs`. */
export const nextFailureCount = (spec: BackoffSpec, failures: number, ranMs: number): number =>
  ranMs >= spec.reset_after ? 1 : failures + 1
