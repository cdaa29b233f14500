// The dashboard end to end: a real daemon built into dist/, real Chromium, the page served with
// its strict CSP. The tests run in order and share one logged-in page (vitest runs the tests of a
// file sequentially); each one checks its own outcome, and every test also fails on a console
// error, an uncaught page error or a JavaScript dialog (see afterEach).
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { freePort, launchBrowser, startDaemon, TOKEN, until, type Daemon } from "./support.ts"

const ARTIFACTS = join(process.cwd(), "test/artifacts")

// A config-defined service, so the page shows both sources (config ones cannot be edited or deleted).
const CONFIG_SERVICES = `
[services.clock]
command = "/bin/sh"
args = ["-c", "while true; do echo tick-tock; sleep 5; done"]
`

// Answers every request with 200 on $PORT: an http health check target, and a port to probe.
const PORT_SERVER = join(process.cwd(), "test/fixtures/port-server.mjs")

const HELLO_SCRIPT =
  'echo hello-from-dockless; echo oops-on-stderr >&2; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done'
const XSS_TEXT = "<img src=x onerror=alert(1)>"

let daemon: Daemon
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page

// Problems the page reports; afterEach fails the test when any appear.
const consoleErrors: string[] = []
const pageErrors: string[] = []
const dialogs: string[] = []
// Chromium logs every non-2xx fetch as a console error ("Failed to load resource: … status of
// 401"). A test lists the answers it provokes on purpose; any other one is a failure.
let allowedHttp: string[] = []
const allowHttp = (status: number, path: string) => allowedHttp.push(`${status} ${path}`)
const allowNetworkError = (path: string) => allowedHttp.push(`net ${path}`)

const row = (name: string) => page.locator(`tbody.svc[data-service="${name}"]`)
const cellText = async (name: string, cls: string) =>
  ((await row(name).locator(`.${cls}`).textContent()) ?? "").trim()
const stateOf = (name: string) => row(name).getAttribute("data-state")

async function waitForState(name: string, state: string, timeoutMs = 15_000) {
  try {
    await until(`${name} to show state ${state}`, async () => (await stateOf(name)) === state, timeoutMs)
  } catch (e) {
    // Say what the daemon itself thinks, to tell a page bug from a server one.
    const view = await daemon.api("GET", `/api/services/${name}`).catch((err: unknown) => String(err))
    throw new Error(
      `${e instanceof Error ? e.message : String(e)}\n--- daemon view ---\n${JSON.stringify(view)}` +
        `\n--- daemon output (tail) ---\n${daemon.output().slice(-3000)}`,
    )
  }
}

async function pidOf(name: string): Promise<number> {
  const text = await cellText(name, "c-pid")
  return /^\d+$/.test(text) ? Number(text) : NaN
}

/** The sparkline's coordinates for a service ("x,y x,y …" → count). */
const sparkPointCount = async (name: string) =>
  ((await row(name).locator(".spark polyline").getAttribute("points")) ?? "")
    .split(" ")
    .filter((p) => p !== "").length

const healthBadge = (name: string) => row(name).locator(".c-state .badge.health")

async function openRegisterForm() {
  await page.locator(".topbar button.primary").click()
  await page.locator("dialog.form-panel[open]").waitFor()
}

async function dismissToasts() {
  const buttons = page.locator(".toast button")
  while ((await buttons.count()) > 0) await buttons.first().click()
}

let screenshotTaken = false

async function closeDialog(cls: string) {
  await page.locator(`dialog.${cls}[open] button[aria-label=Close]`).click()
  await page.locator(`dialog.${cls}[open]`).waitFor({ state: "detached" })
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  daemon = await startDaemon({ extraToml: CONFIG_SERVICES })
  browser = await launchBrowser()
  page = browser.context.pages()[0] ?? (await browser.context.newPage())
  page.setDefaultTimeout(15_000)
  await page.setViewportSize({ width: 1280, height: 860 })
  page.on("console", (msg) => {
    if (msg.type() !== "error") return
    const text = msg.text()
    const status = /status of (\d{3})/.exec(text)?.[1] ?? (/net::ERR_/.test(text) ? "net" : undefined)
    const url = msg.location().url
    const path = url ? new URL(url).pathname : ""
    if (status !== undefined && allowedHttp.includes(`${status} ${path}`)) return
    consoleErrors.push(`${text} (${url})`)
  })
  page.on("pageerror", (err) => pageErrors.push(err.message))
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
})

