// The logs API over real HTTP against a real daemon and the files it writes: a search that finds a
// line long gone from memory, pages back through rotations without gaps or duplicates, the bound
// on bytes read (reported, and gone past with the cursor), bad cursors, and the download equal to
// the files on disk, with a bearer token or the dashboard's session cookie.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startDaemon, tempDir, TOKEN, waitFor, waitForView, type Daemon } from "../support/daemon.ts"
import { openFiles } from "../support/logs.ts"
import { cleanup } from "./client.ts"

const LINES = 3000
const MiB = 1024 * 1024

// Writes LINES numbered lines at once (the first one a needle), then sleeps: with 64 KiB files
// they fill the current log and four rotations, far more than the 16 KiB kept in memory; a second
// run (after a restart) rotates as many times again, and `keep` holds both.
const CHATTY = `
[services.chatty]
command = "/bin/sh"
args = ["-c", "echo 'Early NEEDLE <script>x</script>'; i=1; while [ $i -lt ${LINES} ]; do echo \\"line $i of the chatty service, padded to be longer\\"; i=$((i+1)); done; exec sleep 600"]
log = { max_bytes = "64KiB", keep = 16 }
`

// A service whose log directory holds 70 MiB before it starts, a needle only in the oldest file.
const BIG = `
[services.big]
command = "/bin/sh"
args = ["-c", "echo started; exec sleep 600"]
log = { max_bytes = "16MiB", keep = 5 }
`

const daemons: Array<Daemon> = []
const pids: Array<number> = []
let d: Daemon
let logs: string

interface Page {
  lines: Array<{ ts: string; stream: string; text: string }>
  older?: string
  scanned_bytes?: number
  scan_limit_reached?: boolean
}

const get = async (path: string): Promise<Page> => {
  const res = await d.api("GET", path)
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as Page
}

/** The files of `name`'s log on disk, oldest first, as one text. */
const onDisk = (name: string): string => {
  const rotated = readdirSync(logs)
    .filter((f) => f.startsWith(`${name}.log.`))
    .map((f) => Number(f.slice(name.length + 5)))
    .sort((a, b) => b - a)
  return [...rotated.map((n) => `${name}.log.${n}`), `${name}.log`]
    .map((f) => readFileSync(join(logs, f), "utf8"))
    .join("")
}

/** A 16 MiB-ish rotated file of framed lines, stamped in the past. */
const oldFile = (first: number, count: number, text: (i: number) => string): string => {
  const at = Date.UTC(2025, 0, 1)
  const parts: Array<string> = []
  for (let i = first; i < first + count; i++)
    parts.push(`${new Date(at + i).toISOString()} stdout ${text(i)}\n`)
  return parts.join("")
}

beforeAll(async () => {
  const dir = tempDir()
  logs = join(dir, "data/logs")
  mkdirSync(logs, { recursive: true, mode: 0o700 })
  const filler = (i: number) => `filler ${i} ${"x".repeat(100)}`
  for (let n = 5; n >= 1; n--) {
    const first = (5 - n) * 120_000
    // Only the oldest file holds the needle, 64 MiB and more from the newest line.
    const text = n === 5 ? (i: number) => (i === 1000 ? "ancient needle" : filler(i)) : filler
    writeFileSync(join(logs, `big.log.${n}`), oldFile(first, 120_000, text))
  }
  d = await startDaemon({ dir, body: CHATTY + BIG })
  daemons.push(d)
  for (const name of ["chatty", "big"])
    pids.push((await waitForView(d, name, "running", (v) => v.state === "running")).pid)
  await waitFor("chatty's last line in its log", () =>
    readFileSync(join(logs, "chatty.log"), "utf8").includes(`line ${LINES - 1} of`) ? true : undefined,
  )
}, 60_000)

afterAll(() => cleanup(daemons, pids))

