// An hour of mixed load (SOAK_MINUTES, default 60): 40 idle services, 5 that crash every 2 s
// (`sleep 2; exit 1`, restarted at once), one writing 100 lines a second into a log rotated at
// 1 MiB, one /api/events client reading all the while, GET /api/services every second. RSS and
// fds sampled every 30 s. The requirement: RSS grows by no more than MAX_GROWTH_MIB after the
// warm-up (SOAK_WARMUP_MINUTES, default 10, or a sixth of a shorter run). "RSS at" a time is the
// median of the samples within a minute of it (3 samples), the end is the median of the last 3,
// so one GC's timing does not decide; the slope is a least-squares fit after the warm-up.
// SOAK_HEAP=1 also takes heap snapshots at the end of the warm-up and at the end and prints what
// grew by constructor (with SOAK_BUNDLE=dist-plain/dockless.mjs for readable names); the
// snapshots themselves cost RSS, so such a run's RSS figures do not count.
import { rmSync, statSync } from "node:fs"
import { request } from "node:http"
import { join } from "node:path"
import { census, growth, heapArgs, takeSnapshot } from "./heap.ts"
import {
  Breaches,
  freePort,
  call,
  fdCount,
  FIXTURES,
  killMarked,
  launch,
  median,
  mib,
  prepare,
  report,
  rssBytes,
  sleep,
  slope,
  TOKEN,
  type Running,
} from "./support.ts"

const SCENARIO = "mixed"
export const MAX_GROWTH_MIB = 2
const SAMPLE_MS = 30_000

const services = () =>
  [
    ...Array.from({ length: 40 }, (_, i) => `[services.idle${i}]\ncommand = "sleep"\nargs = ["86400"]\n`),
    ...Array.from(
      { length: 5 },
      (_, i) =>
        `[services.crash${i}]\ncommand = "sh"\nargs = ["-c", "sleep 2; exit 1"]\nrestart = "always"\n` +
        `backoff = { initial = "0ms", factor = 1, jitter = 0 }\n` +
        `intensity = { max_restarts = 1000000, period = "1s" }\n`,
    ),
    `[services.chatty]\ncommand = "node"\nargs = ["${FIXTURES}/ticker.mjs"]\nenv = { INTERVAL = "10" }\n` +
      `log = { max_bytes = "1MiB", keep = 2 }\n`,
  ].join("\n")

/** One /api/events client reading for as long as the run lasts; reconnects (and counts it) if dropped. */
const eventsReader = (port: number) => {
  const state = { frames: 0, bytes: 0, reconnects: -1, closed: false }
  let current: ReturnType<typeof request> | undefined
  const connect = () => {
    if (state.closed) return
    state.reconnects++
    current = request({
      host: "127.0.0.1",
      port,
      path: "/api/events",
      headers: { authorization: `Bearer ${TOKEN}`, accept: "text/event-stream" },
      agent: false,
    })
    current.on("response", (res) => {
      res.on("data", (chunk: Buffer) => {
        state.bytes += chunk.length
        for (let at = chunk.indexOf("\n\n"); at !== -1; at = chunk.indexOf("\n\n", at + 2)) state.frames++
      })
      res.on("close", () => setTimeout(connect, 1000))
    })
    current.on("error", () => undefined)
    current.end()
  }
  connect()
  return {
    state,
    close: () => {
      state.closed = true
      current?.destroy()
    },
  }
}

const inode = (path: string) => {
  try {
    return statSync(path).ino
  } catch {
    return 0
  }
}

const within = (samples: ReadonlyArray<{ t: number; rss: number }>, at: number) =>
  median(samples.filter((s) => Math.abs(s.t - at) <= 45).map((s) => s.rss))

