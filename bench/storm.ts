// Storm protection: 100 services that crash as soon as they start, restarted with a 10 ms
// backoff, for `seconds`. Measured meanwhile: GET /api/services latency (p50/p99, ten requests
// a second), the daemon's CPU (% of one core) and RSS against its value before the storm
// (sampled every `sampleMs`: STORM_SAMPLE_MS, 5 s by default), and how many restarts the tree
// let through. The crash loops start through the API after a quiet baseline, so the RSS before
// the storm is the same daemon's.
import { performance } from "node:perf_hooks"
import { cpuSeconds, median, rssBytes, sleep, startDaemon } from "./support.ts"

const STORM = (count: number) =>
  Array.from(
    { length: count },
    (_, i) =>
      `[services.crash${i}]\ncommand = "false"\nautostart = false\nrestart = "always"\n` +
      `backoff = { initial = "10ms", factor = 1, jitter = 0 }\nintensity = { max_restarts = 1000000, period = "1s" }\n`,
  ).join("")

const percentile = (xs: ReadonlyArray<number>, p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

export const storm = async (count = 100, seconds = 300, sampleMs = 5000) => {
  const daemon = await startDaemon(STORM(count), 3184)
  try {
    await sleep(5000)
    const rssBefore = rssBytes(daemon.pid)
    await Promise.all(Array.from({ length: count }, (_, i) => daemon.post(`/api/services/crash${i}/start`)))
    const cpu0 = cpuSeconds(daemon.pid)
    const restarts0 = await totalRestarts(daemon.get)
    const started = performance.now()
    const latencies: Array<number> = []
    const rss: Array<number> = []
    let nextRss = started
    while (performance.now() - started < seconds * 1000) {
      const t0 = performance.now()
      await daemon.get("/api/services")
      latencies.push(performance.now() - t0)
      if (performance.now() >= nextRss) {
        rss.push(rssBytes(daemon.pid))
        nextRss += sampleMs
      }
      await sleep(100)
    }
    const elapsed = (performance.now() - started) / 1000
    const cpu = cpuSeconds(daemon.pid) - cpu0
    const restarts = (await totalRestarts(daemon.get)) - restarts0
    const mib = (b: number) => +(b / 1048576).toFixed(1)
    return {
      services: count,
      seconds: Math.round(elapsed),
      list_p50_ms: +median(latencies).toFixed(1),
      list_p99_ms: +percentile(latencies, 99).toFixed(1),
      list_max_ms: +Math.max(...latencies).toFixed(1),
      cpu_percent_of_core: +((cpu / elapsed) * 100).toFixed(1),
      restarts_per_s: +(restarts / elapsed).toFixed(1),
      rss_before_mib: mib(rssBefore),
      rss_max_mib: mib(Math.max(...rss)),
      rss_end_mib: mib(rss[rss.length - 1] ?? 0),
      rss_drift_mib: mib(Math.max(...rss) - rssBefore),
      rss_median_drift_mib: mib(median(rss) - rssBefore),
      rss_every_30s_mib: rss.filter((_, i) => i % Math.max(1, Math.round(30_000 / sampleMs)) === 0).map(mib),
    }
  } finally {
    await daemon.stop()
  }
}

const totalRestarts = async (get: (path: string) => Promise<any>) =>
  ((await get("/api/services")) as Array<{ restarts: number }>).reduce((n, v) => n + v.restarts, 0)
