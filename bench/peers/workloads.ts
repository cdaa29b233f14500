// The workloads of the side-by-side bench. Each runs one peer at a time and measures it from
// outside, the same way for every peer: processes, RSS and CPU from /proc (the daemon's
// utime + stime), captured output from the log file the peer writes. A service process counts
// as alive once it has exec'd its program (its argv is the service's): a forked copy of the
// daemon that has not exec'd yet, or a zombie, does not.
import { execFileSync, spawn } from "node:child_process"
import { closeSync, constants, existsSync, openSync, readSync, statSync, writeSync } from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { Schema } from "effect"
import { argvOf, childrenOf, cpuSeconds, isGone, median, ROOT, rssBytes, sleep, waitFor } from "../support.ts"
import { plainNodeFlags } from "../../src/version.ts"
import { exitOf, type Peer, type Running, type ServiceDef } from "./Peer.ts"
import { withPeer, type Session } from "./Session.ts"

export interface Settings {
  readonly quick: boolean
  readonly reps: number
  /** SIGKILLs per repetition of the restart workload. */
  readonly kills: number
  /** Idle services whose daemon RSS is measured, besides the 200 of the idle run. */
  readonly idleCounts: ReadonlyArray<number>
  /** From all services alive to the RSS window, and that window's length. */
  readonly settleMs: number
  readonly rssWindowMs: number
  /** The two CPU windows of the 200-service run: their length and when each starts after all are up. */
  readonly cpuWindowMs: number
  readonly cpuWindowStartsMs: readonly [number, number]
  readonly captureBytes: number
  readonly apiSeconds: number
  readonly apiConnections: number
}

/** Every idle service runs this same absolute path, so every peer execs the same program. */
const SLEEP = execFileSync("sh", ["-c", "command -v sleep"], { encoding: "utf8" }).trim()
const IDLE_ARG = "3600"
const FIREHOSE = join(ROOT, "bench/fixtures/gated-firehose.mjs")
const AUTOCANNON = join(ROOT, "node_modules/autocannon/autocannon.js")
/** The firehose's line, without its newline: 64 bytes with it. */
const TEXT = Buffer.from("firehose line: the quick brown fox jumps over the lazy dog 0123")
const LINE = TEXT.length + 1
const FRAME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z stdout $/

export const MiB = 1024 * 1024

const idleServices = (count: number): Array<ServiceDef> =>
  Array.from({ length: count }, (_, i) => ({ name: `idle${i}`, command: SLEEP, args: [IDLE_ARG], env: {} }))

/** The gated firehose: writes `bytes` once the bench opens the FIFO `dir/gate`. */
const firehose = (dir: string, bytes: number): ServiceDef => {
  execFileSync("mkfifo", [join(dir, "gate")])
  return {
    name: "firehose",
    command: process.execPath,
    args: [FIREHOSE],
    env: { BYTES: String(bytes), GATE: join(dir, "gate") },
  }
}

const isIdle = (pid: number) => {
  const argv = argvOf(pid)
  return argv[0] === SLEEP && argv[1] === IDLE_ARG
}
const idleChildren = (daemon: number) => childrenOf(daemon).filter(isIdle)

/** Waits (polling every 10 ms) until `count` idle services are alive; returns the daemon's pid. */
const allAlive = async (session: Session, count: number) => {
  const pid = await session.daemon()
  const deadline = Date.now() + 300_000
  for (;;) {
    const kids = idleChildren(pid)
    if (kids.length >= count) {
      kids.forEach((kid) => session.seen.add(kid))
      return pid
    }
    if (Date.now() > deadline) throw new Error(`only ${kids.length} of ${count} services alive after 300 s`)
    await sleep(10)
  }
}

/** The daemon's CPU over `ms` (milliseconds of CPU) and its RSS sampled every `every` ms (median, MiB). */
const window = async (pid: number, ms: number, every: number) => {
  const cpu0 = cpuSeconds(pid)
  const rss: Array<number> = []
  const end = performance.now() + ms
  while (performance.now() < end) {
    await sleep(every)
    rss.push(rssBytes(pid))
  }
  return { cpuMs: Math.round((cpuSeconds(pid) - cpu0) * 1000), rssMiB: median(rss) / MiB }
}

