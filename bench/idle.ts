// The daemon's memory and CPU with N idle services (`sleep` children): RSS sampled once a
// second after every service is running (median of the samples), CPU seconds over the window.
import { cpuSeconds, median, rssBytes, sleep, startDaemon, waitFor } from "./support.ts"

export const idle = async (count = 200, seconds = 10, port = 3182, watch = false) => {
  const services = Array.from(
    { length: count },
    (_, i) => `[services.idle${i}]\ncommand = "sleep"\nargs = ["3600"]\n`,
  ).join("")
  const daemon = await startDaemon(services, port)
  try {
    await waitFor(
      `${count} services running`,
      async () => {
        const views: Array<{ state: string }> = await daemon.get("/api/services")
        return views.filter((v) => v.state === "running").length === count ? true : undefined
      },
      120_000,
    )
    // Wait out the monitor's 30 s linger after our own look at /api/services, and let start-up
    // garbage be collected, so the window measures a daemon nobody watches.
    await sleep(watch ? 3000 : 35_000)
    const controller = new AbortController()
    if (watch)
      void fetch(`${daemon.url}/api/events`, {
        headers: { authorization: "Bearer bench-token" },
        signal: controller.signal,
      })
        .then((r) => r.body?.pipeTo(new WritableStream()))
        .catch(() => {})
    const cpu0 = cpuSeconds(daemon.pid)
    const rss: Array<number> = []
    for (let i = 0; i < seconds; i++) {
      await sleep(1000)
      rss.push(rssBytes(daemon.pid))
    }
    const cpu = cpuSeconds(daemon.pid) - cpu0
    controller.abort()
    return {
      services: count,
      rss_mib: +(median(rss) / 1048576).toFixed(1),
      cpu_seconds: +cpu.toFixed(2),
      window_s: seconds,
    }
  } finally {
    await daemon.stop()
  }
}
