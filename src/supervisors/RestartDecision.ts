// The one_for_one supervision decision for one service, taken when its process ends on its
// own (or could not be spawned at all, as systemd's 203/EXEC): restart after a backoff delay,
// leave it exited (the policy says so), or give up because it restarts too often. The
// intensity is the restarting supervisor's (OTP: a child has none of its own): the service's
// when it is alone, none here when a group counts its restarts. Pure: the actor passes now,
// the run length and a random unit, and carries out the verdict.
import type { IntensitySpec, ServiceSpec } from "../config/ServiceSpec.ts"
import type { ExitInfo } from "../actors/ProcessRunner.ts"
import { nextFailureCount, restartDelay } from "./Backoff.ts"
import { recordRestart } from "./Intensity.ts"
import { shouldRestart } from "./RestartPolicy.ts"

export interface RestartHistory {
  /** Consecutive failures; drives the backoff exponent. */
  readonly failures: number
  /** Times of recent restarts; drives intensity. */
  readonly window: ReadonlyArray<number>
}

export const freshHistory: RestartHistory = { failures: 0, window: [] }

export type Verdict =
  | { readonly _tag: "Restart"; readonly delay: number; readonly history: RestartHistory }
  | { readonly _tag: "Exit" }
  | { readonly _tag: "GiveUp"; readonly reason: string }

export interface ExitFacts {
  readonly exit: ExitInfo
  readonly ranMs: number
  readonly now: number
  readonly unit: number
  /** Dockless stopped the process because of a fault, so even a clean exit is a failure. */
  readonly faulted: boolean
}

/** `intensity`: the limit this decision enforces; undefined when the service's group counts instead. */
export const decide = (
  spec: ServiceSpec,
  history: RestartHistory,
  facts: ExitFacts,
  intensity: IntensitySpec | undefined,
): Verdict => {
  if (!shouldRestart(spec.restart, facts.exit, facts.faulted)) return { _tag: "Exit" }
  const counted =
    intensity === undefined
      ? ({ _tag: "Within", window: [] } as const)
      : recordRestart(history.window, facts.now, intensity)
  if (counted._tag === "Exceeded") return { _tag: "GiveUp", reason: counted.reason }
  const failures = nextFailureCount(spec.backoff, history.failures, facts.ranMs)
  return {
    _tag: "Restart",
    delay: restartDelay(spec.backoff, failures, facts.unit),
    history: { failures, window: counted.window },
  }
}

export const describeExit = (exit: ExitInfo): string =>
  exit.signal !== null ? `killed by ${exit.signal}` : `exited with code ${exit.code ?? "unknown"}`
