// SIGTERM to exit with `loops` crash-looping services (10 ms backoff) and `idle` idle ones:
// the tree stops every branch concurrently, so this costs about one stop, not their sum.
import { performance } from "node:perf_hooks"
import { idleServices, median, sleep, startDaemon, waitFor } from "./support.ts"

const loopers = (count: number) =>
  Array.from(
    { length: count },
    (_, i) =>
      `[services.crash${i}]\ncommand = "false"\nrestart = "always"\n` +
      `backoff = { initial = "10ms", factor = 1, jitter = 0 }\nintensity = { max_restarts = 1000000, period = "1s" }\n`,
  ).join("")

export const shutdown = async (loops = 100, idle = 100, runs = 3) => {
  const samples: Array<number> = []
  for (let run = 0; run < runs; run++) {
    const daemon = await startDaemon(loopers(loops) + idleServices(idle), 3185)
    await waitFor(
      "idle services running and loops looping",
      async () => {
        const views: Array<{ name: string; state: string; restarts: number }> =
          await daemon.get("/api/services")
        const up = views.filter((v) => v.name.startsWith("idle") && v.state === "running").length
        const looping = views.filter((v) => v.name.startsWith("crash") && v.restarts > 2).length
        return up === idle && looping === loops ? true : undefined
      },
      120_000,
    )
    await sleep(2000)
    const exited = new Promise((r) => daemon.child.once("exit", r))
    const t0 = performance.now()
    daemon.child.kill("SIGTERM")
    await exited
    samples.push(performance.now() - t0)
    await daemon.stop()
  }
  return { loops, idle, median_ms: Math.round(median(samples)), samples_ms: samples.map(Math.round) }
}
