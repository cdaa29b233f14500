// The npm package: `npm pack` gives a tarball with only what runs (the bundle, the dashboard, the
// notify addons, the unit and config templates, README, LICENSE, CHANGELOG, THIRD_PARTY_LICENSES;
// no sources, tests or dev files) and no dependencies; installed globally into a temp prefix (offline: it needs
// nothing else), its `dockless` runs with the production Node flags, checks a config, runs a daemon
// and installs from that global copy.
import { execFile, spawn } from "node:child_process"
import { readFile, realpath, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort, ROOT, tempDir, waitFor } from "../support/daemon.ts"
import pkg from "../../package.json" with { type: "json" }

const run = promisify(execFile)

describe("npm pack, npm i -g", { timeout: 120_000 }, () => {
  const dir = tempDir("dockless-npm-")
  const prefix = join(dir, "prefix")
  const dockless = join(prefix, "bin/dockless")
  let listed: ReadonlyArray<string> = []
  beforeAll(async () => {
    // dist/ is built once for the suite; prepack would only build it again.
    const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
      cwd: ROOT,
      maxBuffer: 1 << 24,
    })
    const [packed]: ReadonlyArray<{ filename: string; files: ReadonlyArray<{ path: string }> }> =
      JSON.parse(stdout)
    listed = packed?.files.map((f) => f.path) ?? []
    await run(
      "npm",
      [
        "i",
        "-g",
        "--offline",
        "--no-audit",
        "--no-fund",
        "--prefix",
        prefix,
        join(dir, packed?.filename ?? ""),
      ],
      {
        cwd: dir,
      },
    )
  }, 120_000)
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it("packs only what runs, and depends on nothing", async () => {
    expect(listed).toContain("dist/dockless.mjs")
    expect(listed).toContain("dist/static/index.html")
    expect(listed).toContain("dist/sd-notify/linux-x64/sd_notify.node")
    expect(listed).toContain("dist/dockless.service")
    expect(listed).toContain("bin/dockless.mjs")
    expect(listed).toContain("README.md")
    expect(listed).toContain("LICENSE")
    // Whose code the bundle holds (test/build/bundle.test.ts checks it names all of it).
    expect(listed).toContain("dist/THIRD_PARTY_LICENSES")
    expect(listed).not.toContain("dist/licenses.json")
    const foreign = listed.filter(
      (p) =>
        /^(src|test|bench|scripts|native|static|examples|docs|packaging)\//.test(p) ||
        p.endsWith(".map") ||
        p.endsWith(".ts"),
    )
    expect(foreign).toEqual([])
    expect(listed.some((p) => /\.deb$|dockless-linux-/.test(p))).toBe(false)
    const installed = JSON.parse(
      await readFile(join(prefix, "lib/node_modules/dockless/package.json"), "utf8"),
    )
    expect(installed.dependencies ?? {}).toEqual({})
  })

  it("runs `dockless --version` and `check` from the global bin, with the production Node flags in its shebang", async () => {
    const target = await realpath(dockless)
    expect((await readFile(target, "utf8")).split("\n")[0]).toBe(
      `#!/usr/bin/env -S node ${pkg.nodeFlags.join(" ")}`,
    )
    expect((await run(dockless, ["--version"])).stdout).toMatch(
      new RegExp(`^${pkg.version.replaceAll(".", "\\.")} \\(commit `),
    )
    const config = join(prefix, "lib/node_modules/dockless/dist/config.default.toml")
    expect((await run(dockless, ["check", "--config", config])).stdout.trim()).toBe("ok")
  })

  it("runs a daemon that answers /api/health and serves the dashboard, and stops on SIGTERM", async () => {
    const port = await freePort()
    const config = join(dir, "config.toml")
    await writeFile(config, `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n`)
    const child = spawn(dockless, ["run", "--config", config], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
    try {
      const health = await waitFor("GET /api/health from the global install", async () => {
        if (child.exitCode !== null) throw new Error(`dockless exited with ${child.exitCode}: ${output}`)
        const response = await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => undefined)
        return response?.ok === true ? response.json() : undefined
      })
      expect(health).toMatchObject({ status: "ok", version: pkg.version })
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200)
      // The daemon is node running the bundle with the flags from the shebang.
      const cmdline = (await readFile(`/proc/${child.pid}/cmdline`, "utf8")).split("\0")
      for (const flag of pkg.nodeFlags) expect(cmdline).toContain(flag)
      child.kill("SIGTERM")
      expect(await exited, output).toBe(0)
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    }
  })

  it("installs from that global copy", async () => {
    const root = join(dir, "root")
    const { stdout } = await run(dockless, ["install", "--root", root])
    const installed = join(root, "usr/local/lib/dockless/dockless.mjs")
    expect(stdout).toContain(`install: wrote ${installed}\n`)
    expect(await readFile(installed)).toEqual(
      await readFile(join(prefix, "lib/node_modules/dockless/dist/dockless.mjs")),
    )
    expect(stdout).toContain(`install: wrote ${join(root, "etc/systemd/system/dockless.service")}\n`)
    expect(stdout).toContain(`install: wrote ${join(root, "usr/local/lib/dockless/THIRD_PARTY_LICENSES")}\n`)
  })
})
