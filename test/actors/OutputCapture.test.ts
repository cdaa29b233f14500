// Output capture with real pipes and files: framing, the partial last line, rotation, the
// in-memory ring, backpressure from a child that writes faster than we read, and a disk that
// fails under it (removed, moved, read-only, full) without ever stopping the child.
import { spawn, type ChildProcess } from "node:child_process"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { afterEach, describe, expect, it } from "vitest"
import { readPage } from "../../src/actors/LogPage.ts"
import { LogFilter } from "../../src/actors/LogQuery.ts"
import { OutputCapture, parseLines } from "../../src/actors/OutputCapture.ts"
import { FIXTURES, waitFor } from "../support/daemon.ts"
import { openFiles, ticksIn } from "../support/logs.ts"
import { mountReadOnly, mountTmpfs, unmount, unmountAll } from "../support/mounts.ts"

const dir = () => mkdtempSync(join(tmpdir(), "dockless-capture-"))
const closed = (stream: PassThrough) => new Promise((r) => stream.once("close", r))
const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (stdout|stderr|dockless) /

describe("OutputCapture", () => {
  it("writes each line as ISO-TIME STREAM TEXT, and a partial last line when the pipe closes", async () => {
    const path = join(dir(), "svc.log")
    const capture = new OutputCapture({ file: { path, maxBytes: 1 << 20, keep: 2 } })
    const out = new PassThrough()
    const err = new PassThrough()
    capture.attach(out, "stdout")
    capture.attach(err, "stderr")
    out.write("one\ntw")
    out.write("o\nthree without newline")
    err.write("oops\n")
    capture.note("exited with code 3, restarting in 600ms")
    out.end()
    err.end()
    await Promise.all([closed(out), closed(err)])
    await capture.close()
    const lines = readFileSync(path, "utf8").trimEnd().split("\n")
    for (const line of lines) expect(line).toMatch(LINE)
    expect(lines.map((l) => l.replace(LINE, "$1 "))).toEqual([
      "stdout one",
      "stdout two",
      "stderr oops",
      "dockless exited with code 3, restarting in 600ms",
      "stdout three without newline",
    ])
    expect(capture.tail(2).map((l) => [l.stream, l.text])).toEqual([
      ["dockless", "exited with code 3, restarting in 600ms"],
      ["stdout", "three without newline"],
    ])
  })

  it("rotates at max_bytes and keeps `keep` old files", async () => {
    const path = join(dir(), "svc.log")
    const capture = new OutputCapture({ file: { path, maxBytes: 1000, keep: 2 } })
    for (let i = 0; i < 100; i++) capture.note(`line number ${i} padded to be reasonably long`)
    await capture.close()
    expect(existsSync(`${path}.1`)).toBe(true)
    expect(existsSync(`${path}.2`)).toBe(true)
    expect(existsSync(`${path}.3`)).toBe(false)
    for (const file of [path, `${path}.1`, `${path}.2`]) expect(statSync(file).size).toBeLessThanOrEqual(1000)
    const newest = parseLines(readFileSync(path))
    expect(newest.at(-1)?.text).toBe("line number 99 padded to be reasonably long")
  })

  it("remembers the end of an existing log, so history survives a restart of Dockless", async () => {
    const path = join(dir(), "svc.log")
    const before = new OutputCapture({ file: { path, maxBytes: 1 << 20, keep: 1 } })
    for (let i = 0; i < 5000; i++) before.note(`old line ${i}`)
    await before.close()
    const after = new OutputCapture({ file: { path, maxBytes: 1 << 20, keep: 1 }, ringBytes: 4096 })
    const tail = after.tail(3)
    expect(tail.map((l) => l.text)).toEqual(["old line 4997", "old line 4998", "old line 4999"])
    expect(after.tail(10_000).every((l) => l.text.startsWith("old line "))).toBe(true)
    await after.close()
  })

  it("writes more lines than memory holds to the log file, where a page reads them back across a rotation", async () => {
    const path = join(dir(), "svc.log")
    const capture = new OutputCapture({ file: { path, maxBytes: 64 * 1024, keep: 3 }, ringBytes: 4096 })
    for (let i = 0; i < 5000; i++) capture.note(`line ${i}`)
    expect(capture.tail(3000).length).toBeLessThan(100)
    const disk = await capture.logOnDisk()
    expect(disk).toEqual({ path, keep: 3, complete: true })
    if (disk === undefined) return
    const page = await readPage(disk, { count: 3000, before: undefined, filter: new LogFilter({}) })
    expect(existsSync(`${path}.2`)).toBe(true)
    if ("_tag" in page) throw page
    expect(page.lines).toHaveLength(3000)
    expect(page.lines.every((l, i) => l.text === `line ${2000 + i}` && l.stream === "dockless")).toBe(true)
    await capture.close()
  })

  it("has only memory when there is no log file", async () => {
    const capture = new OutputCapture({ file: undefined, ringBytes: 4096 })
    for (let i = 0; i < 5000; i++) capture.note(`line ${i}`)
    expect(await capture.logOnDisk()).toBeUndefined()
    const held = capture.tail(3000)
    expect(held.length).toBeLessThan(100)
    expect(held.at(-1)?.text).toBe("line 4999")
  })

  it("keeps only the newest lines in memory", () => {
    const capture = new OutputCapture({ file: undefined, ringBytes: 4096 })
    for (let i = 0; i < 10_000; i++) capture.note(`line ${i}`)
    const tail = capture.tail(100_000)
    expect(tail.length).toBeGreaterThan(10)
    expect(tail.length).toBeLessThan(200)
    expect(tail.at(-1)?.text).toBe("line 9999")
  })

  it("captures every byte of a child that writes 20 MB as fast as it can", async () => {
    const path = join(dir(), "chatty.log")
    const capture = new OutputCapture({ file: { path, maxBytes: 1 << 30, keep: 1 } })
    const child = spawn(process.execPath, [join(FIXTURES, "chatty.mjs")], {
      env: { ...process.env, BYTES: String(20_000_000) },
      stdio: ["ignore", "pipe", "pipe"],
    })
    capture.attach(child.stdout, "stdout")
    capture.attach(child.stderr, "stderr")
    await new Promise((r) => child.once("close", r))
    await capture.close()
    const text = readFileSync(path, "utf8")
    const lines = text.trimEnd().split("\n")
    const payload = lines.map((l) => l.replace(LINE, ""))
    expect(payload.join("\n").length + 1).toBeGreaterThanOrEqual(20_000_000)
    payload.forEach((p, i) => {
      if (!p.startsWith(`line ${String(i).padStart(9, "0")} `)) throw new Error(`line ${i} is "${p}"`)
    })
  })
})

