// Preloaded into a daemon under diagnosis (`node --import test/soak/memprobe.mjs`, with
// SOAK_MEMPROBE=FILE): every SOAK_MEMPROBE_MS (default 5000) appends one JSON line to FILE with
// process.memoryUsage() (rss, heapTotal, heapUsed, external, arrayBuffers) and the daemon's
// active handles by type, so a growing RSS can be told apart: JS heap, Buffers, or native.
import { appendFileSync } from "node:fs"

const file = process.env.SOAK_MEMPROBE
const every = Number(process.env.SOAK_MEMPROBE_MS ?? 5000)
if (file !== undefined) {
  const started = Date.now()
  setInterval(() => {
    const handles = {}
    for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1
    appendFileSync(
      file,
      JSON.stringify({ s: Math.round((Date.now() - started) / 1000), ...process.memoryUsage(), handles }) +
        "\n",
    )
  }, every).unref()
}