/** SIGKILL of the one service → its new process alive (ms), `kills` times, each after a 200 ms calm. */
export const respawn = (peer: Peer, s: Pick<Settings, "kills">) =>
  withPeer(
    peer,
    () => idleServices(1),
    async (session) => {
      const pid = await allAlive(session, 1)
      const samples: Array<number> = []
      for (let i = 0; i < s.kills; i++) {
        await sleep(200)
        const [old] = idleChildren(pid)
        if (old === undefined) throw new Error(`${peer.name}: the service is not running`)
        const t0 = performance.now()
        process.kill(old, "SIGKILL")
        session.seen.add(old)
        // A tight loop over /proc, as bench/respawn.ts does: 1 s of supervisord's poll at most.
        for (let found = false; !found;) {
          if (performance.now() - t0 > 10_000) throw new Error(`${peer.name}: no new process after 10 s`)
          found = childrenOf(pid).some((kid) => kid !== old && isIdle(kid))
        }
        samples.push(performance.now() - t0)
      }
      idleChildren(pid).forEach((kid) => session.seen.add(kid))
      return samples
    },
  )

/** Daemon RSS (MiB, median over the window) with `count` idle services, `settleMs` after all are alive. */
export const idleRss = (peer: Peer, count: number, s: Settings) =>
  withPeer(
    peer,
    () => idleServices(count),
    async (session) => {
      const pid = await allAlive(session, count)
      await sleep(s.settleMs)
      return (await window(pid, s.rssWindowMs, 250)).rssMiB
    },
  )

/**
 * RSS (MiB, median over the window) of a bare `node` http server with Dockless's Node flags (less
 * the governor's, see plainNodeFlags),
 * `settleMs` after it listens: what Node itself costs, so Dockless's RSS minus this is its own.
 */
export const bareHttpRss = async (s: Settings) => {
  const server = "require('node:http').createServer().listen(0, '127.0.0.1', () => console.log('up'))"
  const child = spawn(process.execPath, [...plainNodeFlags, "-e", server], {
    stdio: ["ignore", "pipe", "inherit"],
  })
  try {
    await new Promise<void>((listening, failed) => {
      child.stdout.once("data", () => listening())
      child.once("exit", (code) => failed(new Error(`the bare http server exited (${code})`)))
    })
    const pid = child.pid
    if (pid === undefined) throw new Error("the bare http server has no pid")
    await sleep(s.settleMs)
    return (await window(pid, s.rssWindowMs, 250)).rssMiB
  } finally {
    child.kill("SIGKILL")
    await exitOf(child)
  }
}

/**
 * 200 idle services: cold start (peer started → all 200 alive), RSS and CPU in the two windows,
 * then the graceful stop (the peer's stop issued → every one of the 200 processes gone).
 */
export const idle200 = (peer: Peer, s: Settings) => {
  const t0 = performance.now()
  return withPeer(
    peer,
    () => idleServices(200),
    async (session) => {
      const pid = await allAlive(session, 200)
      const up = performance.now()
      await sleep(up + s.cpuWindowStartsMs[0] - performance.now())
      const early = await window(pid, s.cpuWindowMs, 500)
      await sleep(up + s.cpuWindowStartsMs[1] - performance.now())
      const late = await window(pid, s.cpuWindowMs, 500)
      const kids = idleChildren(pid)
      const t1 = performance.now()
      const stopped = session.stop()
      while (kids.some((kid) => !isGone(kid))) {
        if (performance.now() - t1 > 120_000) throw new Error(`${peer.name}: children left 120 s after stop`)
        await sleep(5)
      }
      const stopMs = performance.now() - t1
      await stopped
      return { coldMs: up - t0, rssMiB: early.rssMiB, cpuEarlyMs: early.cpuMs, cpuLateMs: late.cpuMs, stopMs }
    },
  )
}

/** Opens the write end of the firehose's gate once the firehose waits at it (until then: ENXIO). */
const gateOpen = (dir: string) =>
  waitFor(
    "the firehose at its gate",
    async () => openSync(join(dir, "gate"), constants.O_WRONLY | constants.O_NONBLOCK),
    60_000,
  )
const release = (fd: number) => {
  writeSync(fd, "go")
  closeSync(fd)
}

/** Lines of the log that are exactly the firehose's (behind the peer's prefix), the peer's own, and any others. */
const checkLog = (file: string, peer: Peer) => {
  const prefix = peer.linePrefix
  let good = 0
  let own = 0
  let other = 0
  const fd = openSync(file, "r")
  const buffer = Buffer.alloc(4 * MiB)
  let kept = 0
  for (let read = readSync(fd, buffer, 0, buffer.length, null); read > 0;) {
    const end = kept + read
    let start = 0
    for (let nl = buffer.indexOf(10, start); nl !== -1 && nl < end; nl = buffer.indexOf(10, start)) {
      const ok =
        nl - start === prefix + TEXT.length &&
        buffer.compare(TEXT, 0, TEXT.length, start + prefix, nl) === 0 &&
        (prefix === 0 || FRAME.test(buffer.toString("latin1", start, start + prefix)))
      if (ok) good++
      else if (peer.ownLine?.test(buffer.toString("latin1", start, nl))) own++
      else other++
      start = nl + 1
    }
    kept = buffer.copy(buffer, 0, start, end)
    read = readSync(fd, buffer, kept, buffer.length - kept, null)
  }
  closeSync(fd)
  return { good, own, other: other + (kept > 0 ? 1 : 0) }
}

