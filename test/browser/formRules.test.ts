// The register form and the daemon judge a service by the same rules: the form checks the table
// against the schemas of GET /api/openapi.json, generated from the Schemas the daemon decodes
// with. Each case below is one where they disagreed before (the form refused "1.5s" and an
// upper-case scheme the daemon takes, and let "http://[" through to a 400): the form's verdict
// (registered, or refused at a field without sending anything) must be the daemon's.
import type { Page, Request } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchBrowser, startDaemon, TOKEN, until, type Daemon } from "./support.ts"

interface Case {
  readonly name: string
  /** Form fields to fill, by input name. */
  readonly fill: Readonly<Record<string, string>>
  readonly health?: "http" | "tcp" | "exec"
  /** The table the form sends for these fields (name, command, restart and autostart added). */
  readonly table: Readonly<Record<string, unknown>>
  /** The field an error shows at when the rules refuse it. */
  readonly field: string
}

const cases: ReadonlyArray<Case> = [
  {
    name: "decimal-interval",
    health: "tcp",
    fill: { health_target: "9", health_interval: "1.5s" },
    table: { health: { tcp: 9, interval: "1.5s" } },
    field: "health_interval",
  },
  {
    name: "sub-second-interval",
    health: "tcp",
    fill: { health_target: "9", health_interval: "0.5s" },
    table: { health: { tcp: 9, interval: "0.5s" } },
    field: "health_interval",
  },
  {
    name: "zero-interval",
    health: "tcp",
    fill: { health_target: "9", health_interval: "0s" },
    table: { health: { tcp: 9, interval: "0s" } },
    field: "health_interval",
  },
  {
    name: "unitless-interval",
    health: "tcp",
    fill: { health_target: "9", health_interval: "10" },
    table: { health: { tcp: 9, interval: "10" } },
    field: "health_interval",
  },
  {
    name: "upper-case-scheme",
    health: "http",
    fill: { health_target: "HTTP://127.0.0.1:9/healthz" },
    table: { health: { http: "HTTP://127.0.0.1:9/healthz" } },
    field: "health_target",
  },
  {
    name: "unparsable-url",
    health: "http",
    fill: { health_target: "http://[" },
    table: { health: { http: "http://[" } },
    field: "health_target",
  },
  {
    name: "env-name-with-space",
    fill: { env: "MY VAR=1" },
    table: { env: { "MY VAR": "1" } },
    field: "env",
  },
  {
    name: "port-zero",
    fill: { ports: "0" },
    table: { ports: [0] },
    field: "ports",
  },
  {
    name: "bad name!",
    fill: {},
    table: {},
    field: "name",
  },
]

let daemon: Daemon
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page
const posts: Array<string> = []

beforeAll(async () => {
  daemon = await startDaemon()
  browser = await launchBrowser()
  page = browser.context.pages()[0] ?? (await browser.context.newPage())
  page.setDefaultTimeout(15_000)
  page.on("request", (request: Request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/api/services")
      posts.push(request.postData() ?? "")
  })
  await page.goto(`${daemon.url}/`)
  const login = page.locator("form.login")
  await login.locator("input[name=token]").fill(TOKEN)
  await login.locator("button[type=submit]").click()
  await page.locator(".shell .topbar button.primary").waitFor()
})

afterAll(async () => {
  await browser?.close()
  await daemon?.stop()
})

/** What the form does with a case: "registered", or the text at the case's field. */
const formVerdict = async (c: Case): Promise<string> => {
  await page.locator(".topbar button.primary").click()
  const dialog = page.locator("dialog.form-panel[open]")
  await dialog.waitFor()
  await dialog.locator("[name=name]").fill(c.name)
  await dialog.locator("[name=command]").fill("/bin/true")
  await dialog.locator("[name=restart]").selectOption("never")
  await dialog.locator("[name=autostart]").uncheck()
  if (c.health !== undefined) await dialog.locator("[name=health_type]").selectOption(c.health)
  for (const [field, value] of Object.entries(c.fill)) await dialog.locator(`[name=${field}]`).fill(value)
  await dialog.locator("button[type=submit]").click()
  const error = dialog.locator(`.field-error[data-field=${c.field}]`)
  const verdict = await until(`the form's verdict on ${c.name}`, async () => {
    if (!(await dialog.isVisible())) return "registered"
    return (await error.isVisible()) ? ((await error.textContent()) ?? "").trim() : undefined
  })
  if (verdict !== "registered") await dialog.locator("button[aria-label=Close]").click()
  return verdict
}

describe("the form and the daemon", () => {
  it.each(cases.map((c) => [c.name, c] as const))("agree on %s", async (_, c) => {
    const table = { name: c.name, command: "/bin/true", restart: "never", autostart: false, ...c.table }
    const sentBefore = posts.length
    const verdict = await formVerdict(c)
    if (verdict === "registered") {
      // The form sent exactly this table, and the daemon kept it.
      expect(JSON.parse(posts.at(-1) ?? "{}")).toEqual(table)
      expect((await daemon.api("GET", `/api/services/${c.name}`)).status).toBe(200)
      expect((await daemon.api("DELETE", `/api/services/${c.name}`)).status).toBe(204)
    } else {
      // Refused at the field, nothing sent; the daemon refuses the same table.
      expect(posts.length).toBe(sentBefore)
      const answer = await daemon.api("POST", "/api/services", table)
      expect(answer.status, JSON.stringify(answer.body)).toBe(400)
      expect(verdict).not.toBe("")
    }
    const daemonSays = await daemon.api("POST", "/api/services", table)
    expect(daemonSays.status === 201 ? "registered" : "refused").toBe(
      verdict === "registered" ? "registered" : "refused",
    )
    if (daemonSays.status === 201) await daemon.api("DELETE", `/api/services/${c.name}`)
  })

  it("say the same sentence about a value, word for word", async () => {
    const c = cases.find((x) => x.name === "zero-interval")
    if (c === undefined) throw new Error("no such case")
    const verdict = await formVerdict(c)
    const answer = await daemon.api("POST", "/api/services", {
      name: c.name,
      command: "/bin/true",
      ...c.table,
    })
    expect(answer.body.details).toContainEqual({ path: "health.interval", message: verdict })
  })
})
