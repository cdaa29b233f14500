// The dashboard's files as a browser fetches them from the built bundle: one bundled script,
// gzip when accepted (precompressed by the build), a validator so a reload costs 304s, and the
// favicon that exists in two colours.
import { gunzipSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startDaemon, type Daemon } from "../support/daemon.ts"

let d: Daemon
beforeAll(async () => {
  d = await startDaemon()
})
afterAll(async () => {
  await d.stop()
})

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${d.url}${path}`, { headers })

describe("static files", () => {
  it("serves gzip to a browser that accepts it, the same bytes as plain", async () => {
    const plain = await get("/app.js", { "accept-encoding": "identity" })
    expect(plain.headers.get("content-encoding")).toBeNull()
    const text = await plain.text()
    // Node's fetch decodes gzip itself: ask with a raw request to see the encoding and bytes.
    const { request } = await import("node:http")
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((done, fail) => {
      const req = request(
        `${d.url}/app.js`,
        { headers: { "accept-encoding": "gzip, deflate, br" } },
        (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (c: Buffer) => chunks.push(c))
          res.on("end", () =>
            done({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }),
          )
        },
      )
      req.on("error", fail)
      req.end()
    })
    expect(raw.encoding).toBe("gzip")
    expect(raw.body.length).toBeLessThan(text.length / 2)
    expect(gunzipSync(raw.body).toString("utf8")).toBe(text)
  })

  it("answers 304 with no body to a browser that has the file", async () => {
    const first = await get("/style.css")
    const etag = first.headers.get("etag")
    expect(etag).toMatch(/^W\/"/)
    expect(first.headers.get("cache-control")).toBe("no-cache")
    const again = await get("/style.css", { "if-none-match": etag ?? "" })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe("")
  })

  it("bundles the dashboard's modules into one script, and links a favicon", async () => {
    const script = await (await get("/app.js")).text()
    expect(script).not.toMatch(/\bimport\s*[{*"']/)
    const page = await (await get("/")).text()
    expect(page).toContain('<link rel="icon" type="image/svg+xml" href="/favicon.svg" />')
    for (const icon of ["/favicon.svg", "/favicon-trouble.svg"]) {
      const response = await get(icon)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("image/svg+xml")
    }
  })
})
