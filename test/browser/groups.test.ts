// A group from the dashboard (issue 17: a person's start of a group is in the CLI, the API and
// the dashboard): the service page of a member offers the group's start, stop and restart, and
// each does what POST /api/groups/:name/... does: restart brings both members back with new
// processes, stop leaves both stopped, start runs them again.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Page } from "playwright-core"
import { FIXTURES } from "../support/daemon.ts"
import { launchBrowser, startDaemon, TOKEN, until, type Daemon } from "./support.ts"

let daemon: Daemon
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page

const SERVICES =
  `[services.a]\ncommand = "${FIXTURES}/sleeper.sh"\n[services.b]\ncommand = "${FIXTURES}/sleeper.sh"\n` +
  `[supervisors.pair]\nstrategy = "one_for_all"\nchildren = ["a", "b"]\n`

const pids = async () =>
  Promise.all(["a", "b"].map(async (n) => (await daemon.api("GET", `/api/services/${n}`)).body))

beforeAll(async () => {
  daemon = await startDaemon({ extraToml: SERVICES })
  browser = await launchBrowser()
  page = await browser.context.newPage()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await daemon?.stop()
})

describe("a group from a member's page", () => {
  it("restarts, stops and starts the whole group", async () => {
    await page.goto(daemon.url + "/")
    await page.locator("input[name=token]").fill(TOKEN)
    await page.locator("input[name=token]").press("Enter")
    await page.locator('tbody.svc[data-service="a"]').waitFor({ timeout: 30_000 })
    const before = await until("both members to run", async () => {
      const views = await pids()
      return views.every((v) => v.state === "running") ? views : undefined
    })
    await page.goto(daemon.url + "/#/services/a")
    const detail = page.locator("dialog.detail-panel[open]")
    await detail.waitFor()
    await until("the group row", async () =>
      ((await detail.locator(".d-group").textContent()) ?? "").includes("pair"),
    )

    expect(await detail.locator(".d-group").textContent()).toContain("pair (one_for_all: a → b)")
    await detail.locator(".group-restart").click()
    await until("both members restarted", async () => {
      const views = await pids()
      return views.every((v, i) => v.state === "running" && v.pid !== before[i]?.pid) ? true : undefined
    })
    await detail.locator(".group-stop").click()
    await until("both members stopped", async () => {
      const views = await pids()
      return views.every((v) => v.state === "stopped" && v.desired === "stopped") ? true : undefined
    })
    await detail.locator(".group-start").click()
    await until("both members running again", async () => {
      const views = await pids()
      return views.every((v) => v.state === "running") ? true : undefined
    })
  }, 60_000)
})