const lastTick = (capture: OutputCapture): number => Number(capture.tail(1)[0]?.text.slice(5) ?? -1)

describe("OutputCapture when the disk fails", () => {
  const children: Array<ChildProcess> = []
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL")
    unmountAll()
  })

  const run = (capture: OutputCapture, script: string, env: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [join(FIXTURES, script)], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    })
    children.push(child)
    capture.attach(child.stdout, "stdout")
    capture.attach(child.stderr, "stderr")
    return { child, closed: new Promise((r) => child.once("close", r)) }
  }

  const errorsOf = (capture: OutputCapture) => {
    const errors: Array<string | null> = []
    capture.onLogError((error) => errors.push(error))
    return errors
  }

  it("recreates a log removed while the child writes, and rotates it as before", async () => {
    const path = join(dir(), "svc.log")
    const capture = new OutputCapture({ file: { path, maxBytes: 4096, keep: 2 } })
    const errors = errorsOf(capture)
    run(capture, "ticker.mjs")
    await waitFor("ticks in the log", () => (ticksIn(path).length > 10 ? true : undefined))
    rmSync(path)
    const removedAt = lastTick(capture)
    await waitFor("the log recreated and rotated", () =>
      (ticksIn(`${path}.1`)[0] ?? 0) > removedAt ? true : undefined,
    )
    expect(ticksIn(path).length).toBeGreaterThan(0)
    expect(errors).toEqual([])
    await capture.close()
  })

  it("follows a log moved away: the moved file ends where the new one starts", async () => {
    const folder = dir()
    const path = join(folder, "svc.log")
    const capture = new OutputCapture({ file: { path, maxBytes: 1 << 20, keep: 1 } })
    const { child, closed } = run(capture, "ticker.mjs")
    await waitFor("ticks in the log", () => (ticksIn(path).length > 10 ? true : undefined))
    renameSync(path, join(folder, "moved.log"))
    await waitFor("ticks in a new log", () => (ticksIn(path).length > 10 ? true : undefined))
    child.kill("SIGTERM")
    await closed
    await capture.close()
    const ticks = [...ticksIn(join(folder, "moved.log")), ...ticksIn(path)]
    expect(ticks).toEqual(ticks.map((_, i) => i))
  })

  it("recreates a removed logs directory with its mode", async () => {
    const logs = join(dir(), "logs")
    mkdirSync(logs, { mode: 0o700 })
    const path = join(logs, "svc.log")
    const capture = new OutputCapture({ file: { path, maxBytes: 4096, keep: 2 } })
    const errors = errorsOf(capture)
    run(capture, "ticker.mjs")
    await waitFor("ticks in the log", () => (ticksIn(path).length > 10 ? true : undefined))
    rmSync(logs, { recursive: true })
    const removedAt = lastTick(capture)
    await waitFor("the log recreated", () => ((ticksIn(path)[0] ?? 0) > removedAt ? true : undefined))
    expect(statSync(logs).mode & 0o777).toBe(0o700)
    expect(errors).toEqual([])
    await capture.close()
  })

  it("keeps capturing while the log's directory is read-only, says why once, and resumes after", async (ctx) => {
    const logs = join(dir(), "logs")
    mkdirSync(logs)
    const path = join(logs, "svc.log")
    const capture = new OutputCapture({ file: { path, maxBytes: 2048, keep: 1 } })
    const errors = errorsOf(capture)
    run(capture, "ticker.mjs")
    await waitFor("ticks in the log", () => (ticksIn(path).length > 10 ? true : undefined))
    const refused = await mountReadOnly(logs)
    if (refused !== undefined) return ctx.skip(`cannot make a read-only bind mount: ${refused}`)
    await waitFor("the rotation to fail", () => capture.logError ?? undefined)
    expect(capture.logError).toMatch(/^cannot (rotate|write) \S+svc\.log: read-only file system \(EROFS\)$/)
    // The child goes on, and so does capture in memory, through several retries of the log.
    const failedAt = lastTick(capture)
    await waitFor("3 s more of ticks", () => (lastTick(capture) > failedAt + 600 ? true : undefined))
    expect(errors).toEqual([capture.logError])
    unmount(logs)
    await waitFor("the log to recover", () => (capture.logError === null ? true : undefined))
    const recoveredAt = lastTick(capture)
    await waitFor("new ticks in the log", () =>
      ticksIn(path).some((t) => t > recoveredAt) ? true : undefined,
    )
    expect(errors).toEqual([expect.stringContaining("EROFS"), null])
    await capture.close()
  })

  it("on a full disk runs the child to its end, keeps whole lines, frees the space once stopped, and resumes", async (ctx) => {
    const logs = join(dir(), "logs")
    mkdirSync(logs)
    const refused = mountTmpfs(logs, "256k")
    if (refused !== undefined) return ctx.skip(`cannot mount a tmpfs: ${refused}`)
    const path = join(logs, "svc.log")
    const capture = new OutputCapture({ file: { path, maxBytes: 1 << 20, keep: 0 } })
    const errors = errorsOf(capture)
    const { closed } = run(capture, "chatty.mjs", { BYTES: "4000000" })
    await closed
    const why = `cannot write ${path}: no space left on device (ENOSPC)`
    expect(errors).toEqual([why])
    expect(capture.logError).toBe(why)
    // The child wrote everything; the ring has its last line though the file could not.
    expect(capture.tail(1)[0]?.text).toMatch(/^line 0000\d+ the quick brown fox jumps over the lazy dog$/)
    const onDisk = readFileSync(path, "utf8")
    expect(onDisk.endsWith("\n")).toBe(true)
    expect(parseLines(Buffer.from(onDisk)).length).toBe(onDisk.split("\n").length - 1)
    expect(capture.tail(1)[0]?.text).not.toBe(parseLines(Buffer.from(onDisk)).at(-1)?.text)

    const full = statfsSync(logs).bfree
    rmSync(path)
    expect(statfsSync(logs).bfree).toBeGreaterThan(full + 32)
    await waitFor("the log to recover", () => {
      capture.note("still here")
      return capture.logError === null ? true : undefined
    })
    expect(errors).toEqual([why, null])
    await capture.close()
    expect(parseLines(readFileSync(path)).every((l) => l.text === "still here")).toBe(true)
  })

  it("holds the log open only while a process is attached; a note opens, writes and closes it", async () => {
    const path = join(dir(), "svc.log")
    const capture = new OutputCapture({ file: { path, maxBytes: 1 << 20, keep: 1 } })
    const { child, closed } = run(capture, "ticker.mjs")
    await waitFor("ticks in the log", () => (ticksIn(path).length > 0 ? true : undefined))
    expect(openFiles(process.pid)).toContain(path)
    child.kill("SIGTERM")
    await closed
    await waitFor("the log closed", () => (openFiles(process.pid).includes(path) ? undefined : true))
    capture.note("stopped")
    await waitFor("the note written", () =>
      readFileSync(path, "utf8").includes("stopped") ? true : undefined,
    )
    await waitFor("the log closed again", () => (openFiles(process.pid).includes(path) ? undefined : true))
    expect(capture.logError).toBeNull()
    await capture.close()
  })

  it("starts on a log path it can neither read nor write, and says why on the first write", async () => {
    const path = join(dir(), "svc.log")
    mkdirSync(path)
    const capture = new OutputCapture({ file: { path, maxBytes: 1 << 20, keep: 1 } })
    expect(capture.tail(10)).toEqual([])
    capture.note("hello")
    expect(capture.logError).toBe(`cannot write ${path}: illegal operation on a directory (EISDIR)`)
    expect(capture.tail(1).map((l) => l.text)).toEqual(["hello"])
    await capture.close()
  })
})
