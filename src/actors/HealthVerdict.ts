// What one health probe means for a service, as Docker's HEALTHCHECK reads it: a pass makes a
// starting service running and resets the count; failures inside start_period are forgiven;
// `retries` failures in a row are a fault, and the supervisor restarts the service. Pure.
import type { HealthSpec } from "../config/ServiceSpec.ts"
import type { ProbeResult } from "./Probe.ts"
import type { HealthView } from "./ServiceView.ts"

export interface ProbeFacts {
  readonly result: ProbeResult
  readonly at: number
  readonly startedAt: number
  /** True while the service has not yet passed a check since it was spawned. */
  readonly starting: boolean
  readonly previous: HealthView | null
}

export interface HealthVerdict {
  readonly health: HealthView
  /** The first pass since the spawn: the service is now running. */
  readonly nowRunning: boolean
  /** A pass after the service had been unhealthy. */
  readonly recovered: boolean
  /** Set when the service must be restarted, with the reason for the log. */
  readonly fault: string | undefined
}

export const judgeProbe = (check: HealthSpec, facts: ProbeFacts): HealthVerdict => {
  const checked_at = new Date(facts.at).toISOString()
  const { result, starting, previous } = facts
  if (result._tag === "Passed") {
    return {
      health: { status: "healthy", failures: 0, last_error: null, checked_at },
      nowRunning: starting,
      recovered: !starting && previous?.status === "unhealthy",
      fault: undefined,
    }
  }
  if (starting && facts.at - facts.startedAt < check.start_period) {
    return {
      health: { status: "starting", failures: 0, last_error: result.reason, checked_at },
      nowRunning: false,
      recovered: false,
      fault: undefined,
    }
  }
  const failures = (previous?.failures ?? 0) + 1
  return {
    health: { status: starting ? "starting" : "unhealthy", failures, last_error: result.reason, checked_at },
    nowRunning: false,
    recovered: false,
    fault:
      failures >= check.retries
        ? `health check failed ${failures} times in a row (${result.reason}); restarting`
        : undefined,
  }
}
