// What a first visit to the dashboard costs: requests and bytes on the wire (headers and bodies
// as sent, gzip where the server compresses) up to the login form, then from logging in until
// 25 services are listed with their sparklines seeded, in a fresh headless Chromium with an empty
// cache. Prints one JSON line; the figures in docs/dashboard.md come from it.
// `npm run build && node --import tsx bench/firstLoad.ts`
import type { Page, Request } from "playwright-core"
import { launchBrowser, startDaemon, TOKEN, until } from "../test/browser/support.ts"

const SERVICES = 25

interface Load {
  readonly requests: number
  readonly bytes: number
  /** "GET /path" of each request, in order. */
  readonly paths: ReadonlyArray<string>
}

/** Counts what the page asks for while `step` runs, and the bytes each answer took on the wire. */
async function measure(page: Page, step: () => Promise<void>): Promise<Load> {
  const seen: Array<Request> = []
  const onRequest = (request: Request) => seen.push(request)
  page.on("request", onRequest)
  try {
    await step()
  } finally {
    page.off("request", onRequest)
  }
  let bytes = 0
  for (const request of seen) {
    // An event stream never finishes: its headers are what it cost so far.
    const response = await request.response()
    if (response === null) continue
    const sizes = await request.sizes().catch(() => undefined)
    bytes += sizes === undefined ? 0 : sizes.responseHeadersSize + Math.max(0, sizes.responseBodySize)
  }
  const paths = seen.map((r) => `${r.method()} ${new URL(r.url()).pathname}`)
  return { requests: seen.length, bytes, paths }
}

const toml = Array.from(
  { length: SERVICES },
  (_, i) => `[services.svc${i}]\ncommand = "/bin/sleep"\nargs = ["600"]\n`,
).join("\n")
const daemon = await startDaemon({ extraToml: toml })
const browser = await launchBrowser()
try {
  const page = await browser.context.newPage()
  // Wait until every service has been measured, so the usage seed carries real histories.
  await until("every service measured", async () => {
    await daemon.api("GET", "/api/usage")
    const list: Array<{ rss_bytes: unknown }> = (await daemon.api("GET", "/api/services")).body
    return list.every((v) => typeof v.rss_bytes === "number")
  })
  const login = await measure(page, async () => {
    await page.goto(daemon.url + "/")
    await page.locator("form.login input[name=token]").waitFor()
    await page.waitForLoadState("networkidle")
  })
  const loggedIn = await measure(page, async () => {
    const seeded = page.waitForResponse((res) => new URL(res.url()).pathname === "/api/usage")
    await page.locator("input[name=token]").fill(TOKEN)
    await page.keyboard.press("Enter")
    await page.locator(`tbody.svc[data-service="svc${SERVICES - 1}"]`).waitFor()
    await seeded
  })
  console.log(
    JSON.stringify({
      bench: "firstLoad",
      services: SERVICES,
      loginForm: { requests: login.requests, kB: Math.round(login.bytes / 100) / 10, paths: login.paths },
      loggedIn: {
        requests: loggedIn.requests,
        kB: Math.round(loggedIn.bytes / 100) / 10,
        paths: loggedIn.paths,
      },
      total: {
        requests: login.requests + loggedIn.requests,
        kB: Math.round((login.bytes + loggedIn.bytes) / 100) / 10,
      },
    }),
  )
} finally {
  await browser.close()
  await daemon.stop()
}
