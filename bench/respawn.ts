// Time from a service's SIGKILL to its new process existing, with backoff 0: the bench kills
// the child by pid and busy-reads the daemon's children in /proc until a new pid appears.
import { performance } from "node:perf_hooks"
import { childrenOf, median, sleep, startDaemon, waitFor } from "./support.ts"

export const respawn = async (runs = 20) => {
  const daemon = await startDaemon(
    `[services.s]\ncommand = "sleep"\nargs = ["600"]\nrestart = "always"\nbackoff = { initial = 0 }\nintensity = { max_restarts = 1000, period = "1m" }\n`,
    3181,
  )
  const samples: Array<number> = []
  try {
    for (let i = 0; i < runs; i++) {
      const [old] = await waitFor("one child", async () => {
        const kids = childrenOf(daemon.pid)
        return kids.length === 1 ? kids : undefined
      })
      await sleep(50)
      const t0 = performance.now()
      process.kill(old ?? 0, "SIGKILL")
      for (;;) {
        const kids = childrenOf(daemon.pid)
        if (kids.some((k) => k !== old)) break
      }
      samples.push(performance.now() - t0)
    }
  } finally {
    await daemon.stop()
  }
  return { median_ms: median(samples), min_ms: Math.min(...samples), max_ms: Math.max(...samples), runs }
}
