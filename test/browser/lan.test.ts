// The dashboard on a LAN, in real Chromium: over self-signed HTTPS with the certificate's key
// pinned (the browser trusts exactly that key, as a user who checked the fingerprint does), a
// viewer who sees everything and no write button, and the sessions panel with "revoke".
import { createHash, X509Certificate } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterEach, describe, expect, it } from "vitest"
import { launchBrowser, startDaemon, TOKEN, until, type Daemon } from "./support.ts"

const VIEWER = "viewer-token-456"
const CLOCK = `
[services.clock]
command = "/bin/sh"
args = ["-c", "while true; do echo tick; sleep 5; done"]
`

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const started = async (options: Parameters<typeof startDaemon>[0]) => {
  const daemon = await startDaemon(options)
  cleanups.push(() => daemon.stop())
  return daemon
}

const openPage = async (args: ReadonlyArray<string> = []) => {
  const browser = await launchBrowser(args)
  cleanups.push(() => browser.close())
  const page = browser.context.pages()[0] ?? (await browser.context.newPage())
  page.setDefaultTimeout(15_000)
  return page
}

const logIn = async (page: Page, daemon: Daemon, token: string) => {
  await page.goto(`${daemon.url}/`)
  const form = page.locator("form.login")
  await form.locator("input[name=token]").fill(token)
  await form.locator("button[type=submit]").click()
  await page.locator(".shell .topbar").waitFor()
}

describe("dashboard on a LAN", () => {
  it("loads over self-signed HTTPS with the certificate's key pinned, and logs in", async () => {
    const daemon = await started({ tls: true, extraToml: `[http]\ntls = "self-signed"\n${CLOCK}` })
    const cert = new X509Certificate(readFileSync(join(daemon.dir, "data/tls/cert.pem")))
    const spki = createHash("sha256")
      .update(cert.publicKey.export({ type: "spki", format: "der" }))
      .digest("base64")
    const page = await openPage([`--ignore-certificate-errors-spki-list=${spki}`])
    await logIn(page, daemon, TOKEN)
    await page.locator('tbody.svc[data-service="clock"]').waitFor()
    expect(page.url()).toMatch(/^https:\/\//)
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true)
  })

  it("shows a viewer everything but no write button, and its session read-only", async () => {
    const daemon = await started({ extraToml: `viewer_tokens = ["${VIEWER}"]\n${CLOCK}` })
    const page = await openPage()
    await logIn(page, daemon, VIEWER)
    const row = page.locator('tbody.svc[data-service="clock"]')
    await row.waitFor()
    await page.locator(".topbar .role-badge").waitFor()
    for (const cls of ["act-start", "act-stop", "act-restart", "act-edit", "act-delete"])
      expect(await row.locator(`.${cls}`).isVisible(), cls).toBe(false)
    expect(await row.locator(".act-logs").isVisible()).toBe(true)
    expect(await page.locator(".topbar button.primary").isVisible()).toBe(false)

    await page.locator(".topbar .sessions-open").click()
    const panel = page.locator("dialog.sessions-panel[open]")
    await panel.locator(".session-row").first().waitFor()
    expect(await panel.locator(".session-current").first().isVisible()).toBe(true)
    expect(await panel.locator(".session-revoke").first().isVisible()).toBe(false)
  })

  it("lists sessions with this browser marked, and revoking another logs it out at once", async () => {
    const daemon = await started({ extraToml: CLOCK })
    const other = await daemon.api("POST", "/api/login", { token: TOKEN })
    expect(other.status).toBe(200)
    const page = await openPage()
    await logIn(page, daemon, TOKEN)
    await page.locator(".topbar .sessions-open").click()
    const panel = page.locator("dialog.sessions-panel[open]")
    await until("two sessions listed", async () => (await panel.locator(".session-row").count()) === 2)
    const mine = panel.locator(".session-row", { has: page.locator(".session-current:visible") })
    // The badge is shown by x-show once the row exists: wait for it, as for the rows.
    await until("this browser's session marked", async () => (await mine.count()) === 1)
    const theirs = panel.locator(".session-row", { hasNot: page.locator(".session-current:visible") })
    await theirs.locator(".session-revoke").click()
    await until("one session left", async () => (await panel.locator(".session-row").count()) === 1)
    expect((await daemon.api("GET", "/api/sessions")).body.sessions).toHaveLength(1)

    // Revoking this browser's own session takes it back to the login form.
    await mine.locator(".session-revoke").click()
    await page.locator("form.login").waitFor()
  })

  it("edits a service with a secret: the form shows ••••, and saving keeps the real value", async () => {
    const daemon = await started({ extraToml: "" })
    const proof = join(daemon.dir, "api.proof")
    const registered = await daemon.api("POST", "/api/services", {
      name: "api",
      command: join(process.cwd(), "test/fixtures/env-proof.sh"),
      args: ["TOKEN"],
      env: { TOKEN: "browser-secret-1234", PROOF: proof },
      secret_env: ["TOKEN"],
    })
    expect(registered.status).toBe(201)
    const page = await openPage()
    await logIn(page, daemon, TOKEN)
    const row = page.locator('tbody.svc[data-service="api"]')
    await row.waitFor()
    await row.locator(".act-edit").click()
    const form = page.locator("dialog.form-panel[open]")
    await form.waitFor()
    expect(await form.locator("[name=env]").inputValue()).toContain("TOKEN=••••")
    expect(await page.content()).not.toContain("browser-secret-1234")
    writeFileSync(proof, "")
    await form.locator("[name=args]").fill("TOKEN\nPROOF")
    await form.locator("button[type=submit]").click()
    await form.waitFor({ state: "detached" })
    await until("the edited service's proof", () => readFileSync(proof, "utf8").includes("PROOF="))
    expect(readFileSync(proof, "utf8")).toBe(`TOKEN=browser-secret-1234\nPROOF=${proof}\n`)
    const view = await daemon.api("GET", "/api/services/api")
    expect(view.body.spec.env.TOKEN).toBe("••••")
    expect(view.body.spec.secret_env).toEqual(["TOKEN"])
  })
})
