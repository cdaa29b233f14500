// What monitoring costs: a daemon with N idle `sleep` services, its CPU seconds over a window
// (a) with nobody watching (the monitor must be asleep) and (b) with one /api/events client
// connected the whole time (a sample of every group each 2 s, one `usage` event per sample),
// and the daemon's RSS in each (median of 1-second samples).
import { cpuSeconds, median, rssBytes, sleep, startDaemon, TOKEN, waitFor } from "./support.ts"

/** A look (GET /api/services) keeps the monitor sampling this long; wait it out before (a). */
const LOOK_WINDOW_MS = 30_000

const measure = async (pid: number, seconds: number) => {
  const cpu0 = cpuSeconds(pid)
  const rss: Array<number> = []
  for (let i = 0; i < seconds; i++) {
    await sleep(1000)
    rss.push(rssBytes(pid))
  }
  const cpu = cpuSeconds(pid) - cpu0
  return {
    cpu_seconds: +cpu.toFixed(2),
    cpu_percent_of_core: +((cpu / seconds) * 100).toFixed(2),
    rss_mib: +(median(rss) / 1048576).toFixed(1),
  }
}

export const monitor = async (count = 500, seconds = 60, port = 3186) => {
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
      180_000,
    )
    await sleep(LOOK_WINDOW_MS + 2000)
    const unwatched = await measure(daemon.pid, seconds)

    const controller = new AbortController()
    let usageEvents = 0
    const response = await fetch(`${daemon.url}/api/events`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: controller.signal,
    })
    void response.body
      ?.pipeThrough(new TextDecoderStream())
      .pipeTo(
        new WritableStream({
          write: (chunk) => {
            usageEvents += chunk.split("event: usage\n").length - 1
          },
        }),
      )
      .catch(() => {})
    await sleep(3000)
    const before = usageEvents
    const watched = await measure(daemon.pid, seconds)
    const events = usageEvents - before
    controller.abort()
    return {
      services: count,
      window_s: seconds,
      unwatched,
      watched: { ...watched, usage_events: events },
    }
  } finally {
    await daemon.stop()
  }
}
