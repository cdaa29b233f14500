// Capture throughput: one service writes BYTES of 64-byte lines to stdout as fast as it can
// (bench/fixtures/firehose.mjs); the clock runs from the start command until every framed
// byte is in the log file (its exact size is known, so a stat tells). The daemon's RSS
// is sampled throughout: it must not grow with the volume. `child > file` is timed as a reference.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { median, ROOT, rssBytes, sleep, startDaemon, waitFor } from "./support.ts"

const chatty = join(ROOT, "bench/fixtures/firehose.mjs")

/** The firehose writes 64-byte lines; each gains "ISO-TIME stdout " (32 bytes) in the log. */
const LINE = 64
const framedSize = (bytes: number) => bytes + (bytes / LINE) * 32

export const capture = async (bytes = 200_000_000, runs = 3) => {
  const results: Array<number> = []
  let peakRss = 0
  let baseRss = 0
  for (let run = 0; run < runs; run++) {
    // Every run starts with no dirty pages left by the one before, so the disk's writeback
    // of an earlier run does not slow a later one down.
    spawnSync("sync")
    const daemon = await startDaemon(
      `[services.chatty]\ncommand = "node"\nargs = ["${chatty}"]\nenv = { BYTES = "${bytes}" }\nautostart = false\nrestart = "never"\nlog = { max_bytes = "4GiB", keep = 1 }\n`,
      3183,
    )
    try {
      await sleep(500)
      baseRss = rssBytes(daemon.pid)
      const log = join(daemon.dir, "data/logs/chatty.log")
      const t0 = performance.now()
      await daemon.post("/api/services/chatty/start")
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(daemon.pid))), 20)
      await waitFor(
        "every byte in the log",
        async () => (existsSync(log) && statSync(log).size >= framedSize(bytes) ? true : undefined),
        300_000,
      )
      const seconds = (performance.now() - t0) / 1000
      clearInterval(sampler)
      results.push(bytes / 1048576 / seconds)
    } finally {
      await daemon.stop()
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "dockless-bench-"))
  spawnSync("sync")
  const t0 = performance.now()
  spawnSync("sh", ["-c", `node ${chatty} > ${join(dir, "out")}`], {
    env: { ...process.env, BYTES: String(bytes) },
  })
  const direct = bytes / 1048576 / ((performance.now() - t0) / 1000)
  rmSync(dir, { recursive: true, force: true })
  return {
    bytes,
    median_mib_s: +median(results).toFixed(0),
    runs: results.map((r) => +r.toFixed(0)),
    child_to_file_mib_s: +direct.toFixed(0),
    daemon_rss_before_mib: +(baseRss / 1048576).toFixed(1),
    daemon_rss_peak_mib: +(peakRss / 1048576).toFixed(1),
  }
}
