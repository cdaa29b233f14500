// A real daemon whose services' logs are removed, moved, write-protected and filled up under
// it: it must survive each, keep supervising (same pids, the other service untouched), log on
// once the fault clears, and hold no log open while a service is stopped.
import { mkdirSync, renameSync, rmSync, statfsSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import {
  FIXTURES,
  startDaemon,
  tempDir,
  useDaemons,
  view,
  waitFor,
  waitForView,
  type Daemon,
} from "../support/daemon.ts"
import { openFiles, ticksIn } from "../support/logs.ts"
import { mountReadOnly, mountTmpfs, unmount, unmountAll } from "../support/mounts.ts"

// Registered before useDaemons: after-hooks run in reverse, so daemons stop before unmounting.
afterEach(() => unmountAll())
const daemons = useDaemons()

const ticker = (name: string, log: string) =>
  `[services.${name}]\ncommand = "${process.execPath}"\nargs = ["${join(FIXTURES, "ticker.mjs")}"]\nlog = ${log}\n`
const ROTATING = `{ max_bytes = "2KiB", keep = 2 }`

interface Pair {
  readonly d: Daemon
  readonly logs: string
  readonly pids: { readonly a: number; readonly b: number }
}

/** A daemon running two tickers, a and b, both writing their logs. */
const startPair = async (log = ROTATING, dir = tempDir()): Promise<Pair> => {
  const d = daemons.track(await startDaemon({ body: ticker("a", log) + ticker("b", log), dir }))
  const a = await waitForView(d, "a", "running", (v) => v.state === "running")
  const b = await waitForView(d, "b", "running", (v) => v.state === "running")
  const logs = join(d.dir, "data/logs")
  await waitFor("ticks in a.log", () => (ticksIn(join(logs, "a.log")).length > 10 ? true : undefined))
  return { d, logs, pids: { a: a.pid, b: b.pid } }
}

/** The newest tick the daemon captured from a, read through its API. */
const capturedTick = async (d: Daemon): Promise<number> => {
  const { lines } = await d.json<{ lines: Array<{ text: string }> }>("GET", "/api/services/a/logs?lines=20")
  const ticks = lines.filter((l) => l.text.startsWith("tick ")).map((l) => Number(l.text.slice(5)))
  return ticks.at(-1) ?? -1
}

/** Waits until a tick newer than `after` is in a.log. */
const logsAgain = (logs: string, after: number) =>
  waitFor(`a tick after ${after} in a.log`, () =>
    ticksIn(join(logs, "a.log")).some((t) => t > after) ? true : undefined,
  )

/** Waits until the daemon has captured 2 s of a's output that a.log does not hold (several retries). */
const dropsFor2s = async ({ d, logs }: Pair) => {
  const newestOnDisk = () => Math.max(-1, ...ticksIn(join(logs, "a.log")))
  await waitFor("a's output captured past its log for 2 s", async () =>
    (await capturedTick(d)) > newestOnDisk() + 400 ? true : undefined,
  )
}

const stillSupervising = async ({ d, pids }: Pair) => {
  expect(d.child.exitCode).toBeNull()
  const [a, b] = await Promise.all([view(d, "a"), view(d, "b")])
  expect([a.state, a.pid, a.restarts]).toEqual(["running", pids.a, 0])
  expect([b.state, b.pid, b.restarts]).toEqual(["running", pids.b, 0])
}

describe("the daemon when the disk fails under its logs", () => {
  it("survives a.log removed while a writes, and logs into a recreated file", async () => {
    const pair = await startPair()
    rmSync(join(pair.logs, "a.log"))
    const removedAt = await capturedTick(pair.d)
    await logsAgain(pair.logs, removedAt + 200)
    await stillSupervising(pair)
  })

  it("survives a.log moved away, and logs into a new a.log", async () => {
    const pair = await startPair()
    renameSync(join(pair.logs, "a.log"), join(pair.logs, "moved"))
    const movedAt = await capturedTick(pair.d)
    await logsAgain(pair.logs, movedAt + 200)
    await stillSupervising(pair)
  })

  it("survives logs/ removed, and recreates it with its mode", async () => {
    const pair = await startPair()
    rmSync(pair.logs, { recursive: true })
    const removedAt = await capturedTick(pair.d)
    await logsAgain(pair.logs, removedAt + 200)
    expect(statSync(pair.logs).mode & 0o777).toBe(0o700)
    await stillSupervising(pair)
  })

  it("survives logs/ made read-only under rotating logs, and logs again once it is writable", async (ctx) => {
    const pair = await startPair()
    const refused = await mountReadOnly(pair.logs)
    if (refused !== undefined) return ctx.skip(`cannot make a read-only bind mount: ${refused}`)
    await dropsFor2s(pair)
    await stillSupervising(pair)
    unmount(pair.logs)
    await logsAgain(pair.logs, await capturedTick(pair.d))
    await stillSupervising(pair)
  })

  it("survives a full disk, frees the space when a log is removed, and logs again", async (ctx) => {
    const dir = tempDir()
    const logs = join(dir, "data/logs")
    mkdirSync(logs, { recursive: true })
    const refused = mountTmpfs(logs, "256k")
    if (refused !== undefined) return ctx.skip(`cannot mount a tmpfs: ${refused}`)
    writeFileSync(join(logs, "filler"), Buffer.alloc(192 * 1024))
    const pair = await startPair(`{ max_bytes = "1MiB", keep = 1 }`, dir)
    await dropsFor2s(pair)
    await stillSupervising(pair)
    const full = statfsSync(logs).bfree
    rmSync(join(logs, "a.log"))
    await waitFor("the space of a.log freed", () => (statfsSync(logs).bfree > full + 2 ? true : undefined))
    await logsAgain(logs, await capturedTick(pair.d))
    await stillSupervising(pair)
  })

  it("closes a service's log while it is stopped", async () => {
    const pair = await startPair()
    const pid = pair.d.child.pid ?? 0
    const log = join(pair.logs, "a.log")
    expect(openFiles(pid)).toContain(log)
    await pair.d.api("POST", "/api/services/a/stop")
    await waitForView(pair.d, "a", "stopped", (v) => v.state === "stopped")
    await waitFor("a.log closed by the daemon", () => (openFiles(pid).includes(log) ? undefined : true))
    expect(openFiles(pid)).toContain(join(pair.logs, "b.log"))
  })

  it("shows log_error in the view and reports it once in Dockless's own log", async (ctx) => {
    const pair = await startPair()
    const before = await view(pair.d, "a")
    expect(before.log_error).toBeNull()
    const refused = await mountReadOnly(pair.logs)
    if (refused !== undefined) return ctx.skip(`cannot make a read-only bind mount: ${refused}`)
    const failing = await waitForView(pair.d, "a", "log_error", (v) => v.log_error !== null)
    expect(failing.log_error).toMatch(/^cannot (rotate|write) \S+\/a\.log: read-only file system \(EROFS\)$/)
    await dropsFor2s(pair)
    const reports = () => pair.d.output.split("\n").filter((l) => l.includes(failing.log_error)).length
    expect(reports()).toBe(1)
    unmount(pair.logs)
    await waitForView(pair.d, "a", "log_error cleared", (v) => v.log_error === null)
    expect(reports()).toBe(1)
    await stillSupervising(pair)
  })
})
