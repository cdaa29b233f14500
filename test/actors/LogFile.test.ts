// LogFile's one error path, on real files with a clock the test moves: a failed log drops what
// waits, frees a paused producer, says why once per outage, and is tried again only on a write
// at least RETRY_MS after the failure.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { HIGH_WATER, LogFile, RETRY_MS } from "../../src/actors/LogFile.ts"

const dir = () => mkdtempSync(join(tmpdir(), "dockless-logfile-"))

const logFile = (path: string, now: () => number = Date.now) => {
  const errors: Array<string | null> = []
  let drains = 0
  const file = new LogFile({
    path,
    maxBytes: 1 << 20,
    keep: 1,
    onDrain: () => drains++,
    onError: (error) => errors.push(error),
    now,
  })
  return { file, errors, drains: () => drains }
}

describe("LogFile", () => {
  it("tries a failed log again only on a write RETRY_MS later, and reports the outage once", async () => {
    let now = 0
    const path = join(dir(), "svc.log")
    mkdirSync(path) // a directory where the log should be: every open fails
    const { file, errors } = logFile(path, () => now)
    for (let i = 0; i < 100; i++) file.append(Buffer.from(`line ${i}\n`))
    const why = `cannot write ${path}: illegal operation on a directory (EISDIR)`
    expect(file.error).toBe(why)
    expect(errors).toEqual([why])

    rmdirSync(path) // the cause goes away
    now = RETRY_MS - 1
    file.append(Buffer.from("too early\n"))
    expect(existsSync(path)).toBe(false)
    expect(file.error).toBe(why)

    now = RETRY_MS
    file.append(Buffer.from("late enough\n"))
    await file.close()
    expect(readFileSync(path, "utf8")).toBe("late enough\n")
    expect(file.error).toBeNull()
    expect(errors).toEqual([why, null])
  })

  it("on a full disk drops what waits and releases the paused producer instead of holding it", async () => {
    const { file, errors, drains } = logFile("/dev/full")
    const chunk = Buffer.alloc(64 * 1024, "x\n")
    let paused = false
    for (let i = 0; i * chunk.length <= 2 * HIGH_WATER; i++) paused = !file.append(chunk) || paused
    expect(paused).toBe(true)
    await file.close()
    expect(file.queued).toBe(0)
    expect(drains()).toBe(1)
    expect(errors).toEqual(["cannot write /dev/full: no space left on device (ENOSPC)"])
  })
})
