// The daemon's memory and CPU with N idle services (`sleep` children), nobody watching: RSS
// sampled once a second (median) and CPU seconds over the window, once every service runs and
// the monitor's linger after the bench's own look has passed.
import { idleServices, LOOK_WINDOW_MS, measureWindow, sleep, startDaemon, waitAllRunning } from "./support.ts"

export const idle = async (count = 200, seconds = 10, port = 3182) => {
  const daemon = await startDaemon(idleServices(count), port)
  try {
    await waitAllRunning(daemon, count, 120_000)
    await sleep(LOOK_WINDOW_MS + 5000)
    return { services: count, ...(await measureWindow(daemon.pid, seconds)), window_s: seconds }
  } finally {
    await daemon.stop()
  }
}
