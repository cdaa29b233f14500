// Output capture with real pipes and files: framing, the partial last line, rotation, the
// in-memory ring, and backpressure from a child that writes faster than we read.
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import { OutputCapture, parseLines } from "../../src/actors/OutputCapture.ts"
import { FIXTURES } from "../support/daemon.ts"

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
