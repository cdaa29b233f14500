// The single executables `npm run package:sea` builds: the x64 file runs the daemon end to end on
// this machine (its dashboard served from inside it, a service supervised, SIGTERM stops it with
// 0), offers ready = "notify" with the addon beside it and says plainly that it cannot without,
// and installs itself as /usr/local/bin/dockless; the arm64 file starts, answers /api/health and
// stops under qemu-user-static with an arm64 sysroot (scripts/arm64-qemu-setup.sh makes one).
// Beside the files, the licenses of all they hold.
// Installing into a real systemd: test/systemd/sea.test.ts.
import { execFile, spawn, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { homedir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { FIXTURES, freePort, ROOT, tempDir, waitFor } from "../support/daemon.ts"
import { buildSea } from "../support/packages.ts"
import pkg from "../../package.json" with { type: "json" }

const run = promisify(execFile)
const required = process.env.DOCKLESS_PACKAGE_TESTS === "required"
const sysroot = join(homedir(), ".cache/dockless-node/sysroot")
const qemu = spawnSync("sh", ["-c", "command -v qemu-aarch64-static"], { encoding: "utf8" }).stdout.trim()
const noQemu =
  qemu === ""
    ? "no qemu-aarch64-static (apt-get install qemu-user-static)"
    : existsSync(join(sysroot, "lib/ld-linux-aarch64.so.1"))
      ? undefined
      : `no arm64 sysroot in ${sysroot} (run scripts/arm64-qemu-setup.sh)`
if (noQemu !== undefined && !required)
  console.warn(`skipping the arm64 test of test/packaging/sea.test.ts: ${noQemu}`)

const x64 = process.arch === "x64"

/** Starts `command args` in `cwd`, waits for /api/health on `port`, and hands back how to stop it. */
const daemon = async (
  command: string,
  args: ReadonlyArray<string>,
  port: number,
  cwd: string,
  ms = 20_000,
) => {
  const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  child.stdout.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr.on("data", (d: Buffer) => (output += d.toString()))
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
    return exited
  }
  try {
    const health = await waitFor(
      `GET /api/health from ${command}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}: ${output}`)
        const response = await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => undefined)
        return response?.ok === true ? response.json() : undefined
      },
      ms,
    )
    return { child, health, stop, output: () => output }
  } catch (error) {
    child.kill("SIGKILL")
    throw error
  }
}

const configText = (port: number, services = "") =>
  `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n\n[auth]\ntoken = "sea-test-token-0123456789"\n${services}`