/**
 * `captureBytes` of 64-byte lines from one service to the peer's log: MiB/s of payload from the
 * gate's opening until the log holds all of it (framed, for Dockless), the daemon's CPU over that
 * time, its RSS before and at peak (sampled every 20 ms), and whether every line arrived intact.
 */
export const capture = (peer: Peer, s: Pick<Settings, "captureBytes">) =>
  withPeer(
    peer,
    (dir) => [firehose(dir, s.captureBytes)],
    async (session) => {
      const pid = await session.daemon()
      const gate = await gateOpen(session.dir)
      childrenOf(pid).forEach((kid) => session.seen.add(kid))
      const log = session.running.logOf("firehose")
      const size = () => (existsSync(log) ? statSync(log).size : 0)
      // What the peer wrote on its own before the gate opens (Dockless: "started") is not payload.
      const expected = size() + (s.captureBytes / LINE) * (LINE + peer.linePrefix)
      const idleRss = rssBytes(pid)
      let peakRss = idleRss
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(pid))), 20)
      const cpu0 = cpuSeconds(pid)
      const t0 = performance.now()
      release(gate)
      let written = 0
      let grown = t0
      while (written < expected && performance.now() - grown < 10_000) {
        await sleep(5)
        const now = size()
        if (now > written) [written, grown] = [now, performance.now()]
      }
      const seconds = (grown - t0) / 1000
      const cpuMs = Math.round((cpuSeconds(pid) - cpu0) * 1000)
      clearInterval(sampler)
      const lines = checkLog(log, peer)
      return {
        mibS: (lines.good * LINE) / MiB / seconds,
        cpuMs,
        idleRssMiB: idleRss / MiB,
        peakRssMiB: peakRss / MiB,
        complete: lines.good === s.captureBytes / LINE && lines.other === 0,
        lines: lines.good,
        ownLines: lines.own,
        otherLines: lines.other,
      }
    },
  )

const Autocannon = Schema.Struct({
  requests: Schema.Struct({ average: Schema.Number }),
  latency: Schema.Struct({ p99: Schema.Number }),
  non2xx: Schema.Number,
  errors: Schema.Number,
})

/** autocannon (its own process) on GET /api/services for `seconds`: requests/s and p99 latency (ms). */
const load = async (http: NonNullable<Running["http"]>, s: Settings) => {
  const child = spawn(
    process.execPath,
    [
      AUTOCANNON,
      ...["-j", "-c", String(s.apiConnections), "-d", String(s.apiSeconds)],
      ...["-H", `authorization=Bearer ${http.token}`, `${http.url}/api/services`],
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  )
  let out = ""
  child.stdout.on("data", (d: Buffer) => (out += d.toString()))
  await exitOf(child)
  const result = Schema.decodeUnknownSync(Autocannon)(JSON.parse(out))
  if (result.non2xx + result.errors > 0)
    throw new Error(`autocannon: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  return { rps: result.requests.average, p99Ms: result.latency.p99 }
}

/**
 * Dockless's HTTP API with 200 services: the list under autocannon while all is quiet, then
 * again while one more service writes to its log as fast as it can (and how fast that was).
 */
export const api = (peer: Peer, s: Settings) =>
  withPeer(
    peer,
    (dir) => [...idleServices(200), firehose(dir, 1024 * 1024 * MiB)],
    async (session) => {
      const http = session.running.http
      if (http === undefined) throw new Error(`${peer.name} has no HTTP API`)
      await allAlive(session, 200)
      await waitFor("the API", async () => ((await fetch(`${http.url}/api/health`)).ok ? true : undefined))
      const quiet = await load(http, s)
      const gate = await gateOpen(session.dir)
      const log = session.running.logOf("firehose")
      release(gate)
      const t0 = performance.now()
      const busy = await load(http, s)
      const logMiBs = (existsSync(log) ? statSync(log).size : 0) / MiB / ((performance.now() - t0) / 1000)
      return { quiet, busy, logMiBs }
    },
  )
