// The dashboard's files: static/ next to the bundle (dist/static) or in the checkout, with
// Alpine's CSP build from the bundle's vendor/ folder or node_modules. Every page carries a
// Content-Security-Policy that allows only our own scripts; nothing is fetched from a CDN. A
// single executable serves the same files from inside itself (SingleExecutable.ts).
import { FastResponse } from "srvx"
import { existsSync } from "node:fs"
import { readFile, stat } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, extname, join, normalize, sep } from "node:path"
import { Effect } from "effect"
import { bundleDirOf } from "../bundleDir.ts"
import { embeddedFile, singleExecutable } from "../os/SingleExecutable.ts"
import { commit } from "../version.ts"
import { RouteNotFound } from "./HttpErrors.ts"
import type { Handler } from "./HttpContext.ts"

const here = bundleDirOf(import.meta.url)
const staticDir = [join(here, "static"), join(here, "../../static")].find((d) =>
  existsSync(join(d, "index.html")),
)

const alpinePath = (() => {
  const vendored = staticDir === undefined ? undefined : join(staticDir, "vendor/alpine.min.js")
  if (vendored !== undefined && existsSync(vendored)) return vendored
  try {
    return join(
      dirname(createRequire(import.meta.url).resolve("@alpinejs/csp/package.json")),
      "dist/cdn.min.js",
    )
  } catch {
    return undefined
  }
})()

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
}

const SECURITY_HEADERS = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
} as const

/**
 * A file with its validator: the browser revalidates every time (`no-cache`, the names carry no
 * hash) and a file it has already gets 304 with no body. The build writes NAME.gz beside each
 * text file; a browser that accepts gzip gets that instead (a first visit: ~25 KB, not ~90).
 */
const fileResponse = (path: string, request: Request) =>
  Effect.tryPromise(async () => {
    const info = await stat(path)
    if (!info.isFile()) throw new Error("not a file")
    const etag = `W/"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`
    const headers: Record<string, string> = {
      "content-type": TYPES[extname(path)] ?? "application/octet-stream",
      ...SECURITY_HEADERS,
      "cache-control": "no-cache",
      etag,
      vary: "accept-encoding",
    }
    if (request.headers.get("if-none-match") === etag) return new FastResponse(null, { status: 304, headers })
    const gzip = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "")
    const body = gzip ? await readFile(`${path}.gz`).catch(() => undefined) : undefined
    if (body !== undefined)
      return new FastResponse(body, { headers: { ...headers, "content-encoding": "gzip" } })
    return new FastResponse(await readFile(path), { headers })
  })

/** An embedded file (static/NAME), validated by its size and the build's commit. */
const embeddedResponse = (name: string, request: Request) =>
  Effect.suspend(() => {
    const body = embeddedFile(`static/${name}`)
    if (body === undefined) return Effect.fail(new Error("not embedded"))
    const etag = `W/"${body.length.toString(36)}-${commit}"`
    const headers: Record<string, string> = {
      "content-type": TYPES[extname(name)] ?? "application/octet-stream",
      ...SECURITY_HEADERS,
      "cache-control": "no-cache",
      etag,
      vary: "accept-encoding",
    }
    if (request.headers.get("if-none-match") === etag)
      return Effect.succeed(new FastResponse(null, { status: 304, headers }))
    const gzip = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "")
    const compressed = gzip ? embeddedFile(`static/${name}.gz`) : undefined
    return Effect.succeed(
      compressed === undefined
        ? new FastResponse(body, { headers })
        : new FastResponse(compressed, { headers: { ...headers, "content-encoding": "gzip" } }),
    )
  })

/** Resolves a URL path inside staticDir; anything that escapes it is not found. */
const resolveInside = (root: string, urlPath: string): string | undefined => {
  const decoded = (() => {
    try {
      return decodeURIComponent(urlPath)
    } catch {
      return undefined
    }
  })()
  if (decoded === undefined || decoded.includes("\0")) return undefined
  const path = normalize(join(root, decoded === "/" ? "index.html" : decoded))
  return path.startsWith(root + sep) ? path : undefined
}

export const staticFile: Handler = (event) => {
  const notFound = new RouteNotFound({ path: event.url.pathname })
  if (singleExecutable) {
    const inside = resolveInside("/static", event.url.pathname)
    return inside === undefined
      ? Effect.fail(notFound)
      : embeddedResponse(inside.slice("/static/".length), event.req).pipe(Effect.mapError(() => notFound))
  }
  const path =
    event.url.pathname === "/vendor/alpine.min.js"
      ? alpinePath
      : staticDir === undefined
        ? undefined
        : resolveInside(staticDir, event.url.pathname)
  return path === undefined
    ? Effect.fail(notFound)
    : fileResponse(path, event.req).pipe(Effect.mapError(() => notFound))
}
