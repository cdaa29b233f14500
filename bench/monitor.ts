// What monitoring costs: a daemon with N idle `sleep` services, its CPU seconds over a window
// (a) with nobody watching (the monitor must be asleep) and (b) with one /api/events client
// connected the whole time (a sample of every group each 2 s, one `usage` event per sample),
// and the daemon's RSS in each (median of 1-second samples).
import {
  idleServices,
  LOOK_WINDOW_MS,
  measureWindow,
  sleep,
  startDaemon,
  TOKEN,
  waitAllRunning,
} from "./support.ts"

export const monitor = async (count = 500, seconds = 60, port = 3186) => {
  const daemon = await startDaemon(idleServices(count), port)
  try {
    await waitAllRunning(daemon, count, 180_000)
    await sleep(LOOK_WINDOW_MS + 2000)
    const unwatched = await measureWindow(daemon.pid, seconds)

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
    const watched = await measureWindow(daemon.pid, seconds)
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
