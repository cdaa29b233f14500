// The single-file build: dist/ holds everything Dockless needs (bundle, source map, dashboard,
// Alpine, unit, default config) and the licenses of the code it bundles, and a copy of dist/ alone, far from any node_modules, answers
// --version, validates the shipped config, and runs as a daemon until SIGTERM stops it with 0.
import { execFile, spawn } from "node:child_process"
import { nodeFlags } from "../../src/version.ts"
import { cp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import { existsSync } from "node:fs"
import { dirname, join, parse } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort, ROOT, tempDir, waitFor } from "../support/daemon.ts"
import { bundledPackages, notPackage } from "../support/packages.ts"

const dist = join(ROOT, "dist")
const pkg: { version: string } = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"))
const run = promisify(execFile)

let copy = ""
/** Runs the copied bundle with plain node, in its own folder, with no NODE_PATH to find modules by. */
const dockless = (...args: Array<string>) => {
  const { NODE_PATH: _ignored, ...env } = process.env
  return run(process.execPath, [join(copy, "dockless.mjs"), ...args], { cwd: copy, env })
}

beforeAll(async () => {
  copy = join(tempDir("dockless-bundle-"), "dist")
  await cp(dist, copy, { recursive: true, filter: notPackage })
})
afterAll(() => rm(dirname(copy), { recursive: true, force: true }))

describe("dist/", () => {
  it("holds an executable bundle with a shebang, its source map, the dashboard, the unit and the default config", async () => {
    const bundle = join(dist, "dockless.mjs")
    expect((await stat(bundle)).mode & 0o777).toBe(0o755)
    expect((await readFile(bundle, "utf8")).split("\n")[0]).toBe(
      `#!/usr/bin/env -S node ${nodeFlags.join(" ")}`,
    )
    expect((await stat(join(dist, "dockless.mjs.map"))).size).toBeGreaterThan(0)
    expect((await stat(join(dist, "static/index.html"))).size).toBeGreaterThan(0)
    expect((await stat(join(dist, "static/vendor/alpine.min.js"))).size).toBeGreaterThan(10_000)
    expect(await readFile(join(dist, "dockless.service"), "utf8")).toBe(
      await readFile(join(ROOT, "systemd/dockless.service"), "utf8"),
    )
    expect(await readFile(join(dist, "config.default.toml"), "utf8")).toBe(
      await readFile(join(ROOT, "examples/config.default.toml"), "utf8"),
    )
  })
})

describe("dist/THIRD_PARTY_LICENSES", () => {
  it("names every npm package the source maps show in the bundle, and Alpine, each with its license in full", async () => {
    const notices = await readFile(join(dist, "THIRD_PARTY_LICENSES"), "utf8")
    const bundled = await bundledPackages(dist)
    // These at least: the list is the bundle's, not empty.
    expect(bundled.map((p) => p.name)).toEqual(expect.arrayContaining(["effect", "node-forge", "smol-toml"]))
    for (const { name, version, dir } of bundled) {
      expect(notices, name).toMatch(new RegExp(`^  ${name.replaceAll(".", "\\.")} ${version}: `, "m"))
      const file = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)([.-]|$)/i.test(f))
      expect(file, `${name} has a license file`).toBeDefined()
      expect(notices, `${name}'s ${file}`).toContain(
        (await readFile(join(dir, file ?? ""), "utf8")).trimEnd(),
      )
    }
    expect(notices).toMatch(/^ {2}@alpinejs\/csp \S+: MIT, as static\/vendor\/alpine\.min\.js$/m)
    expect(notices).toContain("Copyright © 2019-2021 Caleb Porzio and contributors")
  })
})

describe("a copy of dist/ alone", () => {
  it("has no node_modules to fall back on", () => {
    for (let dir = copy; dir !== parse(dir).root; dir = dirname(dir))
      expect(existsSync(join(dir, "node_modules")), join(dir, "node_modules")).toBe(false)
    expect(existsSync("/node_modules")).toBe(false)
  })

  it("prints the version and the commit it was built from with plain node", async () => {
    const { stdout } = await dockless("--version")
    expect(stdout.trim()).toMatch(
      new RegExp(`^${pkg.version.replaceAll(".", "\\.")} \\(commit ([0-9a-f]{7,}|unknown)\\)$`),
    )
  })

  it("finds the shipped default config valid", async () => {
    const { stdout } = await dockless("check", "--config", join(copy, "config.default.toml"))
    expect(stdout.trim()).toBe("ok")
  })

  it("runs until /api/health answers, serves the dashboard and Alpine from the copy, then stops with exit code 0 on SIGTERM", async () => {
    const dir = dirname(copy)
    const port = await freePort()
    const config = join(dir, "config.toml")
    await writeFile(config, `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n`)
    const { NODE_PATH: _ignored, ...env } = process.env
    const child = spawn(process.execPath, [join(copy, "dockless.mjs"), "run", "--config", config], {
      cwd: copy,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
    try {
      const health = await waitFor("GET /api/health from the copied bundle", async () => {
        if (child.exitCode !== null) throw new Error(`dockless exited with ${child.exitCode}: ${output}`)
        const response = await fetch(`http://127.0.0.1:${port}/api/health`)
        return response.ok ? response.json() : undefined
      })
      expect(health).toMatchObject({
        status: "ok",
        version: pkg.version,
        commit: expect.stringMatching(/^([0-9a-f]{7,}|unknown)$/),
      })
      // The dashboard's files sit beside dockless.mjs, also for the code esbuild split into chunks/.
      const page = await fetch(`http://127.0.0.1:${port}/`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain("<html")
      expect((await fetch(`http://127.0.0.1:${port}/vendor/alpine.min.js`)).status).toBe(200)
      child.kill("SIGTERM")
      expect(await exited, output).toBe(0)
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    }
  })
})
