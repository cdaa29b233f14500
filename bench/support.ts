// Shared pieces of the benchmarks: a daemon on a generated config, RSS and CPU readings from
// /proc, and medians (the machine is shared and noisy, so we never quote a single run).
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { nodeFlags } from "../src/version.ts"

export const ROOT = resolve(import.meta.dirname, "..")
/** The bundle benched: dist/ (built by `npm run bench`), or BENCH_BUNDLE (a copy, so a long run is not changed under it by a rebuild). */
export const BUNDLE = process.env["BENCH_BUNDLE"] ?? join(ROOT, "dist/dockless.mjs")
export const TOKEN = "bench-token"

export const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2
}

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

/** The children of a process's main thread (where Node and Python spawn); none once it is gone. */
export const childrenOf = (pid: number): Array<number> => {
  const out: Array<number> = []
  let list = ""
  try {
    list = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
  } catch {
    return out
  }
  for (const task of list.trim().split(" ")) {
    if (task !== "") out.push(Number(task))
  }
  return out
}

/** A process's argv as it is now: empty for a zombie or a pid that is gone. */
export const argvOf = (pid: number): Array<string> => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1)
  } catch {
    return []
  }
}

/** Gone means exited: no /proc entry, or a zombie waiting for its parent to reap it. */
export const isGone = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat[stat.lastIndexOf(")") + 2] === "Z"
  } catch {
    return true
  }
}

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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const waitFor = async <A>(
  what: string,
  probe: () => Promise<A | undefined>,
  ms = 60_000,
): Promise<A> => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

export interface BenchDaemon {
  readonly child: ChildProcess
  readonly pid: number
  readonly dir: string
  readonly url: string
  readonly get: (path: string) => Promise<any>
  readonly post: (path: string) => Promise<Response>
  readonly stop: () => Promise<void>
}

/** BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": extra Node flags for the daemon, to profile a bench. */
const benchNodeArgs = (process.env["BENCH_NODE_ARGS"] ?? "").split(" ").filter((a) => a !== "")

export const startDaemon = async (
  services: string,
  port: number,
  extraArgs: ReadonlyArray<string> = [],
): Promise<BenchDaemon> => {
  const dir = mkdtempSync(join(tmpdir(), "dockless-bench-"))
  writeFileSync(
    join(dir, "config.toml"),
    `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n[auth]\ntoken = "${TOKEN}"\n${services}`,
  )
  const child = spawn(
    process.execPath,
    [...nodeFlags, ...extraArgs, ...benchNodeArgs, BUNDLE, "run", "--config", join(dir, "config.toml")],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  )
  const url = `http://127.0.0.1:${port}`
  const headers = { authorization: `Bearer ${TOKEN}` }
  const daemon: BenchDaemon = {
    child,
    pid: child.pid ?? 0,
    dir,
    url,
    get: async (path) => (await fetch(`${url}${path}`, { headers })).json(),
    post: (path) => fetch(`${url}${path}`, { method: "POST", headers }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM")
        await new Promise((r) => child.once("exit", r))
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await waitFor("daemon health", async () => ((await fetch(`${url}/api/health`)).ok ? true : undefined))
  return daemon
}

/** `count` services that do nothing: `sleep 3600` each. */
export const idleServices = (count: number): string =>
  Array.from({ length: count }, (_, i) => `[services.idle${i}]\ncommand = "sleep"\nargs = ["3600"]\n`).join(
    "",
  )

export const waitAllRunning = (daemon: BenchDaemon, count: number, ms: number) =>
  waitFor(
    `${count} services running`,
    async () => {
      const views: Array<{ state: string }> = await daemon.get("/api/services")
      return views.filter((v) => v.state === "running").length === count ? true : undefined
    },
    ms,
  )

/** The daemon's CPU seconds over `seconds`, and its RSS sampled each second (median). */
export const measureWindow = async (pid: number, seconds: number) => {
  const cpu0 = cpuSeconds(pid)
  const rss: Array<number> = []
  for (let i = 0; i < seconds; i++) {
    await sleep(1000)
    rss.push(rssBytes(pid))
  }
  const cpu = cpuSeconds(pid) - cpu0
  return {
    cpu_seconds: +cpu.toFixed(2),
    cpu_percent_of_core: +((cpu / seconds) * 100).toFixed(2),
    rss_mib: +(median(rss) / 1048576).toFixed(1),
  }
}

/** A look at /api/services keeps the monitor sampling this long; benches wait it out. */
export const LOOK_WINDOW_MS = 30_000
