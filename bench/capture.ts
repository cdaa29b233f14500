// Capture throughput beside the bare-Node floor (and PM2 with `--pm2`, and another build of
// Dockless with CAPTURE_BEFORE=path/to/dockless.mjs), in one run, interleaved:
// each repetition runs the peers' `capture` workload (bench/peers/workloads.ts: the gated
// firehose writes BYTES of 64-byte lines; clocked until every line is in the log, then every
// line checked) and their restart workload on every peer, the order rotated per repetition so
// the machine's noise falls on all alike. Medians per peer and Dockless's ratios to each.
import { cpus, loadavg } from "node:os"
import { dockless, docklessFrom } from "./peers/dockless.ts"
import { floor } from "./peers/floor.ts"
import type { Peer } from "./peers/Peer.ts"
import { pm2 } from "./peers/pm2.ts"
import { capture as captureRun, MiB, respawn } from "./peers/workloads.ts"
import { median } from "./support.ts"

interface Figures {
  readonly mibS: Array<number>
  readonly cpuMsPerMiB: Array<number>
  readonly rssGrowthMiB: Array<number>
  readonly restartMs: Array<number>
  complete: boolean
}

const round = (x: number, digits = 2) => +x.toFixed(digits)

export const capture = async (options: {
  bytes: number
  reps: number
  kills: number
  pm2: boolean
  before: string | undefined
}) => {
  const before =
    options.before === undefined
      ? []
      : [docklessFrom(options.before, "Dockless before", `Dockless ${options.before}`)]
  const peers: Array<Peer> = [floor, dockless, ...before, ...(options.pm2 ? [pm2()] : [])]
  const figures = new Map<Peer, Figures>(
    peers.map((p) => [p, { mibS: [], cpuMsPerMiB: [], rssGrowthMiB: [], restartMs: [], complete: true }]),
  )
  const load = [loadavg()[0] ?? 0]
  for (let rep = 0; rep < options.reps; rep++) {
    const order = peers.map((_, i) => peers[(i + rep) % peers.length]).filter((p) => p !== undefined)
    for (const peer of order) {
      const f = figures.get(peer)
      if (f === undefined) continue
      const run = await captureRun(peer, { captureBytes: options.bytes })
      f.mibS.push(run.mibS)
      f.cpuMsPerMiB.push(run.cpuMs / (options.bytes / MiB))
      f.rssGrowthMiB.push(run.peakRssMiB - run.idleRssMiB)
      f.complete &&= run.complete
      const restarts = await respawn(peer, { kills: options.kills })
      f.restartMs.push(...restarts)
      console.error(
        `rep ${rep + 1}/${options.reps} ${peer.name}: ${run.mibS.toFixed(0)} MiB/s, ` +
          `${(run.cpuMs / (options.bytes / MiB)).toFixed(2)} ms CPU/MiB, RSS +${(run.peakRssMiB - run.idleRssMiB).toFixed(1)} MiB, ` +
          `restart median ${median(restarts).toFixed(1)} ms, ${run.complete ? "every line" : "LINES MISSING"}`,
      )
    }
    load.push(loadavg()[0] ?? 0)
  }
  const med = (peer: Peer, key: "mibS" | "cpuMsPerMiB" | "rssGrowthMiB" | "restartMs") =>
    median(figures.get(peer)?.[key] ?? [])
  const ratio = (key: "mibS" | "cpuMsPerMiB" | "restartMs", other: Peer) =>
    round(med(dockless, key) / med(other, key))
  return {
    bytes: options.bytes,
    reps: options.reps,
    cores: cpus().length,
    load_average_1m: load.map((x) => round(x, 1)),
    peers: peers.map((peer) => ({
      peer: peer.version,
      mib_s: round(med(peer, "mibS"), 0),
      runs_mib_s: (figures.get(peer)?.mibS ?? []).map((x) => round(x, 0)),
      cpu_ms_per_mib: round(med(peer, "cpuMsPerMiB")),
      runs_cpu_ms_per_mib: (figures.get(peer)?.cpuMsPerMiB ?? []).map((x) => round(x)),
      rss_growth_mib: round(med(peer, "rssGrowthMiB"), 1),
      runs_rss_growth_mib: (figures.get(peer)?.rssGrowthMiB ?? []).map((x) => round(x, 1)),
      restart_median_ms: round(med(peer, "restartMs")),
      every_line: figures.get(peer)?.complete ?? false,
    })),
    dockless_over: Object.fromEntries(
      peers
        .filter((peer) => peer !== dockless)
        .map((peer) => [
          peer.name,
          {
            mib_s: ratio("mibS", peer),
            cpu_per_mib: ratio("cpuMsPerMiB", peer),
            restart: ratio("restartMs", peer),
          },
        ]),
    ),
  }
}