afterEach(() => {
  const problems = { consoleErrors: [...consoleErrors], pageErrors: [...pageErrors], dialogs: [...dialogs] }
  consoleErrors.length = 0
  pageErrors.length = 0
  dialogs.length = 0
  allowedHttp = []
  expect(problems).toEqual({ consoleErrors: [], pageErrors: [], dialogs: [] })
})

afterAll(async () => {
  try {
    if (page && !page.isClosed()) {
      // Screenshots on every run (test/artifacts is git-ignored): dashboard.png is normally taken
      // mid-suite with services in several states; if the suite never got there, take it now.
      await page.setViewportSize({ width: 1280, height: 860 })
      if (!screenshotTaken) await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true })
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-end.png"), fullPage: true })
    }
  } finally {
    await browser?.close()
    await daemon?.stop()
  }
})

describe("dashboard", () => {
  it("asks for the token, shows the API's error for a wrong one, and logs in with the right one", async () => {
    allowHttp(401, "/api/services") // the probe on load, before login
    allowHttp(401, "/api/login") // the wrong token
    await page.goto(daemon.url + "/")
    const form = page.locator("form.login")
    await form.waitFor()
    expect(await form.textContent()).toContain("data_dir/token")

    const refused = await daemon.api("POST", "/api/login", { token: "wrong-token" })
    expect(refused.status).toBe(401)
    await form.locator("input[name=token]").fill("wrong-token")
    await form.locator("button[type=submit]").click()
    const error = form.locator(".form-error")
    await error.waitFor()
    expect((await error.textContent())?.trim()).toBe(refused.body.error)
    expect(await page.locator(".shell").isVisible()).toBe(false)

    await form.locator("input[name=token]").fill(TOKEN)
    await form.locator("button[type=submit]").click()
    await page.locator(".shell .topbar").waitFor()
    await until(
      "the live indicator",
      async () => (await page.locator(".topbar .conn-label").textContent()) === "live",
    )
    await row("clock").waitFor()
    expect(await form.isVisible()).toBe(false)
  })

  it("shows config services without edit or delete", async () => {
    await waitForState("clock", "running")
    expect(await cellText("clock", "source")).toBe("config")
    expect(await row("clock").locator(".act-edit").isVisible()).toBe(false)
    expect(await row("clock").locator(".act-delete").isVisible()).toBe(false)
    expect(await pidOf("clock")).toBeGreaterThan(0)
  })

  it("registers a service through the form and sees it become running", async () => {
    await openRegisterForm()
    const dialog = page.locator("dialog.form-panel[open]")
    await dialog.locator("[name=name]").fill("hello")
    await dialog.locator("[name=command]").fill("/bin/sh")
    await dialog.locator("[name=args]").fill(`-c\n${HELLO_SCRIPT}`)
    await dialog.locator("[name=env]").fill("GREETING=hi there")
    await dialog.locator("[name=restart]").selectOption("always")
    await dialog.locator("button[type=submit]").click()
    await dialog.waitFor({ state: "detached" })

    await row("hello").waitFor()
    await waitForState("hello", "running")
    expect(await pidOf("hello")).toBeGreaterThan(0)
    expect(await cellText("hello", "source")).toBe("api")

    const saved = await daemon.api("GET", "/api/services/hello")
    expect(saved.status).toBe(200)
    expect(saved.body.spec.args).toEqual(["-c", HELLO_SCRIPT])
    expect(saved.body.spec.env).toEqual({ GREETING: "hi there" })
    expect(saved.body.spec.restart).toBe("always")
  })

  it("follows changes made elsewhere live, without a reload", async () => {
    const stopped = await daemon.api("POST", "/api/services/hello/stop")
    expect(stopped.status).toBe(202)
    await waitForState("hello", "stopped")
    expect(await cellText("hello", "c-pid")).toBe("–")
    const started = await daemon.api("POST", "/api/services/hello/start")
    expect(started.status).toBe(202)
    await waitForState("hello", "running")
    expect(await pidOf("hello")).toBeGreaterThan(0)
  })

  it("restarts a service from its button, busy while the request is in flight, and shows the new pid", async () => {
    const before = await pidOf("hello")
    expect(before).toBeGreaterThan(0)
    const button = row("hello").locator(".act-restart")
    // Hold the request in the browser until the in-flight state has been seen.
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    let handled: Promise<void> = Promise.resolve()
    await page.route("**/api/services/hello/restart", (route) => {
      handled = held.then(() => route.continue())
      return handled
    })
    try {
      await button.click()
      await until("the restart button to be busy and disabled", async () => {
        const cls = (await button.getAttribute("class")) ?? ""
        return cls.split(" ").includes("busy") && (await button.isDisabled())
      })
      expect(await row("hello").locator(".act-stop").isDisabled()).toBe(true)
    } finally {
      release()
      await handled
      await page.unroute("**/api/services/hello/restart")
    }
    const after = await until("a new pid for hello", async () => {
      const pid = await pidOf("hello")
      return pid > 0 && pid !== before && (await stateOf("hello")) === "running" ? pid : false
    })
    expect(after).not.toBe(before)
    expect(await button.isEnabled()).toBe(true)
    expect(await button.getAttribute("class")).not.toContain("busy")
  })

  it("shows the API's error sentence in a toast when a command fails", async () => {
    allowHttp(409, "/api/services/hello/stop")
    const sentence = "hello cannot be stopped right now (test answer)"
    await page.route("**/api/services/hello/stop", (route) =>
      route.fulfill({
        status: 409,
        contentType: "application/json",
        body: JSON.stringify({ error: sentence, details: [] }),
      }),
    )
    try {
      await row("hello").locator(".act-stop").click()
      const toast = page.locator(".toast.toast-error", { hasText: sentence })
      await toast.waitFor()
      await toast.locator("button").click()
      await toast.waitFor({ state: "detached" })
    } finally {
      await page.unroute("**/api/services/hello/stop")
    }
    expect(await stateOf("hello")).toBe("running")
    expect(await row("hello").locator(".act-stop").isEnabled()).toBe(true)
  })

  it("stops and starts a service from its buttons", async () => {
    await row("hello").locator(".act-stop").click()
    await waitForState("hello", "stopped")
    expect(await row("hello").locator(".act-stop").isDisabled()).toBe(true)
    await row("hello").locator(".act-start").click()
    await waitForState("hello", "running")
    expect(await row("hello").locator(".act-start").isDisabled()).toBe(true)
  })

  it("shows a service's log, stdout and stderr apart, and follows new lines", async () => {
    await row("hello").locator(".act-logs").click()
    const view = page.locator("dialog.logs-panel[open] .log-view")
    await view.waitFor()
    await until("the printed line in the log view", async () =>
      ((await view.textContent()) ?? "").includes("hello-from-dockless"),
    )
    expect(await view.locator(".line.s-stderr", { hasText: "oops-on-stderr" }).count()).toBeGreaterThan(0)
    expect(await view.locator(".line.s-stdout", { hasText: "hello-from-dockless" }).count()).toBeGreaterThan(
      0,
    )

    const lastTick = async () => {
      const ticks = [...((await view.textContent()) ?? "").matchAll(/tick (\d+)/g)].map((m) => Number(m[1]))
      return ticks.length > 0 ? Math.max(...ticks) : 0
    }
    const seen = await until("a tick line", async () => (await lastTick()) || false)
    await until("a newer tick line over the log stream", async () => (await lastTick()) > seen)

    // The stream filter hides stderr lines and brings them back.
    await page.locator("dialog.logs-panel[open] .chip.s-stderr input").uncheck()
    expect(await view.locator(".line.s-stderr").count()).toBe(0)
    await page.locator("dialog.logs-panel[open] .chip.s-stderr input").check()
    expect(await view.locator(".line.s-stderr").count()).toBeGreaterThan(0)
    await closeDialog("logs-panel")
  })

  it("shows validation errors next to the fields", async () => {
    await openRegisterForm()
    const dialog = page.locator("dialog.form-panel[open]")
    // Ports that are not numbers are caught before anything is sent.
    await dialog.locator("[name=name]").fill("broken")
    await dialog.locator("[name=command]").fill("/bin/true")
    await dialog.locator("[name=ports]").fill("abc")
    await dialog.locator("button[type=submit]").click()
    const portsError = dialog.locator(".field-error[data-field=ports]")
    await portsError.waitFor()
    expect(await portsError.textContent()).toContain("abc")

    // The daemon's own rules (its OpenAPI schemas) mark the fields the API would name, before sending.
    const body = { name: "bad name!", command: "", restart: "on-failure", autostart: true }
    const refused = await daemon.api("POST", "/api/services", body)
    expect(refused.status).toBe(400)
    expect(refused.body.details.map((d: { path: string }) => d.path).sort()).toEqual(["command", "name"])
    await dialog.locator("[name=ports]").fill("")
    await dialog.locator("[name=name]").fill(body.name)
    await dialog.locator("[name=command]").fill("")
    await dialog.locator("button[type=submit]").click()
    const commandError = dialog.locator(".field-error[data-field=command]")
    await commandError.waitFor()
    expect((await commandError.textContent())?.trim()).toBe('expected a non-empty string, got ""')
    await dialog.locator(".field-error[data-field=name]").waitFor()
    expect(await portsError.isVisible()).toBe(false)
    expect((await dialog.locator(".form-error").textContent())?.trim()).toBe("Fix the marked fields.")
    expect(await dialog.isVisible()).toBe(true)

    // A cross-check detail ("services.NAME.ports") lands at the ports field too.
    const listenPort = new URL(daemon.url).port
    allowHttp(409, "/api/services")
    await dialog.locator("[name=name]").fill("clash")
    await dialog.locator("[name=command]").fill("/bin/true")
    await dialog.locator("[name=ports]").fill(listenPort)
    await dialog.locator("button[type=submit]").click()
    await until(
      "the port conflict at the ports field",
      async () =>
        ((await portsError.isVisible()) && (await portsError.textContent())?.includes(listenPort)) || false,
    )
    expect(await commandError.isVisible()).toBe(false)
    await closeDialog("form-panel")
    expect(await row("broken").count()).toBe(0)
    expect(await row("clash").count()).toBe(0)
  })

  it("shows why a service cannot start under its row", async () => {
    // A registration names a program that exists (the API checks); it is gone by the start.
    const program = join(daemon.dir, "vanishing-binary")
    writeFileSync(program, "#!/bin/sh\nexec sleep 600\n", { mode: 0o755 })
    const created = await daemon.api("POST", "/api/services", {
      name: "nobin",
      command: program,
      restart: "never",
      autostart: false,
    })
    expect(created.status).toBe(201)
    rmSync(program)
    expect((await daemon.api("POST", "/api/services/nobin/start")).status).toBe(202)
    await waitForState("nobin", "failed")
    const error = row("nobin").locator(".err-row .svc-error")
    await error.waitFor()
    const api = await daemon.api("GET", "/api/services/nobin")
    expect(typeof api.body.error).toBe("string")
    expect((await error.textContent())?.trim()).toBe(api.body.error)
    expect(await row("nobin").locator(".act-start").isEnabled()).toBe(true)
    expect(await row("hello").locator(".err-row").isVisible()).toBe(false)
  })

  it("shows output that looks like HTML as literal text", async () => {
    const created = await daemon.api("POST", "/api/services", {
      name: "xss",
      command: "/bin/sh",
      args: ["-c", `echo '${XSS_TEXT}'; echo '<b>bold</b>'; exec sleep 600`],
      restart: "never",
      ports: [await freePort()],
    })
    expect(created.status).toBe(201)
    await waitForState("xss", "running")
    await row("xss").locator(".act-logs").click()
    const view = page.locator("dialog.logs-panel[open] .log-view")
    await view.waitFor()
    await until("the HTML-looking line", async () => ((await view.textContent()) ?? "").includes(XSS_TEXT))
    expect(await view.locator(".line .text", { hasText: XSS_TEXT }).count()).toBe(1)
    expect(await view.locator("img").count()).toBe(0)
    expect(await view.locator("b").count()).toBe(0)
    expect(await page.locator("img").count()).toBe(0)
    await closeDialog("logs-panel")
  })

  it("shows a crashing service in backoff with a countdown and its last exit code", async () => {
    const created = await daemon.api("POST", "/api/services", {
      name: "crashy",
      command: "/bin/sh",
      args: ["-c", "echo starting; sleep 0.3; echo giving up >&2; exit 3"],
      restart: "on-failure",
      backoff: { initial: "4s", max: "8s", jitter: 0 },
    })
    expect(created.status).toBe(201)
    await waitForState("crashy", "backoff")
    expect(await cellText("crashy", "c-exit")).toBe("code 3")
    const countdown = row("crashy").locator(".c-state .sub", { hasText: /restart/ })
    expect(await countdown.textContent()).toMatch(/restart (in \d+s|now)/)
  })

  it("shows CPU and memory of a running service within seconds, and no numbers for a stopped one", async () => {
    const cpu = await until(
      "hello's CPU column to show a percentage",
      async () => {
        const text = await cellText("hello", "c-cpu")
        return /^\d+\.\d%$/.test(text) ? text : false
      },
      10_000,
    )
    const mem = await cellText("hello", "c-mem")
    expect(mem).toMatch(/^\d+\.\d MiB$/)
    expect(Number.parseFloat(mem)).toBeGreaterThan(0)
    expect(Number.parseFloat(cpu)).toBeGreaterThanOrEqual(0)
    // The daemon agrees that it measures this service.
    const view = (await daemon.api("GET", "/api/services/hello")).body
    expect(typeof view.rss_bytes).toBe("number")
    expect(typeof view.cpu_percent).toBe("number")
    // A failed service has no process to measure.
    expect(await cellText("nobin", "c-cpu")).toBe("–")
    expect(await cellText("nobin", "c-mem")).toBe("–")
  })

  it("updates CPU, memory and the sparkline from usage events in place, without re-rendering or fetching", async () => {
    const requests: string[] = []
    const onRequest = (req: { url(): string; method(): string }) =>
      requests.push(`${req.method()} ${new URL(req.url()).pathname}`)
    // A marker on the row's element: it survives only if the row is patched, not re-created.
    await row("hello").evaluate((el) => el.setAttribute("data-probe", "kept"))
    page.on("request", onRequest)
    try {
      const before = await until(
        "a sparkline for hello",
        async () => (await sparkPointCount("hello")) || false,
      )
      await until(
        "two more samples on hello's sparkline",
        async () => (await sparkPointCount("hello")) >= Math.min(before + 2, 150),
        10_000,
      )
    } finally {
      page.off("request", onRequest)
    }
    expect(await row("hello").getAttribute("data-probe")).toBe("kept")
    expect(requests).toEqual([])
    expect(await cellText("hello", "c-mem")).toMatch(/^\d+\.\d MiB$/)
  })

  it("draws a memory sparkline seeded from /api/usage after a reload, and switches it to CPU", async () => {
    const seeded = page.waitForResponse(
      (res) => new URL(res.url()).pathname === "/api/usage" && res.status() === 200,
    )
    await page.reload()
    await row("hello").waitFor()
    const history: unknown[] = (await (await seeded).json()).services.hello.history
    expect(Array.isArray(history)).toBe(true)
    expect(history.length).toBeGreaterThan(1)
    // Every sample of the seed is drawn, before the next usage events could have delivered them.
    await until(
      "the seeded sparkline",
      async () => (await sparkPointCount("hello")) >= Math.min(history.length, 150),
    )
    const points = (await row("hello").locator(".spark polyline").getAttribute("points")) ?? ""
    for (const pair of points.split(" ")) {
      const [x, y] = pair.split(",").map(Number)
      expect(x).toBeGreaterThanOrEqual(0)
      expect(x).toBeLessThanOrEqual(100)
      expect(y).toBeGreaterThanOrEqual(0)
      expect(y).toBeLessThanOrEqual(24)
    }
    expect(await page.locator(".services thead .c-trend-h").textContent()).toBe("Memory trend")
    expect(await row("hello").locator(".spark").getAttribute("aria-label")).toMatch(/^Memory over the last/)

    await page.locator(".seg-btn[data-metric=cpu]").click()
    expect(await page.locator(".services thead .c-trend-h").textContent()).toBe("CPU trend")
    expect(await page.locator(".seg-btn[data-metric=cpu]").getAttribute("aria-pressed")).toBe("true")
    await until("a CPU sparkline", async () =>
      ((await row("hello").locator(".spark").getAttribute("aria-label")) ?? "").startsWith(
        "CPU over the last",
      ),
    )
    expect(await sparkPointCount("hello")).toBeGreaterThan(1)
    await page.locator(".seg-btn[data-metric=rss]").click()
    expect(await page.locator(".services thead .c-trend-h").textContent()).toBe("Memory trend")
  })

  it("shows a passing http health check as healthy, and no badge without a check", async () => {
    const port = await freePort()
    const created = await daemon.api("POST", "/api/services", {
      name: "web",
      command: process.execPath,
      args: [PORT_SERVER],
      env: { PORT: String(port) },
      ports: [port],
      restart: "never",
      health: { http: `http://127.0.0.1:${port}/healthz`, interval: "1s", timeout: "1s", retries: 2 },
    })
    expect(created.status).toBe(201)
    await waitForState("web", "running")
    const badge = healthBadge("web")
    await until("web to show healthy", async () => (await badge.textContent())?.trim() === "healthy", 20_000)
    expect(await badge.getAttribute("class")).toContain("hl-healthy")
    expect(await badge.getAttribute("title")).toContain(`http http://127.0.0.1:${port}/healthz`)
    const view = (await daemon.api("GET", "/api/services/web")).body
    expect(view.health.status).toBe("healthy")
    expect((await row("web").locator(".c-ports").innerText()).trim()).toBe(String(port))
    // hello has no health check: health is null and no badge shows.
    expect((await daemon.api("GET", "/api/services/hello")).body.health).toBeNull()
    expect(await healthBadge("hello").isVisible()).toBe(false)
  })

  it("shows a health check that starts failing as unhealthy, with failures and last error as a tooltip", async () => {
    // Healthy while the flag file is absent; retries high enough that the daemon does not
    // restart it while the test looks.
    const flag = join(daemon.dir, "sick-flag")
    const created = await daemon.api("POST", "/api/services", {
      name: "sick",
      command: "/bin/sh",
      args: ["-c", "exec sleep 600"],
      restart: "never",
      health: { exec: ["/bin/sh", "-c", `test ! -e '${flag}'`], interval: "300ms", retries: 1000 },
    })
    expect(created.status).toBe(201)
    const badge = healthBadge("sick")
    await until("sick to show healthy", async () => (await badge.textContent())?.trim() === "healthy", 20_000)
    writeFileSync(flag, "")
    const title = await until(
      "sick to show unhealthy after two failed checks",
      async () => {
        const failing = (await badge.textContent())?.trim() === "unhealthy"
        const text = failing ? ((await badge.getAttribute("title")) ?? "") : ""
        return /\d+ failed checks in a row/.test(text) ? text : false
      },
      20_000,
    )
    const view = (await daemon.api("GET", "/api/services/sick")).body
    expect(view.health.status).toBe("unhealthy")
    expect(title).toContain("Health check (exec /bin/sh -c")
    expect(typeof view.health.last_error).toBe("string")
    expect(title).toContain(`last error: ${view.health.last_error}`)
    expect(await badge.getAttribute("class")).toContain("hl-unhealthy")
    expect(await stateOf("sick")).toBe("running")
    rmSync(flag)
    await until(
      "sick to be healthy again",
      async () => (await badge.textContent())?.trim() === "healthy",
      20_000,
    )
    expect((await daemon.api("DELETE", "/api/services/sick")).status).toBeLessThan(300)
    await row("sick").waitFor({ state: "detached" })
  })

  it("registers a service with port auto, depends_on and a health check through the form", async () => {
    await openRegisterForm()
    const dialog = page.locator("dialog.form-panel[open]")
    await dialog.locator("[name=name]").fill("autoport")
    await dialog.locator("[name=command]").fill(process.execPath)
    await dialog.locator("[name=args]").fill(PORT_SERVER)
    await dialog.locator("[name=port_auto]").check()
    await dialog.locator("[name=depends_on]").fill("hello, web")
    await dialog.locator("[name=health_type]").selectOption("exec")
    await dialog.locator("[name=health_exec]").fill("/bin/true")
    await dialog.locator("[name=health_interval]").fill("1s")
    await dialog.locator("[name=health_retries]").fill("2")
    await dialog.locator("button[type=submit]").click()
    await dialog.waitFor({ state: "detached" })

    await waitForState("autoport", "running")
    const saved = (await daemon.api("GET", "/api/services/autoport")).body
    expect(saved.spec.port).toBe("auto")
    expect(saved.spec.depends_on).toEqual(["hello", "web"])
    expect(saved.spec.health).toMatchObject({ exec: ["/bin/true"], interval: 1000, retries: 2 })
    const port = await until("an assigned port", async () => {
      const res = await daemon.api("GET", "/api/services/autoport")
      return Array.isArray(res.body.ports) && res.body.ports.length === 1
        ? (res.body.ports[0] as number)
        : false
    })
    const autoPort = row("autoport").locator(".c-ports .port.port-auto")
    await until(
      "the auto port in the row",
      async () => (await autoPort.locator(".port-n").textContent()) === String(port),
    )
    expect(await autoPort.locator(".port-tag").textContent()).toBe("auto")
    // The service really got it as $PORT.
    const answer = await until("the service to answer on its port", async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`)
      return res.ok ? res.text() : false
    })
    expect(answer).toMatch(/^pid \d+/)
    expect((await row("autoport").locator(".c-name .deps").textContent())?.trim()).toBe("after: hello, web")
    await until(
      "autoport to show healthy",
      async () => (await healthBadge("autoport").textContent())?.trim() === "healthy",
      20_000,
    )

    // The edit form reads all of it back.
    await row("autoport").locator(".act-edit").click()
    const edit = page.locator("dialog.form-panel[open]")
    await edit.waitFor()
    expect(await edit.locator("[name=port_auto]").isChecked()).toBe(true)
    expect(await edit.locator("[name=depends_on]").inputValue()).toBe("hello, web")
    expect(await edit.locator("[name=health_type]").inputValue()).toBe("exec")
    expect(await edit.locator("[name=health_exec]").inputValue()).toBe("/bin/true")
    expect(await edit.locator("[name=health_interval]").inputValue()).toBe("1s")
    expect(await edit.locator("[name=health_retries]").inputValue()).toBe("2")
    await closeDialog("form-panel")

    // Services in several states, with CPU, memory, sparklines and health: docs/dashboard.png.
    await until(
      "a few samples on the sparklines",
      async () => (await sparkPointCount("autoport")) >= 5,
      20_000,
    )
    await dismissToasts()
    await page.mouse.move(0, 0)
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true })
    screenshotTaken = true
  })

  it("maps health, port and depends_on problems to their fields", async () => {
    await openRegisterForm()
    const dialog = page.locator("dialog.form-panel[open]")
    await dialog.locator("[name=name]").fill("checky")
    await dialog.locator("[name=command]").fill("/bin/true")
    // Caught before sending: a URL that is not http, retries that are not a number.
    await dialog.locator("[name=health_type]").selectOption("http")
    await dialog.locator("[name=health_target]").fill("localhost:8080")
    await dialog.locator("[name=health_retries]").fill("many")
    await dialog.locator("button[type=submit]").click()
    await dialog.locator(".field-error[data-field=health_target]").waitFor()
    await dialog.locator(".field-error[data-field=health_retries]").waitFor()

    // A zero interval, refused by the daemon's rule for durations, at the interval field…
    await dialog.locator("[name=health_target]").fill("http://127.0.0.1:1/healthz")
    await dialog.locator("[name=health_retries]").fill("")
    await dialog.locator("[name=health_interval]").fill("0s")
    await dialog.locator("button[type=submit]").click()
    const intervalError = dialog.locator(".field-error[data-field=health_interval]")
    await intervalError.waitFor()
    expect((await intervalError.textContent())?.trim()).not.toBe("")
    expect(await dialog.locator(".field-error[data-field=health_target]").isVisible()).toBe(false)

    // …and `services.checky.depends_on` (an unknown service) at the depends_on field.
    allowHttp(409, "/api/services")
    await dialog.locator("[name=health_interval]").fill("5s")
    await dialog.locator("[name=depends_on]").fill("no-such-service")
    await dialog.locator("button[type=submit]").click()
    const depsError = dialog.locator(".field-error[data-field=depends_on]")
    await depsError.waitFor()
    expect(await depsError.textContent()).toContain("no-such-service")
    expect(await intervalError.isVisible()).toBe(false)
    await closeDialog("form-panel")
    expect(await row("checky").count()).toBe(0)
  })

  it("edits a registered service", async () => {
    await row("hello").locator(".act-edit").click()
    const dialog = page.locator("dialog.form-panel[open]")
    await dialog.waitFor()
    expect(await dialog.locator("[name=name]").inputValue()).toBe("hello")
    expect(await dialog.locator("[name=command]").inputValue()).toBe("/bin/sh")
    expect(await dialog.locator("[name=env]").inputValue()).toBe("GREETING=hi there")
    await dialog.locator("[name=args]").fill("-c\necho hello-edited; exec sleep 600")
    await dialog.locator("button[type=submit]").click()
    await dialog.waitFor({ state: "detached" })
    const saved = await until("the edited spec", async () => {
      const res = await daemon.api("GET", "/api/services/hello")
      return res.body?.spec?.args?.[1] === "echo hello-edited; exec sleep 600" ? res.body : false
    })
    expect(saved.spec.env).toEqual({ GREETING: "hi there" })
    expect(saved.spec.restart).toBe("always")
    await waitForState("hello", "running")
  })

  it("deletes a registered service only after confirmation", async () => {
    await row("xss").locator(".act-delete").click()
    const confirm = page.locator("dialog.confirm-panel[open]")
    await confirm.waitFor()
    expect(await confirm.textContent()).toContain("xss")
    await confirm.locator("button.ghost").click()
    await confirm.waitFor({ state: "detached" })
    expect(await row("xss").count()).toBe(1)

    await row("xss").locator(".act-delete").click()
    await confirm.waitFor()
    await confirm.locator("button.confirm-delete").click()
    await confirm.waitFor({ state: "detached" })
    await row("xss").waitFor({ state: "detached" })
    expect((await daemon.api("GET", "/api/services/xss")).status).toBe(404)

    // Deleted elsewhere: the "removed" event takes the row away.
    expect((await daemon.api("DELETE", "/api/services/nobin")).status).toBeLessThan(300)
    await row("nobin").waitFor({ state: "detached" })
  })

  it("shows when the event stream drops and resyncs the list when it is back", async () => {
    // While the daemon is down, EventSource retries and Chromium logs the refused connections.
    allowNetworkError("/api/events")
    const indicator = page.locator(".topbar .conn-label")
    expect(await indicator.textContent()).toBe("live")
    // The daemon comes back without the config service "clock": no "removed" event can tell
    // the page, only the resync after reconnecting can.
    const restarting = daemon.restart("")
    await until("the reconnecting indicator", async () => (await indicator.textContent()) === "reconnecting…")
    await restarting
    await until("the live indicator again", async () => (await indicator.textContent()) === "live", 20_000)
    await row("clock").waitFor({ state: "detached" })
    // Registered services were restored by the new daemon.
    await waitForState("hello", "running")
    expect(await row("crashy").count()).toBe(1)
  })

  it("fits a 375 px phone without horizontal scrolling", async () => {
    await page.setViewportSize({ width: 375, height: 740 })
    const scrollWidth = () => page.evaluate(() => document.documentElement.scrollWidth)
    await until("the card layout", async () => (await page.locator(".services thead").isVisible()) === false)
    expect(await scrollWidth()).toBeLessThanOrEqual(375)
    expect(await row("hello").locator(".act-restart").isVisible()).toBe(true)
    // The card keeps CPU, memory, the sparkline, health, ports and dependencies inside the screen.
    for (const cls of ["c-cpu", "c-mem", "spark", "badge.health", "port-auto", "deps"]) {
      const el = row("autoport").locator(`.${cls}`).first()
      expect(await el.isVisible(), cls).toBe(true)
      const box = await el.boundingBox()
      expect(box && box.x >= 0 && box.x + box.width <= 375, `${cls} within 375 px`).toBe(true)
    }

    await row("hello").locator(".act-logs").click()
    await page.locator("dialog.logs-panel[open] .log-view .line").first().waitFor()
    expect(await scrollWidth()).toBeLessThanOrEqual(375)
    await closeDialog("logs-panel")

    await openRegisterForm()
    expect(await scrollWidth()).toBeLessThanOrEqual(375)
    await closeDialog("form-panel")
    await dismissToasts()
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-mobile.png"), fullPage: true })
    await page.setViewportSize({ width: 1280, height: 860 })
  })

  it("logs out, and a reload asks for the token again", async () => {
    allowHttp(401, "/api/services")
    await page.locator(".topbar button.ghost", { hasText: "Log out" }).click()
    await page.locator("form.login").waitFor()
    expect(await page.locator(".shell").isVisible()).toBe(false)
    await page.reload()
    await page.locator("form.login").waitFor()
    const cookies = await page.context().cookies(daemon.url)
    expect(cookies.filter((c) => c.value !== "")).toEqual([])
  })
})
