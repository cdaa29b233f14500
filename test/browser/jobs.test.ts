// A oneshot in the dashboard, through a real daemon and real Chromium: the note under its state
// (next run, how the last one ended), "Run now" in its row, the runs dialog with each run's
// start, exit and outcome, and the log viewer opened on one run's lines.
import type { Page } from "playwright-core"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { launchBrowser, startDaemon, TOKEN, until, type Daemon } from "./support.ts"

const JOBS = `
[services.backup]
command = "/bin/sh"
args = ["-c", "echo backing-up; sleep 0.2; echo backup-done"]
type = "oneshot"
schedule = "*/30 * * * *"

[services.web]
command = "/bin/sh"
args = ["-c", "exec sleep 600"]
`

let daemon: Daemon
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page
const problems: string[] = []

const row = (name: string) => page.locator(`tbody.svc[data-service="${name}"]`)

beforeAll(async () => {
  daemon = await startDaemon({ extraToml: JOBS })
  browser = await launchBrowser()
  page = browser.context.pages()[0] ?? (await browser.context.newPage())
  page.setDefaultTimeout(15_000)
  page.on("console", (msg) => {
    // The probe before login answers 401 on purpose.
    if (msg.type() === "error" && !msg.text().includes("status of 401")) problems.push(msg.text())
  })
  page.on("pageerror", (err) => problems.push(err.message))
})

afterEach(() => {
  const seen = problems.splice(0)
  expect(seen).toEqual([])
})

afterAll(async () => {
  await browser?.close()
  await daemon?.stop()
})

describe("a oneshot in the dashboard", () => {
  it("shows its next run, and Run now only for jobs", async () => {
    await page.goto(daemon.url + "/")
    const form = page.locator("form.login")
    await form.locator("input[name=token]").fill(TOKEN)
    await form.locator("button[type=submit]").click()
    await row("backup").waitFor()
    await until("the next run note", async () =>
      /^next run in \d/.test(((await row("backup").locator(".job-note").textContent()) ?? "").trim()),
    )
    expect(await row("backup").locator(".act-run").isVisible()).toBe(true)
    expect(await row("web").locator(".act-run").isVisible()).toBe(false)
    expect(await row("web").locator(".act-runs").isVisible()).toBe(false)
  })

  it("runs it now from its row, and says the run succeeded", async () => {
    await row("backup").locator(".act-run").click()
    await until("the run to end", async () => (await row("backup").getAttribute("data-state")) === "exited")
    // A scheduled job shows its next run; the outcome is in the runs dialog and the tooltip.
    const title = (await row("backup").locator(".job-note").getAttribute("title")) ?? ""
    expect(title).toMatch(/last run .*, success \(code 0\)/)
  })

  it("lists its runs with their outcome, and opens one run's log lines", async () => {
    await row("backup").locator(".act-runs").click()
    const dialog = page.locator("dialog.runs-panel[open]")
    await dialog.waitFor()
    expect(await dialog.locator(".runs-schedule").textContent()).toBe(
      "Schedule: */30 * * * * (overlap = skip)",
    )
    expect(((await dialog.locator(".runs-next").textContent()) ?? "").startsWith("Next run: ")).toBe(true)
    const first = dialog.locator("tr.run").first()
    await first.waitFor()
    expect(await first.locator(".badge").textContent()).toBe("success")
    expect(await first.locator(".run-exit").textContent()).toBe("code 0")
    expect(await first.locator(".run-trigger").textContent()).toBe("run-now")
    await first.locator(".run-logs").click()
    const view = page.locator("dialog.logs-panel[open] .log-view")
    await view.waitFor()
    await until("the run's lines", async () => ((await view.textContent()) ?? "").includes("backup-done"))
    const text = (await view.textContent()) ?? ""
    expect(text).toContain("backing-up")
    expect(await page.locator("dialog.logs-panel[open] .log-range").isVisible()).toBe(true)
  })
})
