// Starts a real Dockless daemon (the built bundle, dist/dockless.mjs) on a free port in a
// temp dir, and cleans it up by pid. Tests wait on conditions with deadlines, never sleeps.
import { spawn, type ChildProcess } from "node:child_process"
import { afterEach } from "vitest"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { nodeFlags } from "../../src/version.ts"

export const ROOT = resolve(import.meta.dirname, "../..")
export const BUNDLE = join(ROOT, "dist/dockless.mjs")
export const FIXTURES = join(ROOT, "test/fixtures")
export const TOKEN = "test-token-0123456789"

export const freePort = (): Promise<number> =>
  new Promise((done, fail) => {
    const server = createServer()
    server.once("error", fail)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => done(port))
    })
  })

export const tempDir = (prefix = "dockless-test-"): string => mkdtempSync(join(tmpdir(), prefix))

/** Polls `probe` until it returns a value other than undefined, or fails after `ms`. */
export const waitFor = async <A>(
  what: string,
  probe: () => Promise<A | undefined> | A | undefined,
  ms = 10_000,
): Promise<A> => {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return false
  }
}

export interface Daemon {
  readonly dir: string
  readonly configPath: string
  readonly port: number
  readonly url: string
  readonly child: ChildProcess
  output: string
  readonly api: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<Response>
  readonly json: <A = any>(method: string, path: string, body?: unknown) => Promise<A>
  /** SIGTERM, wait for exit; SIGKILL after the deadline. Resolves with the exit code. */
  readonly stop: (ms?: number) => Promise<number | null>
  readonly exited: Promise<number | null>
}

/** Writes config.toml (the given body after the generated header) into `dir` and starts the daemon on it. */
export const startDaemon = async (
  options: {
    body?: string
    dir?: string
    port?: number
    readyMs?: number
    auth?: string
    tls?: boolean
    /** What runs node (e.g. qemu-user and an arm64 Node); this test's own Node by default. */
    node?: ReadonlyArray<string>
    /** Set in the daemon's environment beside this process's (e.g. NOTIFY_SOCKET, as systemd sets it). */
    env?: Readonly<Record<string, string>>
  } = {},
): Promise<Daemon> => {
  const dir = options.dir ?? tempDir()
  const port = options.port ?? (await freePort())
  const configPath = join(dir, "config.toml")
  writeFileSync(
    configPath,
    `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n\n[auth]\ntoken = "${TOKEN}"\n${options.auth ?? ""}\n\n${options.body ?? ""}\n`,
  )
  return launch(dir, configPath, port, options.readyMs, options.tls, options.node, options.env)
}

/** Starts the daemon on a config; `readyMs` bounds the wait for its API (a big boot takes longer). */
export const launch = async (
  dir: string,
  configPath: string,
  port: number,
  readyMs = 15_000,
  /** Served over HTTPS: ready when it logs so (fetch cannot trust its certificate). */
  tls = false,
  node: ReadonlyArray<string> = [process.execPath],
  env: Readonly<Record<string, string>> = {},
): Promise<Daemon> => {
  const [program = process.execPath, ...prefix] = node
  const child = spawn(program, [...prefix, ...nodeFlags, BUNDLE, "run", "--config", configPath], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  })
  const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    })
  const daemon: Daemon = {
    dir,
    configPath,
    port,
    url,
    child,
    output: "",
    api,
    json: async (method, path, body) => (await api(method, path, body)).json(),
    exited,
    stop: async (ms = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), ms)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
  child.stdout?.on("data", (d: Buffer) => (daemon.output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (daemon.output += d.toString()))
  try {
    await waitFor(
      "the daemon to answer /api/health",
      async () => {
        if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}: ${daemon.output}`)
        if (tls) return daemon.output.includes(" ready: ") ? true : undefined
        return (await fetch(`${url}/api/health`)).ok ? true : undefined
      },
      readyMs,
    )
  } catch (error) {
    // A daemon that never answered is still ours to stop (with its services), not left running.
    await daemon.stop(30_000)
    throw error
  }
  return daemon
}

/** The view of one service, fetched from the daemon. */
export const view = (daemon: Daemon, name: string) => daemon.json("GET", `/api/services/${name}`)

/** Waits until the service's view satisfies `ok`, returning that view. */
export const waitForView = (
  daemon: Daemon,
  name: string,
  what: string,
  ok: (v: any) => boolean,
  ms = 10_000,
) =>
  waitFor(
    `${name} ${what}`,
    async () => {
      const v = await view(daemon, name)
      return ok(v) ? v : undefined
    },
    ms,
  )

/** The daemons a test file starts, each stopped (by pid) after every test, even a failed one. */
export const useDaemons = () => {
  const started: Array<Daemon> = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map((d) => d.stop()))
  })
  const track = (daemon: Daemon): Daemon => {
    started.push(daemon)
    return daemon
  }
  return {
    track,
    /** Starts a daemon on a config whose services are `body`. */
    start: async (body: string) => track(await startDaemon({ body })),
  }
}
