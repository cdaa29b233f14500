// What every soak scenario needs: a daemon from the built bundle on a data dir that outlives it
// (restarted on the same dir after a kill -9), plain HTTP calls without keep-alive (so the
// daemon's fd count is not our connection pool), its RSS and fd count from /proc, the
// processes carrying its markers, figures printed as JSON lines, and invariants that are
// collected (so a long run reports every breach) and fail the run at its end.
import { spawn, type ChildProcess } from "node:child_process"
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { instanceOf } from "../../src/os/Markers.ts"
import { nodeFlags } from "../../src/version.ts"

export const ROOT = resolve(import.meta.dirname, "../..")
/** The bundle the daemons run: dist/ (`npm run build`), or SOAK_BUNDLE (e.g. dist-plain/dockless.mjs). */
export const BUNDLE = resolve(ROOT, process.env["SOAK_BUNDLE"] ?? "dist/dockless.mjs")
export const FIXTURES = join(ROOT, "test/fixtures")
export const TOKEN = "soak-token-0123456789"
export const MiB = 1024 * 1024

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** A port free right now (the machine is shared: fixed ports collide with other people's daemons). */
export const freePort = (): Promise<number> =>
  new Promise((done, fail) => {
    const server = createServer()
    server.once("error", fail)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => done(port))
    })
  })

/** Prints one figure line: `{"scenario": ..., ...}`. */
export const report = (scenario: string, figures: Record<string, unknown>): void => {
  console.log(JSON.stringify({ scenario, ...figures }))
}

/** Invariant breaches of one scenario: each printed at once, all of them failing the run at the end. */
export class Breaches {
  readonly found: Array<string> = []
  constructor(readonly scenario: string) {}
  add(what: string): void {
    this.found.push(what)
    console.log(JSON.stringify({ scenario: this.scenario, breach: what }))
  }
  check(ok: boolean, what: string): void {
    if (!ok) this.add(what)
  }
}

export const percentile = (xs: ReadonlyArray<number>, p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

export const median = (xs: ReadonlyArray<number>): number => percentile(xs, 50)

export const round1 = (x: number): number => Math.round(x * 10) / 10
export const mib = (bytes: number): number => round1(bytes / MiB)

export const rssBytes = (pid: number): number => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return Number(match?.[1] ?? 0) * 1024
}

/** utime + stime of a process, in seconds. */
export const cpuSeconds = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}

export const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length

export interface Answer {
  readonly status: number
  readonly body: any
}

/** One request on its own connection (no keep-alive); rejects on a network error or after `ms`. */
export const call = (
  port: number,
  method: string,
  path: string,
  body?: unknown,
  ms = 20_000,
): Promise<Answer> =>
  new Promise((done, fail) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent: false,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(payload === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("error", fail)
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString()
          let parsed: unknown = text
          try {
            parsed = text === "" ? null : JSON.parse(text)
          } catch {
            // Not JSON: kept as text.
          }
          done({ status: res.statusCode ?? 0, body: parsed })
        })
      },
    )
    req.setTimeout(ms, () => req.destroy(new Error(`${method} ${path}: no answer within ${ms} ms`)))
    req.on("error", fail)
    req.end(payload)
  })

