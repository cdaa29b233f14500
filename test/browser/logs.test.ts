// The logs dialog in a real Chromium against a real daemon whose service wrote far more than
// memory keeps, into a log rotated four times: a search that finds (and highlights) a line only a
// rotated file still holds, with its `<script>` shown as text; "Load older" adding the lines just
// before, without a gap; a time range; the download equal to the files on disk; copy as one
// "time text" line per line; a 3,000-character line folded behind an expander.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { axeSerious, launchBrowser, startDaemon, TOKEN, until, type Daemon } from "./support.ts"

const LINES = 3000
const NEEDLE = "Early NEEDLE <script>alert(1)</script>"

const scripts = mkdtempSync(join(tmpdir(), "dockless-logs-browser-"))
const CHATTY = join(scripts, "chatty.sh")
writeFileSync(
  CHATTY,
  [
    "#!/bin/sh",
    `echo '${NEEDLE}'`,
    "i=1",
    `while [ $i -lt ${LINES} ]; do echo "line $i of chatty"; i=$((i+1)); done`,
    `printf 'long %s end\\n' "$(head -c 3000 /dev/zero | tr '\\0' 'y')"`,
    "printf '\\033[32mINFO\\033[0m coloured\\n'",
    "exec sleep 600",
    "",
  ].join("\n"),
)
chmodSync(CHATTY, 0o755)

let daemon: Daemon
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page
const problems: Array<string> = []

const panel = () => page.locator("dialog.logs-panel[open]")
const view = () => panel().locator(".log-view")
const lineTexts = async () => (await view().locator(".line .text").allTextContents()).map((t) => t.trim())
const logsDir = () => join(daemon.dir, "data/logs")

/** chatty's log files on disk, oldest first, as one text. */
const onDisk = (): string => {
  const rotated = readdirSync(logsDir())
    .filter((f) => f.startsWith("chatty.log."))
    .map((f) => Number(f.slice("chatty.log.".length)))
    .sort((a, b) => b - a)
    .map((n) => `chatty.log.${n}`)
  return [...rotated, "chatty.log"].map((f) => readFileSync(join(logsDir(), f), "utf8")).join("")
}

/** The numbers of the `line N of chatty` lines shown, in order. */
const numbersShown = async () =>
  (await lineTexts()).flatMap((t) => {
    const m = /^line (\d+) of chatty$/.exec(t)
    return m?.[1] === undefined ? [] : [Number(m[1])]
  })

beforeAll(async () => {
  daemon = await startDaemon({
    extraToml: `[services.chatty]\ncommand = ${JSON.stringify(CHATTY)}\nlog = { max_bytes = "64KiB", keep = 8 }\n`,
  })
  await until("chatty's last line on disk", () => onDisk().includes("coloured\n"), 20_000)
  browser = await launchBrowser()
  await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: daemon.url })
  page = browser.context.pages()[0] ?? (await browser.context.newPage())
  page.setDefaultTimeout(15_000)
  await page.setViewportSize({ width: 1280, height: 860 })
  page.on("console", (msg) => {
    // The probe before login answers 401 on purpose.
    if (msg.type() === "error" && !msg.text().includes("status of 401")) problems.push(msg.text())
  })
  page.on("pageerror", (err) => problems.push(err.message))
  page.on("dialog", (dialog) => {
    problems.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  await page.goto(daemon.url + "/")
  const form = page.locator("form.login")
  await form.locator("input[name=token]").fill(TOKEN)
  await form.locator("button[type=submit]").click()
  await page.locator('tbody.svc[data-service="chatty"] .act-logs').click()
  await until("the newest lines", async () => (await lineTexts()).some((t) => t.endsWith("coloured")))
})

afterEach(() => {
  expect(problems.splice(0)).toEqual([])
})

afterAll(async () => {
  await browser?.close()
  await daemon?.stop()
  rmSync(scripts, { recursive: true, force: true })
})