export const mixed = async (
  minutes = Number(process.env["SOAK_MINUTES"] ?? 60),
  warmup = Number(process.env["SOAK_WARMUP_MINUTES"] ?? Math.min(10, minutes / 6)),
) => {
  const breaches = new Breaches(SCENARIO)
  const port = await freePort()
  const soak = prepare(port, services())
  const heap = process.env["SOAK_HEAP"] === "1"
  let daemon: Running | undefined
  const reader: { close: () => void } = { close: () => undefined }
  try {
    daemon = await launch(soak, heap ? heapArgs(soak.dir) : [])
    const pid = daemon.pid
    const events = eventsReader(port)
    reader.close = events.close
    const chattyLog = join(soak.dataDir, "logs/chatty.log")
    const samples: Array<{ t: number; rss: number; fds: number }> = []
    const polls = { ok: 0, failed: 0, latencies: [] as Array<number> }
    const started = Date.now()
    const elapsed = () => (Date.now() - started) / 1000
    let lastInode = inode(chattyLog)
    let rotations = 0
    let nextSample = 0
    let warmSnapshot: string | undefined
    const restartsAt = async () =>
      ((await call(port, "GET", "/api/services")).body as Array<{ name: string; restarts: number }>)
        .filter((v) => v.name.startsWith("crash"))
        .reduce((n, v) => n + v.restarts, 0)
    const restarts0 = await restartsAt()
    while (elapsed() < minutes * 60) {
      const t0 = performance.now()
      try {
        const answer = await call(port, "GET", "/api/services", undefined, 10_000)
        if (answer.status === 200) polls.ok++
        else polls.failed++
      } catch {
        polls.failed++
      }
      polls.latencies.push(performance.now() - t0)
      if (elapsed() >= nextSample) {
        samples.push({ t: Math.round(elapsed()), rss: rssBytes(pid), fds: fdCount(pid) })
        nextSample += SAMPLE_MS / 1000
        const now = inode(chattyLog)
        if (now !== lastInode) rotations++
        lastInode = now
        if (heap && warmSnapshot === undefined && elapsed() >= warmup * 60)
          warmSnapshot = await takeSnapshot(pid, soak.dir)
      }
      await sleep(Math.max(0, 1000 - (performance.now() - t0)))
    }
    const restarts = (await restartsAt()) - restarts0
    const endSnapshot = heap ? await takeSnapshot(pid, soak.dir) : undefined
    events.close()
    const warmAt = warmup * 60
    const rssWarm = within(samples, warmAt)
    const rssEnd = median(samples.slice(-3).map((s) => s.rss))
    const after = samples.filter((s) => s.t >= warmAt)
    const perHour = slope(after.map((s) => [s.t / 3600, s.rss / 1048576] as const))
    const growthMib = (rssEnd - rssWarm) / 1048576
    breaches.check(
      growthMib <= MAX_GROWTH_MIB,
      `RSS grew ${growthMib.toFixed(1)} MiB after the warm-up (at most ${MAX_GROWTH_MIB})`,
    )
    breaches.check(polls.failed === 0, `${polls.failed} polls of /api/services failed`)
    breaches.check(events.state.reconnects === 0, `the event stream dropped ${events.state.reconnects} times`)
    breaches.check(restarts > 0, "the crash loops did not restart")
    const sorted = [...polls.latencies].sort((a, b) => a - b)
    report(SCENARIO, {
      minutes,
      warmup_minutes: warmup,
      rss_start_mib: mib(samples[0]?.rss ?? 0),
      rss_at_warmup_mib: mib(rssWarm),
      rss_end_mib: mib(rssEnd),
      rss_max_mib: mib(Math.max(...samples.map((s) => s.rss))),
      rss_growth_after_warmup_mib: +growthMib.toFixed(2),
      rss_slope_mib_per_hour: +perHour.toFixed(2),
      max_growth_mib: MAX_GROWTH_MIB,
      fds_start: samples[0]?.fds,
      fds_end: samples[samples.length - 1]?.fds,
      fds_max: Math.max(...samples.map((s) => s.fds)),
      crash_restarts: restarts,
      log_rotations_seen: rotations,
      events_frames: events.state.frames,
      events_reconnects: events.state.reconnects,
      polls: polls.ok,
      polls_failed: polls.failed,
      list_p50_ms: +(sorted[Math.floor(sorted.length / 2)] ?? NaN).toFixed(1),
      list_p99_ms: +(sorted[Math.floor(sorted.length * 0.99)] ?? NaN).toFixed(1),
      samples_mib: samples.map((s) => mib(s.rss)),
      breaches: breaches.found.length,
    })
    if (warmSnapshot !== undefined && endSnapshot !== undefined) {
      const before = census(warmSnapshot)
      const later = census(endSnapshot)
      report(SCENARIO, {
        heap_mib_at_warmup: mib(before.totalBytes),
        heap_mib_at_end: mib(later.totalBytes),
        grew: growth(before, later),
      })
    }
    await daemon.stop()
  } finally {
    reader.close()
    await daemon?.kill9()
    killMarked(soak.instance)
  }
  if (breaches.found.length === 0) rmSync(soak.dir, { recursive: true, force: true })
  return breaches
}