/** Polls `probe` until it returns a value other than undefined; fails after `ms` naming `what`. */
export const waitFor = async <A>(
  what: string,
  probe: () => Promise<A | undefined> | A | undefined,
  ms = 30_000,
): Promise<A> => {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`)
    await sleep(50)
  }
}

export interface Soak {
  readonly dir: string
  readonly dataDir: string
  readonly configPath: string
  readonly port: number
  /** DOCKLESS_INSTANCE of the daemons on this data dir. */
  readonly instance: string
  /** Where the daemons' stdout and stderr go (appended, one file for every start). */
  readonly logPath: string
}

/** A temp dir with config.toml (listen settings, token, then `services`) for daemons to run on. */
export const prepare = (port: number, services: string, extraTop = ""): Soak => {
  const dir = mkdtempSync(join(tmpdir(), "dockless-soak-"))
  const configPath = join(dir, "config.toml")
  writeFileSync(
    configPath,
    `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n${extraTop}\n` +
      `[auth]\ntoken = "${TOKEN}"\n\n${services}\n`,
  )
  const dataDir = join(dir, "data")
  return { dir, dataDir, configPath, port, instance: instanceOf(dataDir), logPath: join(dir, "daemon.log") }
}

export interface Running {
  readonly child: ChildProcess
  readonly pid: number
  readonly exited: Promise<void>
  /** SIGTERM and wait; SIGKILL if it has not exited after `ms`. */
  readonly stop: (ms?: number) => Promise<void>
  /** SIGKILL and wait for the exit. */
  readonly kill9: () => Promise<void>
}

/** Starts the daemon from the bundle on `soak` and waits for /api/health. */
export const launch = async (
  soak: Soak,
  nodeArgs: ReadonlyArray<string> = [],
  readyMs = 30_000,
): Promise<Running> => {
  const log = openSync(soak.logPath, "a")
  // SOAK_MEMPROBE=FILE: the daemon appends its memoryUsage(), handles and loop delay to FILE.
  const probe =
    process.env["SOAK_MEMPROBE"] === undefined ? [] : ["--import", join(ROOT, "test/soak/memprobe.mjs")]
  // SOAK_NODE_ARGS: more Node flags for the daemon, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env["SOAK_NODE_ARGS"] ?? "").split(" ").filter((a) => a !== "")
  const args = [...nodeFlags, ...probe, ...extra, ...nodeArgs, BUNDLE, "run", "--config", soak.configPath]
  const child = spawn(process.execPath, args, { cwd: soak.dir, stdio: ["ignore", log, log] })
  closeSync(log)
  const exited = new Promise<void>((done) => child.once("exit", () => done()))
  const gone = () => child.exitCode !== null || child.signalCode !== null
  const running: Running = {
    child,
    pid: child.pid ?? 0,
    exited,
    stop: async (ms = 20_000) => {
      if (gone()) return
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), ms)
      await exited
      clearTimeout(timer)
    },
    kill9: async () => {
      if (gone()) return
      child.kill("SIGKILL")
      await exited
    },
  }
  try {
    await waitFor(
      "the daemon to answer /api/health",
      async () => {
        if (gone())
          throw new Error(`the daemon exited (${child.exitCode ?? child.signalCode}); see ${soak.logPath}`)
        // Ours, not another daemon that took the port meanwhile: it knows our token.
        return (await call(soak.port, "GET", "/api/health", undefined, 10_000)).status === 200 &&
          (await call(soak.port, "GET", "/api/services", undefined, 10_000)).status === 200
          ? true
          : undefined
      },
      readyMs,
    )
  } catch (error) {
    await running.kill9()
    throw error
  }
  return running
}

/** Live processes whose environment carries `instance`, by their DOCKLESS_SERVICE. */
export const markedProcesses = (instance: string): Map<string, Array<number>> => {
  const found = new Map<string, Array<number>>()
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    let environ: Array<string>
    let state: string
    try {
      environ = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0")
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
    } catch {
      continue
    }
    if (state === "Z" || !environ.includes(`DOCKLESS_INSTANCE=${instance}`)) continue
    const service = environ.find((e) => e.startsWith("DOCKLESS_SERVICE="))?.slice(17) ?? "?"
    found.set(service, [...(found.get(service) ?? []), Number(entry)])
  }
  return found
}

/** Kills (SIGKILL, by pid) whatever still carries `instance`: the cleanup after a failed scenario. */
export const killMarked = (instance: string): number => {
  let killed = 0
  for (const pids of markedProcesses(instance).values()) {
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL")
        killed++
      } catch {
        // Gone in between.
      }
    }
  }
  return killed
}

/** A least-squares slope of (t, y) pairs, in y per unit of t. */
export const slope = (points: ReadonlyArray<readonly [number, number]>): number => {
  const n = points.length
  if (n < 2) return NaN
  const mt = points.reduce((s, [t]) => s + t, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  const num = points.reduce((s, [t, y]) => s + (t - mt) * (y - my), 0)
  const den = points.reduce((s, [t]) => s + (t - mt) ** 2, 0)
  return den === 0 ? NaN : num / den
}
