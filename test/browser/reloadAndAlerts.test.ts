// Issue 19's dashboard actions in a real Chromium against a real daemon: "Reload config" applies
// an edited config.toml (a new service appears, the toast says what changed; an invalid file
// changes nothing and says why), and the Alerts panel's "Send test" reaches a loopback webhook
// and says so, and names the reason for a target that refused. The tests share one page and run
// in order.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { FIXTURES } from "../support/daemon.ts"
import { launchBrowser, startDaemon, TOKEN, until, type Daemon } from "./support.ts"
import { recordToasts, toastsSeen as toastsSeenOn } from "./toasts.ts"

/** A webhook's receiving end: every body it got, answering `status`. */
interface Hook {
  readonly url: string
  readonly bodies: Array<Record<string, unknown>>
  readonly server: Server
}

const hookAnswering = async (status: number): Promise<Hook> => {
  const bodies: Array<Record<string, unknown>> = []
  const server = createServer((req, res) => {
    let body = ""
    req.setEncoding("utf8")
    req.on("data", (chunk: string) => (body += chunk))
    req.on("end", () => {
      bodies.push(JSON.parse(body) as Record<string, unknown>)
      res.writeHead(status, { "content-type": "text/plain" })
      res.end(status < 300 ? "ok" : "endpoint says no")
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return { url: `http://127.0.0.1:${port}/hook`, bodies, server }
}

const sleeper = (name: string) => `[services.${name}]\ncommand = "${FIXTURES}/sleeper.sh"\n`

let daemon: Daemon
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page
let hook: Hook
let refuser: Hook

const row = (name: string) => page.locator(`tbody.svc[data-service="${name}"]`)
const viewOf = async (name: string) => (await daemon.api("GET", `/api/services/${name}`)).body

const toastsSeen = () => toastsSeenOn(page)

const toastSeen = (what: string, match: (toast: string) => boolean) =>
  until(what, async () => (await toastsSeen()).find(match))

beforeAll(async () => {
  hook = await hookAnswering(200)
  refuser = await hookAnswering(503)
  // Only "failed" and nothing fails here: what the endpoints get is the tests' doing.
  daemon = await startDaemon({
    extraToml:
      `[[notify]]\nname = "ops hook"\ntype = "webhook"\nurl = "${hook.url}"\nevents = ["failed"]\n\n` +
      `[[notify]]\nname = "refuser"\ntype = "webhook"\nurl = "${refuser.url}"\nevents = ["failed"]\n` +
      `retries = 0\n\n${sleeper("first")}`,
  })
  browser = await launchBrowser()
  await recordToasts(browser.context)
  page = await browser.context.newPage()
  page.setDefaultTimeout(15_000)
  await page.goto(daemon.url + "/")
  await page.locator("input[name=token]").fill(TOKEN)
  await page.locator("input[name=token]").press("Enter")
  await row("first").waitFor()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await daemon?.stop()
  for (const h of [hook, refuser]) {
    h?.server.closeAllConnections()
    h?.server.close()
  }
})

describe("Reload config", () => {
  it("applies a service added to config.toml: its row appears, the toast says what changed, the rest keeps its pid", async () => {
    const before = await until("first running", async () => {
      const v = await viewOf("first")
      return v.state === "running" ? v : undefined
    })
    appendFileSync(join(daemon.dir, "config.toml"), `\n${sleeper("second")}`)
    await page.getByRole("button", { name: "Reload config" }).click()
    await row("second").waitFor()
    await toastSeen("the reload's toast", (t) => t.includes("Config reloaded"))
    expect(await toastsSeen()).toEqual([
      "ok: Config reloaded: 1 added: second · 0 removed · 0 restarted · 1 kept",
    ])
    await until("second running", async () => (await viewOf("second")).state === "running")
    expect((await viewOf("first")).pid).toBe(before.pid)
  })

  it("an invalid config.toml changes nothing and the toast says why", async () => {
    appendFileSync(join(daemon.dir, "config.toml"), `\n[services.third]\ncommand = 42\n`)
    await page.getByRole("button", { name: "Reload config" }).click()
    const said = await toastSeen("the refusal's toast", (t) => t.startsWith("error: "))
    expect(said).toMatch(/services\.third\.command: /)
    expect((await daemon.api("GET", "/api/services/third")).status).toBe(404)
    expect(await row("third").count()).toBe(0)
    // The button is usable again for the next try.
    await until("the button enabled again", () =>
      page.getByRole("button", { name: "Reload config" }).isEnabled(),
    )
  })

  it("a changed service a person stopped is updated, not started, and the toast says so", async () => {
    const file = join(daemon.dir, "config.toml")
    const valid = readFileSync(file, "utf8").split("\n[services.third]")[0] ?? ""
    expect((await daemon.api("POST", "/api/services/first/stop")).status).toBe(202)
    await until("first stopped", async () => (await viewOf("first")).state === "stopped")
    writeFileSync(file, valid.replace("[services.first]\n", '[services.first]\nenv = { CHANGED = "1" }\n'))
    const shown = (await toastsSeen()).length
    await page.getByRole("button", { name: "Reload config" }).click()
    const said = await until("the reload's toast", async () => (await toastsSeen()).slice(shown)[0])
    expect(said).toBe("ok: Config reloaded: 0 added · 0 removed · 0 restarted · 1 updated: first · 1 kept")
    const first = await viewOf("first")
    expect(first.state).toBe("stopped")
    expect(first.spec.env).toEqual({ CHANGED: "1" })
  })
})

describe("the Alerts panel", () => {
  it("Send test reaches a loopback webhook and says it was delivered; a refusing one shows why", async () => {
    await page.locator("button.alerts-open").click()
    const panel = page.locator("dialog.alerts-panel[open]")
    await panel.waitFor()
    const target = (index: number) => panel.locator(`tr.alert-target[data-target="${index}"]`)
    await target(1).waitFor()
    expect(await target(0).locator(".alert-name").textContent()).toBe("ops hook")
    const shown = (await toastsSeen()).length

    await panel.getByRole("button", { name: "Send test to all" }).click()
    await until("both answers toasted", async () =>
      (await toastsSeen()).length >= shown + 2 ? true : undefined,
    )
    const toasts = (await toastsSeen()).slice(shown)
    expect(toasts).toContain("ok: Test alert delivered to ops hook.")
    const refused = toasts.find((t) => t.startsWith("error: refuser: not delivered: "))
    expect(refused).toMatch(/127\.0\.0\.1:\d+ answered 503: endpoint says no$/)
    expect(hook.bodies).toHaveLength(1)
    expect(hook.bodies[0]).toMatchObject({
      event: "test",
      service: null,
      title: "Dockless test alert",
      message: "A test alert from Dockless: this target works.",
    })
    expect(refuser.bodies).toHaveLength(1)
    // The panel reloads its targets after the test: the counts and the refusal are shown.
    await until("the sent count", async () =>
      ((await target(0).locator(".alert-counts").textContent()) ?? "").startsWith("1 sent"),
    )
    await until("the refusal under its target", async () =>
      ((await target(1).locator(".alert-error").textContent()) ?? "").includes("answered 503"),
    )

    // One target's own Test button tries that target only.
    await target(0).getByRole("button", { name: "Test" }).click()
    await until("a second test at the hook", () => (hook.bodies.length === 2 ? true : undefined))
    await until("the sent count", async () =>
      ((await target(0).locator(".alert-counts").textContent()) ?? "").startsWith("2 sent"),
    )
    expect(refuser.bodies).toHaveLength(1)
  })
})
