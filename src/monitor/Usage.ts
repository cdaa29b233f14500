// One service's resource usage as the API shows it, derived from two readings of its process
// group: CPU percent of one core over the interval between them, CPU seconds as a counter that
// never goes back within one group, resident bytes. Pure: the monitor passes the time in.
import type { ServiceView } from "../actors/ServiceView.ts"
import { TICKS_PER_SECOND, type GroupUsage } from "../os/ProcessTree.ts"

export interface Usage {
  /** The process group (the service's main pid) this usage belongs to. */
  readonly pid: number
  readonly cpu_percent: number | null
  readonly cpu_seconds: number
  readonly rss_bytes: number
}

/** What the monitor keeps of a group between two samples. */
export interface Reading {
  readonly pid: number
  readonly leaderStartTicks: number | undefined
  readonly at: number
  /** The group's raw tick sum at `at` (may drop when a member exits unreaped). */
  readonly rawTicks: number
  /** Monotonic ticks of this group since it was first seen. */
  readonly ticks: number
}

const round = (n: number, digits: number) => {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

const sameGroup = (previous: Reading | undefined, pid: number, group: GroupUsage): previous is Reading =>
  previous !== undefined && previous.pid === pid && previous.leaderStartTicks === group.leaderStartTicks

/**
 * The next reading and the usage it shows. Without an earlier reading of the same group the
 * CPU percent is the average over the leader's life (what `ps` shows), so a first look has a value.
 */
export const nextReading = (
  previous: Reading | undefined,
  pid: number,
  group: GroupUsage,
  at: number,
): { readonly reading: Reading; readonly usage: Usage } => {
  let ticks: number
  let percent: number | null
  if (sameGroup(previous, pid, group) && at > previous.at) {
    const delta = Math.max(0, group.cpuTicks - previous.rawTicks)
    ticks = previous.ticks + delta
    percent = (delta / TICKS_PER_SECOND / ((at - previous.at) / 1000)) * 100
  } else {
    ticks = sameGroup(previous, pid, group) ? Math.max(previous.ticks, group.cpuTicks) : group.cpuTicks
    percent =
      group.leaderAgeTicks === undefined || group.leaderAgeTicks <= 0
        ? null
        : (group.cpuTicks / group.leaderAgeTicks) * 100
  }
  return {
    reading: { pid, leaderStartTicks: group.leaderStartTicks, at, rawTicks: group.cpuTicks, ticks },
    usage: {
      pid,
      cpu_percent: percent === null ? null : round(percent, 1),
      cpu_seconds: round(ticks / TICKS_PER_SECOND, 2),
      rss_bytes: group.rssBytes,
    },
  }
}

/** The view with the usage of its current process group merged in; unknown fields stay null. */
export const withUsage = (view: ServiceView, usage: Usage | undefined): ServiceView =>
  usage === undefined || view.pid !== usage.pid
    ? view
    : { ...view, cpu_percent: usage.cpu_percent, cpu_seconds: usage.cpu_seconds, rss_bytes: usage.rss_bytes }
