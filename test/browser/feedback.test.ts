// Issue 20, points 5 and 6, in a real Chromium against a real daemon: every action's outcome shown
// as it turned out (a registration that crashes at once is never toasted "Registered", a start
// that cannot start names why at once, "Save and apply" starts a failed service afresh), server
// errors beside their fields with focus on the first, focus kept on the control used, the skip
// link; one batched usage call at login; opt-in browser notifications (the page's Notification
// constructor observed, not replaced); axe-core on login, list, form and a service's page.
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { axeSerious, launchBrowser, startDaemon, TOKEN, until, type Daemon } from "./support.ts"
import { recordToasts, toastsSeen as toastsSeenOn } from "./toasts.ts"

const SERVICES = `
[services.web]
command = "/bin/sh"
args = ["-c", "while true; do sleep 1; done"]

[services.db]
command = "/bin/sh"
args = ["-c", "while true; do sleep 1; done"]
`

// Crashes at once, then gives up after one restart: "failed" within a second or so.
const FAILS_SOON = {
  command: "/bin/sh",
  args: ["-c", "echo boom >&2; exit 3"],
  backoff: { initial: "100ms", max: "100ms", jitter: 0 },
  intensity: { max_restarts: 1, period: "60s" },
}

let daemon: Daemon
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page
const pageErrors: Array<string> = []

const row = (name: string) => page.locator(`tbody.svc[data-service="${name}"]`)
const form = () => page.locator("dialog.form-panel[open]")
const activeName = () => page.evaluate(() => document.activeElement?.getAttribute("name") ?? null)

declare global {
  interface Window {
    /** Every Notification the page constructed, and the last one. */
    __notifications?: Array<{ title: string; body: string }>
    __lastNotification?: Notification
  }
}

const toastsSeen = () => toastsSeenOn(page)
const notificationsMade = () => page.evaluate(() => [...(window.__notifications ?? [])])

const viewOf = async (name: string) => (await daemon.api("GET", `/api/services/${name}`)).body

async function register(name: string, table: object) {
  const res = await daemon.api("POST", "/api/services", { name, ...table })
  expect(res.status).toBe(201)
}

/** Waits for the form to close; if it stays open, the failure says what the form says. */
const formClosed = () =>
  until("the form to close", async () => {
    if ((await form().count()) === 0) return true
    throw new Error(`the form says: ${await form().locator(".form-error").textContent()}`)
  })

async function openRegisterForm() {
  await page.locator(".topbar button.primary").click()
  await form().waitFor()
}

beforeAll(async () => {
  daemon = await startDaemon({ extraToml: SERVICES })
  browser = await launchBrowser()
  await browser.context.grantPermissions(["notifications"], { origin: daemon.url })
  // Records the toasts, and the notifications the page asks for; Notification is wrapped, not replaced:
  // the real constructor still runs, so the page gets a real notification object back.
  await recordToasts(browser.context)
  await browser.context.addInitScript(() => {
    const made: Array<{ title: string; body: string }> = []
    window.__notifications = made
    const Real = window.Notification
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options)
        made.push({ title, body: options?.body ?? "" })
        window.__lastNotification = this
      }
    }
    window.Notification = Recorded
  })
  page = await browser.context.newPage()
  await page.setViewportSize({ width: 1366, height: 850 })
  page.setDefaultTimeout(15_000)
  page.on("pageerror", (e) => pageErrors.push(e.message))
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await daemon?.stop()
})

