// Pages of a rotated log read back from real files: paging back through rotations without gaps
// or duplicates, a cursor that survives a rotation, search (any case, colour codes ignored, plain
// text), the bound on bytes read, stale cursors, time ranges, and the whole archive as a stream.
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { LogArchive } from "../../src/actors/LogArchive.ts"
import { LogCursorStale } from "../../src/actors/LogErrors.ts"
import { readPage, type LogPage, type PageRequest } from "../../src/actors/LogPage.ts"
import { LogFilter, type LogQuery } from "../../src/actors/LogQuery.ts"

const logIn = () => join(mkdtempSync(join(tmpdir(), "dockless-page-")), "svc.log")
/** Line i is stamped i seconds after midnight, 2026-01-01 (up to a day of them). */
const stamp = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()
const framed = (from: number, to: number, text = (i: number) => `line ${i}`) =>
  Array.from({ length: to - from }, (_, k) => `${stamp(from + k)} stdout ${text(from + k)}\n`).join("")
const texts = (page: LogPage) => page.lines.map((l) => l.text)

const page = async (
  path: string,
  request: Partial<PageRequest> & { query?: LogQuery },
  keep = 3,
  limit?: number,
) => {
  const answer = await readPage(
    { path, keep },
    { count: request.count ?? 100, before: request.before, filter: new LogFilter(request.query ?? {}) },
    limit,
  )
  if (answer instanceof LogCursorStale) throw new Error(answer.message)
  return answer
}

/** Every page from the newest back, until there is nothing older. */
const allPages = async (path: string, request: { count: number; query?: LogQuery }, limit?: number) => {
  const pages: Array<LogPage> = []
  let before: string | undefined
  do {
    const next = await page(path, { ...request, before }, 3, limit)
    pages.push(next)
    before = next.older
  } while (before !== undefined && pages.length < 10_000)
  return pages
}

describe("readPage", () => {
  it("pages back through the current file and its rotations without gaps or duplicates", async () => {
    const path = logIn()
    writeFileSync(`${path}.2`, framed(0, 40))
    writeFileSync(`${path}.1`, framed(40, 95))
    writeFileSync(path, framed(95, 120))
    const pages = await allPages(path, { count: 7 })
    const seen = pages.toReversed().flatMap(texts)
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => `line ${i}`))
    expect(pages.at(-1)?.older).toBeUndefined()
    expect(pages.slice(0, -1).every((p) => p.lines.length === 7)).toBe(true)
  })

  it("goes on from a cursor after the log rotated under it", async () => {
    const path = logIn()
    writeFileSync(`${path}.1`, framed(0, 50))
    writeFileSync(path, framed(50, 100))
    const first = await page(path, { count: 30 })
    expect(texts(first)[0]).toBe("line 70")
    // Rotation as LogFile does it: every file moves up one, a new current file starts.
    renameSync(`${path}.1`, `${path}.2`)
    renameSync(path, `${path}.1`)
    writeFileSync(path, framed(100, 110))
    const next = await page(path, { count: 40, before: first.older })
    expect(texts(next)).toEqual(Array.from({ length: 40 }, (_, i) => `line ${30 + i}`))
  })

  it("leaves out a last line still being written, and gives lines appended later only to a new read", async () => {
    const path = logIn()
    writeFileSync(path, `${framed(0, 5)}${stamp(5)} stdout line 5 half`)
    const first = await page(path, { count: 2 })
    expect(texts(first)).toEqual(["line 3", "line 4"])
    appendFileSync(path, "\n" + framed(6, 8))
    expect(texts(await page(path, { count: 10, before: first.older }))).toEqual([
      "line 0",
      "line 1",
      "line 2",
    ])
    expect(texts(await page(path, { count: 3 }))).toEqual(["line 5 half", "line 6", "line 7"])
  })

  it("searches in any case, ignoring colour codes, as plain text", async () => {
    const path = logIn()
    const text = (i: number) =>
      i === 3 ? "\u001b[32mINFO\u001b[0m Served a.c" : i === 70 ? "info served abc" : `noise ${i}`
    writeFileSync(`${path}.1`, framed(0, 50, text))
    writeFileSync(path, framed(50, 100, text))
    expect(texts(await page(path, { query: { search: "info served" } }))).toEqual([
      "\u001b[32mINFO\u001b[0m Served a.c",
      "info served abc",
    ])
    expect(texts(await page(path, { query: { search: "a.c" } }))).toEqual([
      "\u001b[32mINFO\u001b[0m Served a.c",
    ])
    expect(texts(await page(path, { query: { search: "(" } }))).toEqual([])
  })

  it("reads no more bytes than its bound, says so, and goes on from where it stopped", async () => {
    const path = logIn()
    const text = (i: number) => (i % 1000 === 0 ? `needle ${i}` : `hay ${i}`)
    writeFileSync(`${path}.1`, framed(0, 20_000, text))
    writeFileSync(path, framed(20_000, 40_000, text))
    const limit = 256 * 1024
    const first = await page(path, { query: { search: "needle" } }, 3, limit)
    expect(first.limitReached).toBe(true)
    expect(first.scannedBytes).toBe(limit)
    expect(first.older).toBeDefined()
    const pages = await allPages(path, { count: 100, query: { search: "needle" } }, limit)
    expect(pages.every((p) => p.scannedBytes <= limit)).toBe(true)
    expect(pages.toReversed().flatMap(texts)).toEqual(
      Array.from({ length: 40 }, (_, i) => `needle ${i * 1000}`),
    )
    expect(pages.at(-1)?.limitReached).toBe(false)
  })

  it("keeps a time range, and stops reading once it has passed the start of it", async () => {
    const path = logIn()
    writeFileSync(`${path}.1`, framed(0, 50_000))
    writeFileSync(path, framed(50_000, 51_000))
    const range = await page(path, { count: 1000, query: { since: stamp(50_900), until: stamp(50_902) } })
    expect(texts(range)).toEqual(["line 50900", "line 50901", "line 50902"])
    expect(range.older).toBeUndefined()
    expect(range.scannedBytes).toBeLessThan(256 * 1024)
  })

  it("refuses a cursor into a file that is gone, or one not at the start of a line", async () => {
    const path = logIn()
    writeFileSync(path, framed(0, 10))
    const { older } = await page(path, { count: 2 })
    const [ino, offset] = (older ?? "").split(":")
    const stale = (before: string) =>
      readPage({ path, keep: 3 }, { count: 5, before, filter: new LogFilter({}) })
    expect(await stale(`${ino}:${Number(offset) - 3}`)).toBeInstanceOf(LogCursorStale)
    writeFileSync(`${path}.new`, framed(0, 3))
    renameSync(`${path}.new`, path)
    const gone = await stale(older ?? "")
    expect(gone).toBeInstanceOf(LogCursorStale)
    expect(gone instanceof LogCursorStale && gone.message).toMatch(/gone .*load the newest lines again/)
  })
})

describe("LogArchive.readable", () => {
  it("streams every whole line, oldest file first", async () => {
    const path = logIn()
    writeFileSync(`${path}.2`, framed(0, 10_000))
    writeFileSync(`${path}.1`, framed(10_000, 10_005))
    writeFileSync(path, `${framed(10_005, 10_010)}${stamp(1)} stdout half`)
    const archive = await LogArchive.open(path, 3)
    const text = await new Response(archive.readable()).text()
    expect(text).toBe(framed(0, 10_010))
  })
})
