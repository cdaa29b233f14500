// The cold start of 200 services, kept near the floor (issue 21): Dockless's bundle and an
// ordinary respawner (bench/peers/floor.mjs: spawn with the log file as stdout/stderr, respawn on
// exit) each start the same 200 `sleep` services, from the spawn of their node process until
// all 200 children have exec'd, three times each, interleaved, on the Node running the test (CI
// runs it on 20, 22 and 24). A ratio of medians taken side by side, so a loaded machine slows
// both; bench/ has the figures to quote, this only catches a regression like issue 21's.
import { execFileSync, spawn, type ChildProcess } from "node:child_process"
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { afterEach, describe, expect, it } from "vitest"
import { argvOf, childrenOf } from "../../bench/support.ts"
import { nodeFlags } from "../../src/version.ts"
import { BUNDLE, freePort, ROOT, tempDir } from "../support/daemon.ts"
import { figure } from "../support/figures.ts"

const COUNT = 200
const RUNS = 3
/**
 * Issue 21's target is 1.5 × the floor; BENCHMARKS.md has it missed on every Node (2.0 × on 20,
 * 2.5–2.6 × on 22, 24 and 26 with 2 repetitions): Node's spawn is fast enough that the floor takes
 * ~300 ms for 200, and Dockless's own start, ~400 ms of module loading, Effect's runtime and GC
 * before and between the spawns, shows (docs/measurements.md). On a loaded machine the fork waits
 * dominate both and the ratio drops (1.46 × on Node 20 at load 2.4). The budget catches a
 * regression like issue 21's (5.2 ×) without failing on the miss that is known and written down.
 */
const BUDGET = 4
const FLOOR = join(ROOT, "bench/peers/floor.mjs")
const SLEEP = execFileSync("sh", ["-c", "command -v sleep"], { encoding: "utf8" }).trim()
/** An argument no other process on the machine has, so a child is ours by its argv alone. */
const ARG = `${3600 + (process.pid % 1000)}`

const started: Array<ChildProcess> = []
const dirs: Array<string> = []
afterEach(async () => {
  await Promise.all(started.splice(0).map(stop))
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** SIGTERM (both stop their services on it), SIGKILL after 30 s; resolves once it exited. */
const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((done) => child.once("exit", done))
  child.kill("SIGTERM")
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
  await exited
  clearTimeout(timer)
}

/** The daemon's children that have exec'd the service's program (a fork not yet exec'd is not). */
const alive = (pid: number) =>
  childrenOf(pid).filter((kid) => {
    const [program, arg] = argvOf(kid)
    return program === SLEEP && arg === ARG
  }).length

/** Spawns node with `args` in `dir`; ms until COUNT children are alive; then stops it. */
const coldStart = async (dir: string, args: ReadonlyArray<string>) => {
  const t0 = performance.now()
  const child = spawn(process.execPath, [...nodeFlags, ...args], { cwd: dir, stdio: "ignore" })
  started.push(child)
  const pid = child.pid ?? 0
  for (let n = 0; n < COUNT; n = alive(pid)) {
    if (child.exitCode !== null) throw new Error(`${args.join(" ")} exited with ${child.exitCode}`)
    if (performance.now() - t0 > 60_000) throw new Error(`only ${n} of ${COUNT} alive after 60 s`)
    await new Promise((r) => setTimeout(r, 5))
  }
  const ms = performance.now() - t0
  await stop(child)
  return ms
}

const names = Array.from({ length: COUNT }, (_, i) => `s${i}`)

const floorRun = async () => {
  const dir = tempDir("dockless-cold-floor-")
  dirs.push(dir)
  const services = names.map((name) => ({
    name,
    command: SLEEP,
    args: [ARG],
    env: {},
    log: join(dir, `${name}.log`),
  }))
  writeFileSync(join(dir, "services.json"), JSON.stringify(services))
  return coldStart(dir, [FLOOR, join(dir, "services.json")])
}

const docklessRun = async () => {
  const dir = tempDir("dockless-cold-")
  dirs.push(dir)
  const tables = names.map((name) => `[services.${name}]\ncommand = "${SLEEP}"\nargs = ["${ARG}"]\n`)
  const config = `listen_port = ${await freePort()}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n\n${tables.join("\n")}`
  writeFileSync(join(dir, "config.toml"), config)
  return coldStart(dir, [BUNDLE, "run", "--config", join(dir, "config.toml")])
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

describe(`the cold start of ${COUNT} services on Node ${process.version}`, () => {
  it(
    `has all of them alive within ${BUDGET} × an ordinary respawner's time`,
    { timeout: 240_000 },
    async () => {
      const floor: Array<number> = []
      const dockless: Array<number> = []
      for (let i = 0; i < RUNS; i++) {
        floor.push(await floorRun())
        dockless.push(await docklessRun())
      }
      const ratio = median(dockless) / median(floor)
      figure(`cold start of ${COUNT} on Node ${process.version}, floor`, median(floor), "ms")
      figure(`cold start of ${COUNT} on Node ${process.version}, Dockless`, median(dockless), "ms")
      figure(`cold start of ${COUNT} on Node ${process.version}, Dockless / floor`, ratio, "×")
      expect(
        ratio,
        `floor ${floor.map(Math.round).join(", ")} ms; Dockless ${dockless.map(Math.round).join(", ")} ms`,
      ).toBeLessThanOrEqual(BUDGET)
    },
  )
})
