// Time from a service's SIGKILL to its new process running the command, with backoff 0: the
// bench kills the child by pid and busy-reads the daemon's children in /proc until a new pid
// runs `sleep` (not a fork still running Node, nor a credential tool such as setpriv that has not
// yet exec'd the command). RESPAWN_SERVICE_KEYS adds TOML lines to the service's table, e.g.
// `user = "nobody"` to measure the exec chain that identity keys bring.
import { performance } from "node:perf_hooks"
import { argvOf, childrenOf, median, sleep, startDaemon, waitFor } from "./support.ts"

const runsSleep = (pid: number): boolean => argvOf(pid)[0]?.endsWith("sleep") === true

export const respawn = async (runs = 20, extraKeys = process.env["RESPAWN_SERVICE_KEYS"] ?? "") => {
  const daemon = await startDaemon(
    `[services.s]\ncommand = "sleep"\nargs = ["600"]\nrestart = "always"\nbackoff = { initial = 0 }\nintensity = { max_restarts = 1000, period = "1m" }\n${extraKeys}\n`,
    3181,
  )
  const samples: Array<number> = []
  try {
    for (let i = 0; i < runs; i++) {
      const [old] = await waitFor("one child running sleep", async () => {
        const kids = childrenOf(daemon.pid)
        return kids.length === 1 && runsSleep(kids[0] ?? 0) ? kids : undefined
      })
      await sleep(50)
      const t0 = performance.now()
      process.kill(old ?? 0, "SIGKILL")
      for (;;) {
        const kids = childrenOf(daemon.pid)
        if (kids.some((k) => k !== old && runsSleep(k))) break
      }
      samples.push(performance.now() - t0)
    }
  } finally {
    await daemon.stop()
  }
  return {
    median_ms: median(samples),
    min_ms: Math.min(...samples),
    max_ms: Math.max(...samples),
    runs,
    keys: extraKeys,
  }
}
