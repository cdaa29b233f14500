// Preloaded into a daemon under diagnosis (the soak adds `--import test/soak/memprobe.mjs` when
// SOAK_MEMPROBE=FILE is set): every SOAK_MEMPROBE_MS (default 5000) it appends one JSON line to
// FILE with process.memoryUsage() (rss, heapTotal, heapUsed, external, arrayBuffers), the active
// handles by type and the event loop's delay (p50/p99/max ms) since the line before, so a
// growing RSS can be told apart (JS heap, Buffers, native) and a slow API explained.
import { appendFileSync } from "node:fs"
import { monitorEventLoopDelay } from "node:perf_hooks"

const file = process.env.SOAK_MEMPROBE
const every = Number(process.env.SOAK_MEMPROBE_MS ?? 5000)
if (file !== undefined) {
  const started = Date.now()
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  const ms = (ns) => Math.round(ns / 1e5) / 10
  setInterval(() => {
    const handles = {}
    for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1
    const loop = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) }
    delay.reset()
    const line = { s: Math.round((Date.now() - started) / 1000), ...process.memoryUsage(), handles, loop }
    appendFileSync(file, JSON.stringify(line) + "\n")
  }, every).unref()
}
