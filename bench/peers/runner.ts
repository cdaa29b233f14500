// `npm run bench -- --peers [--quick]`: Dockless side by side with PM2, supervisord and a bare
// Node floor, on the same workloads in one run. Interleaved: each repetition runs every workload
// on every peer in turn, the peers' order rotated per repetition, so the machine's noise falls
// on all of them alike. Writes bench/results/node-MAJOR.md (and .json), gathers every Node's run
// into BENCHMARKS.md at the repo root, and prints the results as JSON.
import { performance } from "node:perf_hooks"
import { dockless } from "./dockless.ts"
import { floor } from "./floor.ts"
import type { Peer } from "./Peer.ts"
import { pm2 } from "./pm2.ts"
import { machine, render } from "./report.ts"
import type { ApiResult, PeerResults } from "./Results.ts"
import { cleanUpOnInterrupt } from "./Session.ts"
import { SUPERVISORD_MISSING, supervisord } from "./supervisord.ts"
import { saveRun } from "./gather.ts"
import { api, bareHttpRss, capture, idle200, idleRss, MiB, respawn, type Settings } from "./workloads.ts"

const FULL: Settings = {
  quick: false,
  reps: 3,
  kills: 20,
  idleCounts: [1, 50, 1000],
  settleMs: 5000,
  rssWindowMs: 5000,
  cpuWindowMs: 20_000,
  cpuWindowStartsMs: [5000, 60_000],
  captureBytes: 200 * MiB,
  apiSeconds: 10,
  apiConnections: 10,
}

/**
 * Same code paths, fewer repetitions, smaller volumes, shorter windows: under 5 minutes. No
 * 1000-service run: PM2 alone needs about a minute to start and `pm2 kill` 1000 apps.
 */
const QUICK: Settings = {
  quick: true,
  reps: 1,
  kills: 10,
  idleCounts: [1, 50],
  settleMs: 1000,
  rssWindowMs: 2000,
  cpuWindowMs: 5000,
  cpuWindowStartsMs: [5000, 15_000],
  captureBytes: 50 * MiB,
  apiSeconds: 3,
  apiConnections: 10,
}

const rotate = <A>(xs: ReadonlyArray<A>, by: number): Array<A> =>
  xs.map((_, i) => xs[(i + by) % xs.length]).filter((x): x is A => x !== undefined)

export const peersBench = async (quick: boolean, reps?: number) => {
  cleanUpOnInterrupt()
  const s = { ...(quick ? QUICK : FULL), ...(reps !== undefined && reps > 0 ? { reps } : {}) }
  const t0 = performance.now()
  const log = (message: string) =>
    console.error(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${message}`)
  const sd = supervisord()
  if (sd === undefined) console.error(SUPERVISORD_MISSING)
  const peers: Array<Peer> = [pm2(), ...(sd === undefined ? [] : [sd]), floor, dockless]
  const results: Array<PeerResults> = peers.map((peer) => ({
    peer,
    respawnMs: [],
    rssMiB: new Map(),
    coldMs: [],
    cpuEarlyMs: [],
    cpuLateMs: [],
    stopMs: [],
    capture: [],
  }))
  const apiRuns: Array<ApiResult> = []
  const bareHttpMiB: Array<number> = []
  const at = machine()
  const f = (x: number) => x.toFixed(1)
  for (let rep = 0; rep < s.reps; rep++) {
    const order = rotate(results, rep)
    const each = async (what: string, work: (r: PeerResults) => Promise<string>) => {
      for (const r of order) log(`rep ${rep + 1}/${s.reps} ${what} ${r.peer.name}: ${await work(r)}`)
    }
    await each("restart", async (r) => {
      const samples = await respawn(r.peer, s)
      r.respawnMs.push(...samples)
      return samples.map(f).join(" ") + " ms"
    })
    const rss = (count: number) => async (r: PeerResults) => {
      const mib = await idleRss(r.peer, count, s)
      r.rssMiB.set(count, [...(r.rssMiB.get(count) ?? []), mib])
      return `${f(mib)} MiB`
    }
    for (const count of s.idleCounts.filter((n) => n < 200)) await each(`${count} idle`, rss(count))
    bareHttpMiB.push(await bareHttpRss(s))
    log(`rep ${rep + 1}/${s.reps} bare node http server: ${f(bareHttpMiB.at(-1) ?? NaN)} MiB`)
    await each("200 idle", async (r) => {
      const run = await idle200(r.peer, s)
      r.coldMs.push(run.coldMs)
      r.rssMiB.set(200, [...(r.rssMiB.get(200) ?? []), run.rssMiB])
      r.cpuEarlyMs.push(run.cpuEarlyMs)
      r.cpuLateMs.push(run.cpuLateMs)
      r.stopMs.push(run.stopMs)
      return `cold ${run.coldMs.toFixed(0)} ms, ${f(run.rssMiB)} MiB, CPU ${run.cpuEarlyMs} / ${run.cpuLateMs} ms, stop ${run.stopMs.toFixed(0)} ms`
    })
    for (const count of s.idleCounts.filter((n) => n > 200)) await each(`${count} idle`, rss(count))
    await each("log", async (r) => {
      const run = await capture(r.peer, s)
      r.capture.push(run)
      return `${run.mibS.toFixed(0)} MiB/s, CPU ${run.cpuMs} ms, RSS ${f(run.idleRssMiB)} → ${f(run.peakRssMiB)} MiB, ${run.complete ? "every line" : `LINES MISSING (${run.lines}, ${run.otherLines} other)`}`
    })
    const run = await api(dockless, s)
    apiRuns.push(run)
    log(
      `rep ${rep + 1}/${s.reps} API Dockless: ${run.quiet.rps.toFixed(0)} req/s p99 ${run.quiet.p99Ms} ms; logging: p99 ${run.busy.p99Ms} ms`,
    )
  }
  const seconds = (performance.now() - t0) / 1000
  const run = { settings: s, machine: at, results, api: apiRuns, bareHttpMiB, seconds }
  const file = saveRun(run, render(run))
  log(`wrote ${file} and BENCHMARKS.md (${seconds.toFixed(0)} s)`)
  console.log(
    JSON.stringify({
      bench: "peers",
      settings: s,
      results: results.map((r) => ({ ...r, peer: r.peer.version, rssMiB: Object.fromEntries(r.rssMiB) })),
      api: apiRuns,
    }),
  )
}
