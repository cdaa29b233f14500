// 1000 SSE clients opened and dropped. Waves of WAVE streams (5 of 6 on /api/events, 1 of 6 on a
// chatty service's /logs/stream), kept under the cap of MAX_EVENT_STREAMS; each client waits for
// its first frame, then drops its connection abruptly (half destroy the socket, half reset it).
// Every third wave also fills the cap and sends OVER more, which must each get 503 and leave
// nothing behind. Between waves the daemon must have let go of every stream (its fd count back
// to the baseline). At the end its RSS and fds are compared with the baseline taken before the
// first wave: fds exactly (FD_TOLERANCE), RSS within RSS_TOLERANCE_MIB; and it still answers.
import { rmSync } from "node:fs"
import { request, type ClientRequest } from "node:http"
import { MAX_EVENT_STREAMS } from "../../src/http/HttpLimits.ts"
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
  TOKEN,
  waitFor,
  type Running,
} from "./support.ts"

const SCENARIO = "sse"
const CLIENTS = Number(process.env["SOAK_SSE_CLIENTS"] ?? 1000)
const WAVE = 60
const OVER = 20
export const RSS_TOLERANCE_MIB = 4
export const FD_TOLERANCE = 0

interface Opened {
  readonly status: number
  readonly req: ClientRequest
}

/** Opens one stream; resolves with its status once the first bytes of the body arrived (or at once when not 200). */
const open = (port: number, path: string): Promise<Opened> =>
  new Promise((done, fail) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path,
      agent: false,
      headers: { authorization: `Bearer ${TOKEN}`, accept: "text/event-stream" },
    })
    req.setTimeout(30_000, () => req.destroy(new Error(`${path}: nothing within 30 s`)))
    req.on("error", fail)
    req.on("response", (res) => {
      const status = res.statusCode ?? 0
      if (status !== 200) {
        res.resume()
        res.on("end", () => done({ status, req }))
        return
      }
      res.once("data", () => done({ status, req }))
    })
    req.end()
  })

/** Drops a client abruptly: a plain destroy (FIN) or a reset (RST), without reading on. */
const drop = (opened: Opened, reset: boolean) => {
  const socket = opened.req.socket
  if (reset && socket !== null && !socket.destroyed) socket.resetAndDestroy()
  else opened.req.destroy()
}

/** Median of `n` readings one second apart. */
const settledReading = async (read: () => number, n = 5) => {
  const xs: Array<number> = []
  for (let i = 0; i < n; i++) {
    xs.push(read())
    await sleep(1000)
  }
  return median(xs)
}

export const sse = async () => {
  const breaches = new Breaches(SCENARIO)
  const services =
    `[services.idle]\ncommand = "sleep"\nargs = ["86400"]\n\n` +
    `[services.chatty]\ncommand = "node"\nargs = ["${FIXTURES}/ticker.mjs"]\nenv = { INTERVAL = "100" }\n`
  const port = await freePort()
  const soak = prepare(port, services)
  let daemon: Running | undefined
  try {
    daemon = await launch(soak)
    const pid = daemon.pid
    const paths = (n: number) =>
      Array.from({ length: n }, (_, i) => (i % 6 === 5 ? "/api/services/chatty/logs/stream" : "/api/events"))
    // A first small wave warms up the code paths, so the baseline is the daemon's, not its JIT's.
    const warm = await Promise.all(paths(12).map((p) => open(port, p)))
    warm.forEach((o) => drop(o, false))
    await sleep(5000)
    const rssBefore = await settledReading(() => rssBytes(pid))
    const fdsBefore = await settledReading(() => fdCount(pid))
    let opened = 0
    let refused = 0
    let wave = 0
    let rssPeak = 0
    let fdsPeak = 0
    let releaseMsMax = 0
    while (opened < CLIENTS) {
      wave++
      const streams = await Promise.all(paths(WAVE).map((p) => open(port, p)))
      const bad = streams.filter((s) => s.status !== 200)
      breaches.check(
        bad.length === 0,
        `wave ${wave}: ${bad.length} of ${WAVE} streams answered ${bad.map((s) => s.status)}`,
      )
      opened += streams.length - bad.length
      const extra: Array<Opened> = []
      if (wave % 3 === 0) {
        // Fill the cap, then ask for more: each must be refused with 503 and closed.
        extra.push(...(await Promise.all(paths(MAX_EVENT_STREAMS - WAVE).map((p) => open(port, p)))))
        const over = await Promise.all(paths(OVER).map((p) => open(port, p)))
        const notRefused = over.filter((s) => s.status !== 503)
        breaches.check(
          notRefused.length === 0,
          `wave ${wave}: past the cap, ${notRefused.length} of ${OVER} streams answered ${notRefused.map((s) => s.status)}`,
        )
        refused += over.length - notRefused.length
        opened += extra.filter((s) => s.status === 200).length
        over.forEach((o) => drop(o, false))
      }
      rssPeak = Math.max(rssPeak, rssBytes(pid))
      fdsPeak = Math.max(fdsPeak, fdCount(pid))
      const all = [...streams, ...extra]
      all.forEach((o, i) => drop(o, i % 2 === 1))
      const released = Date.now()
      await waitFor(
        `wave ${wave}: the daemon to let go of its ${all.length} streams`,
        () => (fdCount(pid) <= fdsBefore + FD_TOLERANCE ? true : undefined),
        15_000,
      ).catch((error: unknown) => breaches.add(String(error)))
      releaseMsMax = Math.max(releaseMsMax, Date.now() - released)
    }
    // V8 gives back the heap the waves grew some seconds after the last one.
    await sleep(20_000)
    const rssAfter = await settledReading(() => rssBytes(pid))
    const fdsAfter = await settledReading(() => fdCount(pid))
    breaches.check(
      fdsAfter <= fdsBefore + FD_TOLERANCE,
      `fds not back to baseline: ${fdsBefore} before, ${fdsAfter} after`,
    )
    breaches.check(
      rssAfter - rssBefore <= RSS_TOLERANCE_MIB * 1048576,
      `RSS not back to baseline: ${mib(rssBefore)} MiB before, ${mib(rssAfter)} MiB after`,
    )
    const list = await call(port, "GET", "/api/services")
    breaches.check(list.status === 200, `GET /api/services answered ${list.status} after the waves`)
    const again = await open(port, "/api/events")
    breaches.check(again.status === 200, `a new event stream answered ${again.status} after the waves`)
    drop(again, false)
    report(SCENARIO, {
      clients_opened: opened,
      refused_503: refused,
      waves: wave,
      wave_size: WAVE,
      cap: MAX_EVENT_STREAMS,
      release_max_ms: releaseMsMax,
      rss_before_mib: mib(rssBefore),
      rss_peak_mib: mib(rssPeak),
      rss_after_mib: mib(rssAfter),
      rss_tolerance_mib: RSS_TOLERANCE_MIB,
      fds_before: fdsBefore,
      fds_peak: fdsPeak,
      fds_after: fdsAfter,
      still_answers: list.status === 200 && again.status === 200,
      breaches: breaches.found.length,
    })
    await daemon.stop()
  } finally {
    await daemon?.kill9()
    killMarked(soak.instance)
  }
  if (breaches.found.length === 0) rmSync(soak.dir, { recursive: true, force: true })
  return breaches
}