describe("npm run package:sea", { timeout: 180_000 }, () => {
  const out = tempDir("dockless-sea-")
  const file = (arch: string) => join(out, `dockless-linux-${arch}`)
  beforeAll(() => buildSea(join(ROOT, "dist"), out, ["x64", "arm64"]), 180_000)
  afterAll(() => rm(out, { recursive: true, force: true }))

  it.skipIf(!x64)(
    "the x64 file prints the version and commit, and checks a config that uses the addon beside it",
    async () => {
      expect((await run(file("x64"), ["--version"])).stdout).toMatch(
        new RegExp(`^${pkg.version.replaceAll(".", "\\.")} \\(commit ([0-9a-f]{7,}|unknown)\\)\n$`),
      )
      const config = join(out, "notify.toml")
      await writeFile(
        config,
        configText(3080, `\n[services.web]\ncommand = "/bin/sleep"\nargs = ["60"]\nready = "notify"\n`),
      )
      expect((await run(file("x64"), ["check", "--config", config])).stdout.trim()).toBe("ok")
    },
  )

  it.skipIf(!x64)(
    'the x64 file copied alone says plainly that it cannot offer ready = "notify"',
    async () => {
      const alone = join(out, "alone")
      await mkdir(alone)
      await copyFile(file("x64"), join(alone, "dockless"))
      const failed = await run(join(alone, "dockless"), ["check", "--config", join(out, "notify.toml")]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      )
      expect(failed?.code).toBe(2)
      expect(failed?.stderr).toContain("this build of Dockless has no notify addon for linux-x64")
    },
  )

  it.skipIf(!x64)(
    "the x64 file runs the daemon end to end: dashboard from inside it, a service supervised, SIGTERM stops both",
    async () => {
      const dir = tempDir("dockless-sea-run-")
      try {
        const port = await freePort()
        const config = join(dir, "config.toml")
        await writeFile(
          config,
          configText(port, `\n[services.sleepy]\ncommand = "${join(FIXTURES, "sleeper.sh")}"\n`),
        )
        const running = await daemon(file("x64"), ["run", "--config", config], port, dir)
        try {
          expect(running.health).toMatchObject({ status: "ok", version: pkg.version, services: 1 })
          const page = await fetch(`http://127.0.0.1:${port}/`, { headers: { "accept-encoding": "gzip" } })
          expect(page.status).toBe(200)
          expect(await page.text()).toContain("<html")
          expect((await fetch(`http://127.0.0.1:${port}/vendor/alpine.min.js`)).status).toBe(200)
          expect((await fetch(`http://127.0.0.1:${port}/../package.json`)).status).toBe(404)
          const view = await waitFor("sleepy to run", async () => {
            const response = await fetch(`http://127.0.0.1:${port}/api/services/sleepy`, {
              headers: { authorization: "Bearer sea-test-token-0123456789" },
            })
            const body: { state: string; pid: number | null } = await response.json()
            return body.state === "running" ? body : undefined
          })
          expect(view.pid).toBeGreaterThan(0)
          // The production Node flags are the executable's own (execArgv in the blob).
          expect((await readFile(`/proc/${running.child.pid}/cmdline`, "utf8")).split("\0")[0]).toBe(
            file("x64"),
          )
          expect(await running.stop(), running.output()).toBe(0)
          expect(existsSync(`/proc/${view.pid}`)).toBe(false)
        } finally {
          await running.stop()
        }
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
  )

  it.skipIf(!x64)(
    "installs itself as /usr/local/bin/dockless with its addon, without asking for Node, and again unchanged",
    async () => {
      const root = join(out, "root")
      const { stdout } = await run(file("x64"), ["install", "--root", root])
      expect(stdout).not.toContain("systemd will run")
      const launcher = join(root, "usr/local/bin/dockless")
      // (Buffer.equals: a deep toEqual over 120 MB would take minutes.)
      expect((await readFile(launcher)).equals(await readFile(file("x64")))).toBe(true)
      expect(existsSync(join(root, "usr/local/lib/dockless/sd-notify/linux-x64/sd_notify.node"))).toBe(true)
      expect(existsSync(join(root, "usr/local/lib/dockless/dockless.mjs"))).toBe(false)
      expect(await readFile(join(root, "etc/dockless/config.toml"), "utf8")).toBe(
        await readFile(join(ROOT, "examples/config.default.toml"), "utf8"),
      )
      expect(await readFile(join(root, "etc/systemd/system/dockless.service"), "utf8")).toContain(
        "ExecStart=/usr/local/bin/dockless\n",
      )
      const again = await run(launcher, ["install", "--root", root])
      expect(again.stdout).toContain(`install: unchanged ${launcher}\n`)
      expect(again.stdout).not.toMatch(/install: (wrote|created|removed) /)
    },
  )

  it("puts beside the files the licenses of Dockless, of every package in its bundle, and of Node", async () => {
    const notices = await readFile(join(out, "dockless-linux-THIRD_PARTY_LICENSES"), "utf8")
    expect(notices).toContain((await readFile(join(ROOT, "LICENSE"), "utf8")).trimEnd())
    const bundled: ReadonlyArray<{ name: string; version: string; text: string }> = JSON.parse(
      await readFile(join(ROOT, "dist/licenses.json"), "utf8"),
    )
    for (const { name, version, text } of bundled) {
      expect(notices, name).toContain(`  ${name} ${version}: `)
      expect(notices, name).toContain(text.trimEnd())
    }
    expect(notices).toMatch(/^Node\.js \d+\.\d+\.\d+: MIT \(and the licenses below\)$/m)
    expect(notices).toContain("Node.js is licensed for use as follows:")
    // Node's LICENSE lists what is inside Node, OpenSSL and V8 among it.
    expect(notices).toMatch(/^- OpenSSL, located at /m)
    expect(notices).toMatch(/^- V8, located at /m)
  })

  it.skipIf(noQemu !== undefined && !required)(
    "the arm64 file starts, answers /api/health and stops under qemu-user-static",
    async () => {
      const dir = tempDir("dockless-sea-arm64-")
      try {
        const port = await freePort()
        const config = join(dir, "config.toml")
        await writeFile(config, configText(port))
        const running = await daemon(
          qemu,
          ["-L", sysroot, file("arm64"), "run", "--config", config],
          port,
          dir,
          90_000,
        )
        try {
          expect(running.health).toMatchObject({ status: "ok", version: pkg.version })
          expect(await running.stop(), running.output()).toBe(0)
        } finally {
          await running.stop()
        }
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
  )
})
