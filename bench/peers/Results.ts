// What one run of the side-by-side bench measured: every sample per peer and per workload, the
// API figures of Dockless, the machine and settings; and the medians the report and the targets
// are written from.
import { median } from "../support.ts"
import type { Peer } from "./Peer.ts"
import type { Settings } from "./workloads.ts"

export interface CaptureResult {
  readonly mibS: number
  readonly cpuMs: number
  readonly idleRssMiB: number
  readonly peakRssMiB: number
  readonly complete: boolean
  readonly lines: number
  readonly ownLines: number
  readonly otherLines: number
}

export interface PeerResults {
  readonly peer: Peer
  readonly respawnMs: Array<number>
  readonly rssMiB: Map<number, Array<number>>
  readonly coldMs: Array<number>
  readonly cpuEarlyMs: Array<number>
  readonly cpuLateMs: Array<number>
  readonly stopMs: Array<number>
  readonly capture: Array<CaptureResult>
}

interface Latency {
  readonly rps: number
  readonly p99Ms: number
}
export interface ApiResult {
  readonly quiet: Latency
  readonly busy: Latency
  readonly logMiBs: number
}

export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly ramGiB: number
  readonly kernel: string
  readonly os: string
  readonly node: string
  readonly commit: string
  readonly date: string
  readonly loadAtStart: string
  /** The 1-minute load average at the start. */
  readonly loadAverage: number
}

export interface Run {
  readonly settings: Settings
  readonly machine: Machine
  readonly results: ReadonlyArray<PeerResults>
  readonly api: ReadonlyArray<ApiResult>
  /** RSS of a bare `node` http server (same Node, plainNodeFlags) per repetition, MiB. */
  readonly bareHttpMiB: ReadonlyArray<number>
  readonly seconds: number
}

/** The median, or undefined when nothing was measured. */
export const med = (xs: ReadonlyArray<number>): number | undefined =>
  xs.length === 0 ? undefined : median(xs)

/** Every N whose idle RSS is measured, the 200 of the idle run included. */
export const counts = (s: Settings) => [...s.idleCounts, 200].sort((a, b) => a - b)