describe("the logs dialog", () => {
  it("finds by search a line only a rotated file holds, highlights it, and shows its <script> as text", async () => {
    expect(readFileSync(join(logsDir(), "chatty.log"), "utf8")).not.toContain("NEEDLE")
    expect(await lineTexts()).not.toContain(NEEDLE)
    await panel().locator("input[name=log-search]").fill("early needle")
    await panel().locator("form.log-find button[type=submit]").click()
    await until("the needle", async () => (await lineTexts()).includes(NEEDLE))
    expect(await view().locator(".line").count()).toBe(1)
    expect(await view().locator(".hit").allTextContents()).toEqual(["Early NEEDLE"])
    expect(await view().locator("script").count()).toBe(0)
    expect((await panel().locator(".log-foot").textContent())?.trim()).toContain("1 match")
    await panel().locator(".log-clear").click()
    await until("the newest lines again", async () => (await lineTexts()).some((t) => t.endsWith("coloured")))
  })

  it("passes axe-core with a search's result and Load older shown", async () => {
    await panel().locator("input[name=log-search]").fill("OF CHATTY")
    await panel().locator("form.log-find button[type=submit]").click()
    await until("matches and Load older", async () => await panel().locator("button.load-older").isVisible())
    const serious = await axeSerious(page, "dialog.logs-panel")
    expect(serious).toEqual([])
    await panel().locator(".log-clear").click()
    await until("the newest lines again", async () => (await lineTexts()).some((t) => t.endsWith("coloured")))
  })

  it("adds the lines just before the oldest shown with Load older, without a gap", async () => {
    const before = await numbersShown()
    expect(before.length).toBeGreaterThan(100)
    const oldest = before[0] ?? 0
    await panel().locator("button.load-older").click()
    await until("older lines", async () => ((await numbersShown())[0] ?? oldest) < oldest)
    const after = await numbersShown()
    expect(after.length).toBe(before.length + 200)
    expect(after.every((n, i) => i === 0 || n === (after[i - 1] ?? 0) + 1)).toBe(true)
  })

  it("folds a 3,000-character line behind an expander", async () => {
    const long = view().locator(".line", { hasText: "long yyy" })
    expect(((await long.locator(".text").textContent()) ?? "").length).toBeLessThan(500)
    await long.locator("button.fold").click()
    expect((await long.locator(".text").textContent())?.trim()).toBe(`long ${"y".repeat(3000)} end`)
    expect((await long.locator("button.fold").textContent())?.trim()).toBe("fold")
  })

  it('copies the lines shown as one "time text" line each', async () => {
    await panel().locator("button.copy-lines").click()
    await until("the copied note", async () =>
      ((await panel().locator(".log-tools [role=status]").textContent()) ?? "").includes("copied"),
    )
    const copied = (await page.evaluate(() => navigator.clipboard.readText())).split("\n")
    expect(copied.length).toBe(await view().locator(".line").count())
    expect(copied.at(-1)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO coloured$/)
    expect(copied.at(-3)).toMatch(/^\S+Z line 2999 of chatty$/)
  })

  it("keeps a time range", async () => {
    const input = (name: string) => panel().locator(`input[name=${name}]`)
    await input("log-since").fill("2020-01-01T00:00:00")
    await input("log-until").fill("2020-01-01T00:10:00")
    await panel().locator("form.log-find button[type=submit]").click()
    await until("no lines in 2020", async () => (await view().locator(".line").count()) === 0)
    expect(await panel().locator(".log-range").isVisible()).toBe(true)
    const today = await page.evaluate(() => {
      const d = new Date(Date.now() - 3_600_000)
      const pad = (n: number) => String(n).padStart(2, "0")
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:00`
    })
    await input("log-since").fill(today)
    await input("log-until").fill("")
    await panel().locator("form.log-find button[type=submit]").click()
    await until("the last hour's lines", async () => (await lineTexts()).some((t) => t.endsWith("coloured")))
    await panel().locator(".log-clear").click()
  })

  it("downloads the log files, byte for byte as they are on disk", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      panel().locator("a.log-download").click(),
    ])
    expect(download.suggestedFilename()).toBe("chatty.log")
    const path = await download.path()
    expect(readFileSync(path, "utf8")).toBe(onDisk())
  })
})
