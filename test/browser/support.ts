// Helpers for the dashboard's end-to-end tests: a real daemon from dist/ on a free port, a real
// Chromium through playwright-core, and polling with deadlines (never fixed sleeps).
import { spawn, type ChildProcess } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium, type BrowserContext, type Page } from "playwright-core"

export const TOKEN = "test-token-123"

/** A port nobody listens on right now: bind port 0 and let the kernel pick. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port from the kernel"))))
    })
  })

/**
 * Polls `probe` until it returns something other than undefined/false/null, or throws after
 * `timeoutMs` saying what it waited for and what it saw last.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown = undefined
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== null && value !== false) return value
      last = value
    } catch (e) {
      last = e instanceof Error ? e.message : e
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`)
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

export interface ApiResult {
  readonly status: number
  // Parsed JSON of the answer; tests read the fields they expect.
  readonly body: any
}

export interface Daemon {
  readonly url: string
  readonly dir: string
  /** Everything the daemon printed (all runs), for failure messages. */
  output(): string
  /** Calls the API with the bearer token; JSON in and out. */
  api(method: string, path: string, body?: unknown): Promise<ApiResult>
  /** Stops the daemon and starts it again on the same port and data dir, with new config services. */
  restart(extraToml?: string): Promise<void>
  /** SIGTERMs the daemon and waits for it to exit, leaving its directory (`up` starts it again). */
  down(): Promise<void>
  /** Starts the daemon again after `down`, with the same config. */
  up(): Promise<void>
  /** Stops the daemon (SIGTERM, then SIGKILL after a deadline) and removes its directory. */
  stop(): Promise<void>
}

export interface DaemonOptions {
  /** Extra TOML appended to the generated config (e.g. `[services.x]` tables). */
  readonly extraToml?: string
  /** Served over HTTPS (the config sets [http] tls): ready when it logs so, as fetch cannot trust it. */
  readonly tls?: boolean
}

/** Starts `node dist/dockless.mjs run --config <tmp>/config.toml` and waits for /api/health. */
export async function startDaemon(options: DaemonOptions = {}): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), "dockless-browser-"))
  const dataDir = join(dir, "data")
  mkdirSync(dataDir)
  const port = await freePort()
  const configPath = join(dir, "config.toml")
  const writeConfig = (extraToml: string) =>
    writeFileSync(
      configPath,
      [
        `listen_port = ${port}`,
        `listen_host = "127.0.0.1"`,
        `data_dir = ${JSON.stringify(dataDir)}`,
        ``,
        `[auth]`,
        `token = ${JSON.stringify(TOKEN)}`,
        ``,
        extraToml,
      ].join("\n"),
    )
  const url = `${options.tls === true ? "https" : "http"}://127.0.0.1:${port}`
  // DOCKLESS_BUNDLE lets a developer point the tests at another build; the suite uses dist/.
  const bundle = process.env.DOCKLESS_BUNDLE ?? "dist/dockless.mjs"
  let out = ""
  let proc: ChildProcess | undefined
  let exited = true

  const spawnAndWait = async () => {
    const readyLogs = out.split(" ready: ").length - 1
    const child = spawn(process.execPath, [bundle, "run", "--config", configPath], {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    })
    proc = child
    exited = false
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()))
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()))
    child.once("exit", () => {
      if (proc === child) exited = true
    })
    await until(
      "the daemon to answer GET /api/health",
      async () => {
        if (exited) throw new Error("the daemon exited")
        if (options.tls === true) return out.split(" ready: ").length - 1 > readyLogs
        const res = await fetch(`${url}/api/health`)
        return res.status === 200
      },
      20_000,
    )
  }

  const kill = async () => {
    const child = proc
    if (child === undefined || exited || child.exitCode !== null || child.signalCode !== null) return
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    child.kill("SIGTERM")
    const late = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), 15_000))
    if ((await Promise.race([gone, late])) === "late") {
      child.kill("SIGKILL")
      await gone
    }
  }

  const api: Daemon["api"] = async (method, path, body) => {
    const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, accept: "application/json" }
    if (body !== undefined) headers["content-type"] = "application/json"
    const res = await fetch(url + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    let parsed: unknown = null
    try {
      parsed = text === "" ? null : JSON.parse(text)
    } catch {
      parsed = text
    }
    return { status: res.status, body: parsed }
  }

  const stop = async () => {
    // The pids the daemon reports, so nothing is left behind even if it fails to stop them.
    const pids = await api("GET", "/api/services")
      .then((res) => (Array.isArray(res.body) ? res.body.map((v: { pid: unknown }) => v.pid) : []))
      .catch(() => [])
    await kill()
    for (const pid of pids) {
      if (typeof pid !== "number" || pid <= 0) continue
      try {
        process.kill(-pid, "SIGKILL") // each service runs in its own process group
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }

  const restart = async (extraToml = options.extraToml ?? "") => {
    await kill()
    writeConfig(extraToml)
    try {
      await spawnAndWait()
    } catch (e) {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- daemon output ---\n${out}`)
    }
  }

  writeConfig(options.extraToml ?? "")
  try {
    await spawnAndWait()
  } catch (e) {
    await stop()
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- daemon output ---\n${out}`)
  }
  return { url, dir, output: () => out, api, restart, down: kill, up: spawnAndWait, stop }
}

/** Chromium exactly as STACK.md section 5 launches it (pitfall 18: a persistent context). */
export async function launchBrowser(
  extraArgs: ReadonlyArray<string> = [],
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "dockless-chromium-"))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  })
  return {
    context,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

// Evaluated through the DevTools protocol: the page's CSP (script-src 'self') refuses a script tag.
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

interface AxeViolation {
  readonly id: string
  readonly impact?: string | null
  readonly nodes: ReadonlyArray<{ readonly target: unknown }>
}

declare global {
  interface Window {
    /** axe-core, once axeSerious has injected it. */
    axe?: { run(context: Document | Element, options: object): Promise<{ violations: Array<AxeViolation> }> }
  }
}

/**
 * axe-core's serious and critical violations on the page as it is now (or in the element
 * `within` selects), one line each ("id targets"), printed too so a failure shows where. axe is
 * injected once per document.
 */
export async function axeSerious(page: Page, within?: string): Promise<Array<string>> {
  if (!(await page.evaluate(() => window.axe !== undefined))) await page.evaluate(AXE)
  const violations = await page.evaluate(async (selector) => {
    if (window.axe === undefined) throw new Error("axe-core did not load")
    const context = selector === undefined ? document : (document.querySelector(selector) ?? document)
    return (await window.axe.run(context, { resultTypes: ["violations"] })).violations
  }, within)
  const serious = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} ${v.nodes
          .slice(0, 3)
          .map((n) => JSON.stringify(n.target))
          .join(" ")}`,
    )
  if (serious.length > 0) console.error("AXE", serious.join("\n"))
  return serious
}
