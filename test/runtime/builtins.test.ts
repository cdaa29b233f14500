// Which of Node's builtins a daemon loads before anyone asks it anything (issue 21). The bundle
// takes builtins with process.getBuiltinModule(), not `import` (scripts/build.mjs): importing
// node:http through an ES module facade reads its WebSocket export, and on Node 22+ that loads
// undici, http2, tls, zlib and worker_threads, ~10 MiB. Checked on the Node running the test (CI
// runs it on 20, 22, 24 and 26), beside a control: a bare script that imports node:http, which
// loads undici wherever Node has the WebSocket getter, so the check is seen to catch it. Nor
// node:crypto, whose first use initialises OpenSSL.
import { execFileSync, spawn } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { connect } from "node:net"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { argvOf, childrenOf } from "../../bench/support.ts"
import { nodeFlags } from "../../src/version.ts"
import { BUNDLE, FIXTURES, freePort, tempDir, waitFor } from "../support/daemon.ts"

const RECORDER = join(FIXTURES, "record-builtins.mjs")
const SLEEP = execFileSync("sh", ["-c", "command -v sleep"], { encoding: "utf8" }).trim()
/** Loaded by what undici brings; a daemon serving nothing yet needs none of them. */
const UNWANTED = [
  "NativeModule internal/deps/undici/undici",
  "NativeModule http2",
  "NativeModule tls",
  "NativeModule zlib",
  "NativeModule worker_threads",
  // Not undici's: OpenSSL and its JS modules, +2.4 MiB on Node 22 and 24 for the hashes taken at
  // start (src/os/Sha256.ts) and the admin token created on a first start, as here.
  "NativeModule crypto",
]
const unwanted = (list: ReadonlyArray<string>) => UNWANTED.filter((name) => list.includes(name))

/** Whether a TCP connection to the port on loopback is accepted. */
const accepts = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      done(true)
    })
    socket.once("error", () => done(false))
  })

const pids: Array<number> = []
afterEach(() => {
  for (const pid of pids.splice(0))
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // Already gone.
    }
})

/**
 * Runs node with the recorder until `ready` says so, then SIGTERM (or until it exits, without
 * `ready`); the modules it had loaded.
 */
const loadedBy = async (args: ReadonlyArray<string>, ready?: (pid: number) => Promise<boolean>) => {
  const dir = tempDir("dockless-builtins-")
  const file = join(dir, "modules.txt")
  const child = spawn(process.execPath, [...nodeFlags, "--import", RECORDER, ...args], {
    cwd: dir,
    stdio: "ignore",
    env: { ...process.env, DOCKLESS_BUILTINS_FILE: file },
  })
  const pid = child.pid ?? 0
  pids.push(pid)
  const exited = new Promise((done) => child.once("exit", done))
  if (ready !== undefined) {
    await waitFor("the process to be ready", async () => ((await ready(pid)) ? true : undefined), 15_000)
    child.kill("SIGTERM")
  }
  await exited
  return readFileSync(file, "utf8").split("\n")
}

describe(`Node's builtins on ${process.version}`, () => {
  it("a daemon with a running service has loaded none of undici, http2, tls, zlib, worker_threads or crypto", async () => {
    const dir = tempDir("dockless-builtins-config-")
    const port = await freePort()
    const config = join(dir, "config.toml")
    writeFileSync(
      config,
      `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "${join(dir, "data")}"\n\n[services.idle]\ncommand = "${SLEEP}"\nargs = ["600"]\n`,
    )
    // Its service runs and its port takes connections (a connection, not a request: the HTTP app
    // is loaded at the first request).
    const ready = async (pid: number) =>
      childrenOf(pid).some((child) => argvOf(child)[0] === SLEEP) && (await accepts(port))
    const loaded = await loadedBy([BUNDLE, "run", "--config", config], ready)
    expect(loaded).toContain("NativeModule child_process")
    expect(unwanted(loaded)).toEqual([])
  })

  it("while a script that imports node:http loads them where node:http has a WebSocket getter", async () => {
    const script = join(tempDir("dockless-builtins-control-"), "server.mjs")
    writeFileSync(
      script,
      'import { createServer } from "node:http"\nconst server = createServer().listen(0, () => server.close())\n',
    )
    const loaded = await loadedBy([script])
    const getter = Object.getOwnPropertyDescriptor(await import("node:http"), "WebSocket")
    expect(unwanted(loaded).length > 0).toBe(getter !== undefined)
  })
})