describe("the dashboard says how things turned out", () => {
  it("focuses the token field, passes axe-core at login, and asks for usage once after logging in", async () => {
    // 25 services, so a per-service usage call would show as 25 requests.
    for (let i = 0; i < 23; i++)
      await register(`svc${String(i).padStart(2, "0")}`, { command: "/bin/sleep", args: ["600"] })
    await until("every service measured", async () => {
      const list: Array<{ rss_bytes: unknown }> = (await daemon.api("GET", "/api/services")).body
      await daemon.api("GET", "/api/usage") // a look: keeps the monitor sampling
      return list.length === 25 && list.every((v) => typeof v.rss_bytes === "number")
    })
    await page.goto(daemon.url + "/")
    await page.locator("form.login").waitFor()
    await until("the token field to have focus", async () => (await activeName()) === "token")
    expect(await axeSerious(page)).toEqual([])

    const usageCalls: Array<string> = []
    page.on("request", (req) => {
      const path = new URL(req.url()).pathname
      if (path.endsWith("/usage")) usageCalls.push(path)
    })
    const seeded = page.waitForResponse((res) => new URL(res.url()).pathname === "/api/usage")
    await page.keyboard.type(TOKEN)
    await page.keyboard.press("Enter")
    await row("svc22").waitFor()
    const answer = await (await seeded).json()
    expect(Object.keys(answer.services)).toHaveLength(25)
    expect(answer.services.web.history.length).toBeGreaterThan(0)
    await until("a seeded sparkline", async () =>
      ((await row("web").locator(".spark polyline").getAttribute("points")) ?? "").includes(" "),
    )
    expect(usageCalls).toEqual(["/api/usage"])
    for (let i = 0; i < 23; i++) {
      const res = await daemon.api("DELETE", `/api/services/svc${String(i).padStart(2, "0")}`)
      expect(res.status).toBe(204)
    }
    await until("the extra rows gone", async () => (await page.locator("tbody.svc").count()) === 2)
  })

  it("offers a skip link first, which moves focus to the services", async () => {
    await page.reload()
    await row("web").waitFor()
    await page.keyboard.press("Tab")
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("skip-link")
    await page.keyboard.press("Enter")
    await until("focus on the services", () => page.evaluate(() => document.activeElement?.id === "services"))
    expect(await axeSerious(page)).toEqual([])
  })

  it("puts 'already exists' beside Name and focuses it; a local problem focuses its own field", async () => {
    await openRegisterForm()
    expect(await axeSerious(page)).toEqual([])
    await form().locator("[name=name]").fill("web")
    await form().locator("[name=command]").fill("/bin/true")
    await form().locator("button[type=submit]").click()
    const nameError = form().locator(".field-error[data-field=name]")
    await nameError.waitFor()
    expect(await nameError.textContent()).toContain("is taken by another service")
    await until("focus on Name", async () => (await activeName()) === "name")

    await form().locator("[name=name]").fill("fresh")
    await form().locator("[name=ports]").fill("abc")
    await form().locator("button[type=submit]").click()
    await form().locator(".field-error[data-field=ports]").waitFor()
    await until("focus on Ports", async () => (await activeName()) === "ports")
    await page.keyboard.press("Escape")
    await form().waitFor({ state: "detached" })
  })

  it("never toasts 'Registered' for a service that crashes at once, and names why in the form", async () => {
    const before = (await toastsSeen()).length
    await openRegisterForm()
    await form().locator("[name=name]").fill("crasher")
    await form().locator("[name=command]").fill("/bin/sh")
    await form().locator("[name=args]").fill("-c\necho boom >&2; exit 3")
    await form().locator("button[type=submit]").click()
    const error = form().locator(".form-error")
    await until("the reason in the form", async () =>
      ((await error.textContent()) ?? "").includes("Registered crasher, but it does not run: backoff: "),
    )
    expect(await error.textContent()).toContain("exited with code 3")
    await until("focus on the reason", () =>
      page.evaluate(() => document.activeElement?.classList.contains("form-error")),
    )
    expect((await toastsSeen()).slice(before)).toEqual([])
    // It is now an edit of what was saved: fixed in place, and applied.
    expect(await form().locator("h2").textContent()).toBe("Edit crasher")
    await form().locator("[name=args]").fill("-c\nexec sleep 600")
    await form().locator("button[type=submit]").click()
    await formClosed()
    expect((await toastsSeen()).slice(before)).toEqual(["ok: Saved crasher and applied it: running."])
    const view = await viewOf("crasher")
    expect(view.state).toBe("running")
    expect(view.spec.args).toEqual(["-c", "exec sleep 600"])
  })

  it("applies 'Save and apply' to a failed service: it starts afresh with the new spec", async () => {
    await register("quitter", FAILS_SOON)
    await until("quitter to fail", async () => (await viewOf("quitter")).state === "failed")
    await until(
      "quitter's row to say failed",
      async () => (await row("quitter").getAttribute("data-state")) === "failed",
    )
    await row("quitter").locator(".act-edit").click()
    await form().locator("[name=args]").fill("-c\nexec sleep 600")
    await form().locator("button[type=submit]").click()
    await formClosed()
    const view = await viewOf("quitter")
    expect(view.state).toBe("running")
    expect(view.spec.args).toEqual(["-c", "exec sleep 600"])
    expect((await toastsSeen()).at(-1)).toBe("ok: Saved quitter and applied it: running.")
  })

  it("names why a start fails at once, and gives focus back to the button used", async () => {
    const script = join(daemon.dir, "gone.sh")
    writeFileSync(script, "#!/bin/sh\nexec sleep 600\n", { mode: 0o755 })
    await register("gone", { command: script, autostart: false })
    rmSync(script)
    const start = row("gone").locator(".act-start")
    await start.waitFor()
    await start.focus()
    await page.keyboard.press("Enter")
    const toast = page.locator(".toast.toast-error", { hasText: "start gone: backoff: cannot start" })
    await toast.waitFor({ timeout: 3000 })
    expect(await toast.textContent()).toContain("does not exist")
    await page.locator(".toast button").first().click()

    const restart = row("web").locator(".act-restart")
    await restart.focus()
    const pid = (await viewOf("web")).pid
    await page.keyboard.press("Enter")
    await until("web restarted", async () => {
      const view = await viewOf("web")
      return view.pid !== pid && view.state === "running"
    })
    await until("the Restart button enabled and focused again", () =>
      restart.evaluate(
        (el) => el instanceof HTMLButtonElement && !el.disabled && document.activeElement === el,
      ),
    )
  })

  it("notifies once per episode when switched on, and the notification opens the service's page", async () => {
    const toggle = page.locator(".notify-toggle")
    expect(await toggle.textContent()).toBe("Notify: off")
    await toggle.click()
    await until("notifications on", async () => (await toggle.getAttribute("aria-pressed")) === "true")
    expect(await page.evaluate(() => localStorage.getItem("dockless.notifications"))).toBe("on")

    // A crash loop: one notification however many restarts it goes through.
    await register("looper", {
      command: "/bin/sh",
      args: ["-c", "echo looping >&2; exit 4"],
      backoff: { initial: "100ms", max: "200ms", jitter: 0 },
      intensity: { max_restarts: 1000, period: "60s" },
    })
    await until("a notification for looper", async () => (await notificationsMade()).length > 0)
    await until("looper to restart 8 times", async () => (await viewOf("looper")).restarts >= 8)
    expect(await notificationsMade()).toEqual([
      { title: "looper is crash-looping", body: expect.stringContaining("exited with code 4") },
    ])

    // A service that fails: its own notification, named after it, with its error.
    await register("quitter2", FAILS_SOON)
    await until("a second notification", async () => (await notificationsMade()).length === 2)
    const [, failed] = await notificationsMade()
    expect(failed?.title).toBe("quitter2 failed")

    await page.evaluate(() => window.__lastNotification?.dispatchEvent(new Event("click")))
    await page.locator("dialog.detail-panel[open]").waitFor()
    expect(await page.evaluate(() => location.hash)).toBe("#/services/quitter2")
    expect(await axeSerious(page)).toEqual([])
    await page.keyboard.press("Escape")
    await page.locator("dialog.detail-panel[open]").waitFor({ state: "detached" })
    await until("the page's own address again", () => page.evaluate(() => location.hash === ""))

    // Remembered across a reload; off means no more notifications.
    await page.reload()
    await row("web").waitFor()
    expect(await page.locator(".notify-toggle").textContent()).toBe("Notify: on")
    await page.locator(".notify-toggle").click()
    expect(await page.evaluate(() => localStorage.getItem("dockless.notifications"))).toBe("off")
    await register("quitter3", FAILS_SOON)
    await until("quitter3 to fail", async () => (await viewOf("quitter3")).state === "failed")
    await until("its row", async () => (await row("quitter3").getAttribute("data-state")) === "failed")
    expect(await notificationsMade()).toEqual([])
    expect(pageErrors).toEqual([])
  })
})
