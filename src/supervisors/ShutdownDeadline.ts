// How long a shutdown may take before Dockless stops waiting and kills what is left. Services
// stop in reverse dependency order, independent branches at once, so the longest chain of
// stops decides: for each service on it, its stop_timeout, the SIGKILL grace and the slack its
// supervisor allows (stopBound), plus SHUTDOWN_SLACK_MS for the log and state flush after.
// Pure over the tree's order; systemd is told this figure when it is longer than the unit's
// TimeoutStopSec (EXTEND_TIMEOUT_USEC), so the two never disagree.
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import { stopBound } from "./ServiceSupervisor.ts"

export const SHUTDOWN_SLACK_MS = 5000

/**
 * `stopAfter`: for each service, those that must have stopped before it (StartOrder.stopAfter).
 * The deadline is the heaviest chain of stopBound through that graph, plus SHUTDOWN_SLACK_MS.
 */
export const shutdownDeadline = (
  specs: ReadonlyArray<Pick<ServiceSpec, "name" | "stop_timeout">>,
  stopAfter: ReadonlyMap<string, ReadonlyArray<string>>,
): number => {
  const byName = new Map(specs.map((s) => [s.name, s]))
  const longest = new Map<string, number>()
  const chain = (name: string, visiting: ReadonlySet<string>): number => {
    const known = longest.get(name)
    if (known !== undefined) return known
    const spec = byName.get(name)
    if (spec === undefined || visiting.has(name)) return 0
    const inner = new Set(visiting).add(name)
    const before = Math.max(0, ...(stopAfter.get(name) ?? []).map((n) => chain(n, inner)))
    const total = before + stopBound(spec)
    longest.set(name, total)
    return total
  }
  return Math.max(0, ...specs.map((s) => chain(s.name, new Set()))) + SHUTDOWN_SLACK_MS
}