describe("GET /api/services/:name/logs", () => {
  it("finds by search a line long gone from memory, in a rotated file", async () => {
    expect(readFileSync(join(logs, "chatty.log"), "utf8")).not.toContain("NEEDLE")
    expect(readdirSync(logs).filter((f) => f.startsWith("chatty.log.")).length).toBeGreaterThanOrEqual(3)
    const page = await get("/api/services/chatty/logs?search=early%20needle")
    expect(page.lines.map((l) => l.text)).toEqual(["Early NEEDLE <script>x</script>"])
    expect(page.older).toBeUndefined()
    expect(page.scan_limit_reached).toBe(false)
    const mixed = await get("/api/services/chatty/logs?search=LINE%202999%20OF")
    expect(mixed.lines.map((l) => l.text)).toEqual([
      `line ${LINES - 1} of the chatty service, padded to be longer`,
    ])
  })

  it("pages back through the rotations with `before`, without gaps or duplicates", async () => {
    const pages: Array<Page> = [await get("/api/services/chatty/logs?lines=250")]
    for (let older = pages[0]?.older; older !== undefined; older = pages.at(-1)?.older)
      pages.push(await get(`/api/services/chatty/logs?lines=250&before=${encodeURIComponent(older)}`))
    const texts = pages.toReversed().flatMap((p) => p.lines.map((l) => l.text))
    const written = onDisk("chatty")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => l.split(" ").slice(2).join(" "))
    expect(texts).toEqual(written)
    expect(texts.filter((t) => t.startsWith("line ")).length).toBe(LINES - 1)
    expect(pages.length).toBeGreaterThan(LINES / 250)
  })

  it("reads at most 64 MiB per request, says so, and goes on past it with the cursor", async () => {
    const first = await get("/api/services/big/logs?search=ancient")
    expect(first.lines).toEqual([])
    expect(first.scan_limit_reached).toBe(true)
    expect(first.scanned_bytes).toBe(64 * MiB)
    expect(first.older).toMatch(/^\d+:\d+$/)
    const next = await get(
      `/api/services/big/logs?search=ancient&before=${encodeURIComponent(first.older ?? "")}`,
    )
    expect(next.lines.map((l) => l.text)).toEqual(["ancient needle"])
    expect(next.scan_limit_reached).toBe(false)
    expect(next.scanned_bytes).toBeLessThan(64 * MiB)
  })

  it("answers 400 with a sentence for a malformed or stale cursor, and a bad search", async () => {
    const malformed = await d.api("GET", "/api/services/chatty/logs?before=yesterday")
    expect(malformed.status).toBe(400)
    expect((await malformed.json()).error).toMatch(/^before must be a cursor from an earlier answer/)
    const stale = await d.api("GET", "/api/services/chatty/logs?before=1:0")
    expect(stale.status).toBe(400)
    expect((await stale.json()).error).toMatch(/^the cursor 1:0 points into a log file that is gone/)
    const long = await d.api("GET", `/api/services/chatty/logs?search=${"a".repeat(501)}`)
    expect(long.status).toBe(400)
  })

  it("answers 404 for a service that does not exist", async () => {
    expect((await d.api("GET", "/api/services/nope/logs?search=x")).status).toBe(404)
    expect((await d.api("GET", "/api/services/nope/logs/download")).status).toBe(404)
  })
})

describe("GET /api/services/:name/logs/download", () => {
  it("sends the rotated files oldest first, then the current one, byte for byte", async () => {
    const res = await d.api("GET", "/api/services/chatty/logs/download")
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8")
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="chatty.log"')
    expect(await res.text()).toBe(onDisk("chatty"))
  })

  it("streams 70 MiB of files without holding them", async () => {
    const res = await d.api("GET", "/api/services/big/logs/download")
    const reader = res.body?.getReader()
    let bytes = 0
    let chunks = 0
    for (let read = await reader?.read(); read !== undefined && !read.done; read = await reader?.read()) {
      bytes += read.value.length
      chunks++
    }
    expect(bytes).toBe(Buffer.byteLength(onDisk("big")))
    expect(chunks).toBeGreaterThan(100)
  })

  it("closes the files when the reader goes away in the middle, and after a HEAD", async () => {
    const held = () => openFiles(d.child.pid ?? 0).filter((f) => f.includes("/big.log."))
    const controller = new AbortController()
    const res = await fetch(`${d.url}/api/services/big/logs/download`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: controller.signal,
    })
    await res.body?.getReader().read()
    expect(held().length).toBe(5)
    controller.abort()
    await waitFor("the rotated files closed", () => (held().length === 0 ? true : undefined))
    const head = await d.api("HEAD", "/api/services/big/logs/download")
    expect(head.status).toBe(200)
    expect(head.headers.get("content-disposition")).toBe('attachment; filename="big.log"')
    await waitFor("the files a HEAD opened closed", () => (held().length === 0 ? true : undefined))
  })

  it("takes the dashboard's session cookie, and nothing without one", async () => {
    const login = await fetch(`${d.url}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: TOKEN }),
    })
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? ""
    const withCookie = await fetch(`${d.url}/api/services/chatty/logs/download`, { headers: { cookie } })
    expect(withCookie.status).toBe(200)
    expect(await withCookie.text()).toBe(onDisk("chatty"))
    expect((await fetch(`${d.url}/api/services/chatty/logs/download`)).status).toBe(401)
  })
})

describe("a cursor across a rotation between two pages", () => {
  it("goes on exactly where the page before it ended, after the service wrote enough to rotate it four times", async () => {
    const first = await get("/api/services/chatty/logs?lines=100")
    const current = readFileSync(join(logs, "chatty.log"), "utf8")
    // The service runs its script again: 3,000 more lines rotate the file the cursor points into.
    expect((await d.api("POST", "/api/services/chatty/restart")).status).toBe(202)
    await waitFor("the second run's last line on disk", () =>
      onDisk("chatty").split(`line ${LINES - 1} of`).length === 3 ? true : undefined,
    )
    expect(readFileSync(join(logs, "chatty.log"), "utf8")).not.toBe(current)
    const pages: Array<Page> = [first]
    for (let older = first.older; older !== undefined; older = pages.at(-1)?.older)
      pages.push(await get(`/api/services/chatty/logs?lines=300&before=${encodeURIComponent(older)}`))
    const texts = pages.toReversed().flatMap((p) => p.lines.map((l) => l.text))
    const firstRun = texts.filter((t) => t.startsWith("line ")).map((t) => Number(t.split(" ")[1]))
    expect(firstRun).toEqual(Array.from({ length: LINES - 1 }, (_, i) => i + 1))
    expect(texts.filter((t) => t.includes("NEEDLE"))).toHaveLength(1)
  })
})
