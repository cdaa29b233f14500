// Crash storm: 100 services that exit at once ("false"), restarted always after 10 ms, with an
// intensity they never reach, for SOAK_STORM_SECONDS (default 300). The daemon's RSS and open
// fds are sampled every 5 s, GET /api/services is timed ten times a second (as bench/storm.ts).
// Flat means: the median of the last 10% of samples is within FLAT_RSS_MIB (RSS) or
// FLAT_FDS (fds) of the median of the samples after the first minute. The storm is started
// through the API after a quiet baseline, so "before" is the same daemon's.
import { rmSync } from "node:fs"
import { performance } from "node:perf_hooks"
import {
  Breaches,
  freePort,
  call,
  cpuSeconds,
  fdCount,
  killMarked,
  launch,
  markedProcesses,
  median,
  mib,
  percentile,
  prepare,
  report,
  rssBytes,
  sleep,
  TOKEN,
  waitFor,
  type Running,
} from "./support.ts"

const SCENARIO = "storm"
export const FLAT_RSS_MIB = 2
/** Each live child holds a few pipes; at a sample 0-100 of them are between spawn and exit. */
export const FLAT_FDS = 16
const SAMPLE_MS = 5000

const crashers = (count: number) =>
  Array.from(
    { length: count },
    (_, i) =>
      `[services.crash${i}]\ncommand = "false"\nautostart = false\nrestart = "always"\n` +
      `backoff = { initial = "10ms", factor = 1, jitter = 0 }\nintensity = { max_restarts = 1000000, period = "1s" }\n`,
  ).join("")

/** first / min / max / last of a series, and whether it is flat by `tolerance` (see the header). */
export const series = (xs: ReadonlyArray<number>, perMinute: number, tolerance: number) => {
  const settled = xs.slice(perMinute)
  const tail = xs.slice(Math.max(perMinute, Math.floor(xs.length * 0.9)))
  const settledMedian = median(settled)
  const tailMedian = median(tail)
  return {
    first: xs[0] ?? NaN,
    min: Math.min(...xs),
    max: Math.max(...xs),
    last: xs[xs.length - 1] ?? NaN,
    median_after_1_min: settledMedian,
    median_last_10pct: tailMedian,
    flat: Math.abs(tailMedian - settledMedian) <= tolerance,
  }
}

const totalRestarts = async (port: number) =>
  ((await call(port, "GET", "/api/services")).body as Array<{ restarts: number }>).reduce(
    (n, v) => n + v.restarts,
    0,
  )

export const storm = async (count = 100, seconds = Number(process.env["SOAK_STORM_SECONDS"] ?? 300)) => {
  const breaches = new Breaches(SCENARIO)
  const port = await freePort()
  const soak = prepare(port, crashers(count))
  let daemon: Running | undefined
  try {
    daemon = await launch(soak)
    const pid = daemon.pid
    await sleep(5000)
    const rssBefore = rssBytes(pid)
    const fdsBefore = fdCount(pid)
    // All at once, as "start all" does; a start that waits past its 10 s bound is answered 503
    // but still carried out, so the storm is measured once every loop has restarted.
    const t0 = performance.now()
    const starts = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const answer = await call(port, "POST", `/api/services/crash${i}/start`)
        return { status: answer.status, ms: performance.now() - t0 }
      }),
    )
    await waitFor(
      "every crash loop to have restarted",
      async () =>
        ((await call(port, "GET", "/api/services")).body as Array<{ restarts: number }>).every(
          (v) => v.restarts > 0,
        )
          ? true
          : undefined,
      60_000,
    ).catch((error: unknown) => breaches.add(String(error)))
    const cpu0 = cpuSeconds(pid)
    const restarts0 = await totalRestarts(port)
    const started = performance.now()
    const latencies: Array<number> = []
    const rss: Array<number> = []
    const fds: Array<number> = []
    let nextSample = started
    const headers = { authorization: `Bearer ${TOKEN}` }
    while (performance.now() - started < seconds * 1000) {
      const t0 = performance.now()
      const res = await fetch(`http://127.0.0.1:${port}/api/services`, { headers })
      await res.arrayBuffer()
      latencies.push(performance.now() - t0)
      breaches.check(res.status === 200, `GET /api/services answered ${res.status} during the storm`)
      if (performance.now() >= nextSample) {
        rss.push(rssBytes(pid))
        fds.push(fdCount(pid))
        nextSample += SAMPLE_MS
      }
      await sleep(100)
    }
    const elapsed = (performance.now() - started) / 1000
    const cpu = cpuSeconds(pid) - cpu0
    const restarts = (await totalRestarts(port)) - restarts0
    const perMinute = 60_000 / SAMPLE_MS
    const rssSeries = series(
      rss.map((b) => b / 1048576),
      perMinute,
      FLAT_RSS_MIB,
    )
    const fdSeries = series(fds, perMinute, FLAT_FDS)
    breaches.check(rssSeries.flat, `RSS is not flat: ${JSON.stringify(rssSeries)}`)
    breaches.check(fdSeries.flat, `open fds are not flat: ${JSON.stringify(fdSeries)}`)
    // The storm ends with the daemon: every crash loop's process must go with it.
    await daemon.stop()
    const left = markedProcesses(soak.instance)
    breaches.check(left.size === 0, `processes left after the stop: ${JSON.stringify([...left])}`)
    const round = (o: Record<string, number | boolean>) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "number" ? +v.toFixed(1) : v]))
    report(SCENARIO, {
      services: count,
      starts_202: starts.filter((a) => a.status === 202).length,
      starts_503: starts.filter((a) => a.status === 503).length,
      start_max_ms: Math.round(Math.max(...starts.map((a) => a.ms))),
      seconds: Math.round(elapsed),
      restarts_per_s: +(restarts / elapsed).toFixed(1),
      cpu_percent_of_core: +((cpu / elapsed) * 100).toFixed(1),
      list_p50_ms: +median(latencies).toFixed(1),
      list_p99_ms: +percentile(latencies, 99).toFixed(1),
      list_max_ms: +Math.max(...latencies).toFixed(1),
      rss_before_mib: mib(rssBefore),
      rss_mib: round(rssSeries),
      flat_rss_within_mib: FLAT_RSS_MIB,
      fds_before: fdsBefore,
      fds: round(fdSeries),
      flat_fds_within: FLAT_FDS,
      samples: rss.length,
      breaches: breaches.found.length,
    })
  } finally {
    await daemon?.kill9()
    killMarked(soak.instance)
  }
  if (breaches.found.length === 0) rmSync(soak.dir, { recursive: true, force: true })
  return breaches
}
