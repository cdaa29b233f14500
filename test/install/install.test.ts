// install / uninstall into a temp --root, called directly: files land with the right modes and
// content, the launcher points at the target path (not the temp root), a second run changes
// nothing and keeps an edited config, dry run writes nothing, uninstall keeps config and data
// unless --purge. The bundle is a small stand-in dist/ built from the real unit and config.
import { Effect, Either } from "effect"
import { nodeFlags } from "../../src/version.ts"
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { install, InstallError, uninstall } from "../../src/cli/install.ts"

const repo = join(import.meta.dirname, "../..")
const unitSource = join(repo, "systemd/dockless.service")
const configSource = join(repo, "examples/config.default.toml")

let work = ""
let root = ""
let bundleDir = ""
let lines: Array<string> = []

/** A dist/ like scripts/build.mjs makes: bundle, static files, the unit and the default config. */
const makeBundle = async (dir: string, version = "1"): Promise<void> => {
  await mkdir(join(dir, "static/vendor"), { recursive: true })
  await writeFile(join(dir, "dockless.mjs"), `#!/usr/bin/env node\nconsole.log("dockless ${version}")\n`)
  await chmod(join(dir, "dockless.mjs"), 0o755)
  await writeFile(join(dir, "static/index.html"), "<!doctype html><title>Dockless</title>\n")
  await writeFile(join(dir, "static/vendor/alpine.min.js"), "/* alpine */\n")
  await writeFile(join(dir, "dockless.service"), await readFile(unitSource))
  await writeFile(join(dir, "config.default.toml"), await readFile(configSource))
  await writeFile(join(dir, "config.schema.json"), `{ "title": "config ${version}" }\n`)
}

/** Every path under dir with its type, mode, size and mtime: any write shows up as a difference. */
const snapshot = async (dir: string): Promise<Array<string>> => {
  const entries = await readdir(dir, { recursive: true })
  const rows = await Promise.all(
    entries.map(async (entry) => {
      const info = await stat(join(dir, entry))
      return `${entry} ${info.isDirectory() ? "d" : "f"} ${(info.mode & 0o7777).toString(8)} ${info.size} ${info.mtimeMs}`
    }),
  )
  return rows.sort()
}

const modeOf = async (path: string): Promise<string> => ((await stat(path)).mode & 0o7777).toString(8)
const at = (path: string) => join(root, path)

const run = async <E>(effect: Effect.Effect<void, E>): Promise<Array<string>> => {
  lines = []
  await Effect.runPromise(effect)
  return lines
}

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "dockless-install-"))
  root = join(work, "root")
  bundleDir = join(work, "dist")
  await mkdir(root)
  await makeBundle(bundleDir)
  vi.spyOn(console, "log").mockImplementation((line: unknown) => {
    lines.push(String(line))
  })
})

afterEach(async () => {
  vi.restoreAllMocks()
  await rm(work, { recursive: true, force: true })
})

describe("install --root", () => {
  it("puts bundle, launcher, config, data dir and unit in place with their modes", async () => {
    const out = await run(install({ root, dryRun: false, bundleDir }))

    const bundle = at("usr/local/lib/dockless/dockless.mjs")
    expect(await readFile(bundle, "utf8")).toBe(await readFile(join(bundleDir, "dockless.mjs"), "utf8"))
    expect(await modeOf(bundle)).toBe("755")
    expect(await modeOf(at("usr/local/lib/dockless/static/index.html"))).toBe("644")
    expect(await readFile(at("usr/local/lib/dockless/static/vendor/alpine.min.js"), "utf8")).toBe(
      "/* alpine */\n",
    )
    // install must also work again from the installed copy, so the unit and config travel along.
    expect(await readFile(at("usr/local/lib/dockless/dockless.service"), "utf8")).toBe(
      await readFile(unitSource, "utf8"),
    )

    const launcher = at("usr/local/bin/dockless")
    expect(await readFile(launcher, "utf8")).toBe(
      `#!/bin/sh\nexec node ${nodeFlags.join(" ")} /usr/local/lib/dockless/dockless.mjs "$@"\n`,
    )
    expect(await modeOf(launcher)).toBe("755")

    expect(await readFile(at("etc/dockless/config.toml"), "utf8")).toBe(await readFile(configSource, "utf8"))
    expect(await modeOf(at("etc/dockless/config.toml"))).toBe("644")
    // The config's `#:schema ./config.schema.json` line finds this one.
    expect(await readFile(at("etc/dockless/config.schema.json"), "utf8")).toBe('{ "title": "config 1" }\n')
    expect(await modeOf(at("etc/dockless/config.schema.json"))).toBe("644")
    expect((await stat(at("etc/dockless/data"))).isDirectory()).toBe(true)
    expect(await modeOf(at("etc/dockless/data"))).toBe("700")

    expect(await readFile(at("etc/systemd/system/dockless.service"), "utf8")).toBe(
      await readFile(unitSource, "utf8"),
    )
    expect(await modeOf(at("etc/systemd/system/dockless.service"))).toBe("644")

    expect(out).toContain(`install: wrote ${at("usr/local/bin/dockless")}`)
    expect(out).toContain(`install: wrote ${at("etc/dockless/config.toml")}`)
    expect(out).toContain(`install: created ${at("etc/dockless/data")}`)
    expect(out).toContain(`install: wrote ${at("etc/systemd/system/dockless.service")}`)
    expect(out.at(-1)).toMatch(/^install: files staged; on the target system run: systemctl daemon-reload/)
    expect(out.every((line) => line.startsWith("install: "))).toBe(true)
  })

  it("changes nothing when run twice, and keeps an edited config", async () => {
    await run(install({ root, dryRun: false, bundleDir }))
    const edited = "listen_port = 4000\n"
    await writeFile(at("etc/dockless/config.toml"), edited)
    const before = await snapshot(root)

    const out = await run(install({ root, dryRun: false, bundleDir }))

    expect(await snapshot(root)).toEqual(before)
    expect(await readFile(at("etc/dockless/config.toml"), "utf8")).toBe(edited)
    expect(out).toContain(`install: unchanged ${at("usr/local/bin/dockless")}`)
    expect(out).toContain(`install: unchanged ${at("usr/local/lib/dockless/dockless.mjs")}`)
    expect(out).toContain(`install: unchanged ${at("etc/systemd/system/dockless.service")}`)
    expect(out).toContain(`install: unchanged ${at("etc/dockless/data")}`)
    expect(out).toContain(
      `install: kept ${at("etc/dockless/config.toml")} (an existing config is never overwritten)`,
    )
    expect(out.filter((line) => /: (wrote|created|removed|set) /.test(line))).toEqual([])
  })

  it("replaces the config's JSON Schema on upgrade and keeps the config", async () => {
    await run(install({ root, dryRun: false, bundleDir }))
    await makeBundle(bundleDir, "2")
    const out = await run(install({ root, dryRun: false, bundleDir }))
    expect(await readFile(at("etc/dockless/config.schema.json"), "utf8")).toBe('{ "title": "config 2" }\n')
    expect(out).toContain(`install: wrote ${at("etc/dockless/config.schema.json")}`)
    expect(await readFile(at("etc/dockless/config.toml"), "utf8")).toBe(await readFile(configSource, "utf8"))
  })

  it("upgrades: replaces changed files, drops files the new bundle no longer has, restores modes", async () => {
    await run(install({ root, dryRun: false, bundleDir }))
    await mkdir(at("usr/local/lib/dockless/static/old"), { recursive: true })
    await writeFile(at("usr/local/lib/dockless/static/old/gone.js"), "old\n")
    await writeFile(at("usr/local/lib/dockless/static/stale.css"), "old\n")
    await chmod(at("etc/dockless/data"), 0o755)
    await makeBundle(bundleDir, "2")

    const out = await run(install({ root, dryRun: false, bundleDir }))

    expect(await readFile(at("usr/local/lib/dockless/dockless.mjs"), "utf8")).toContain("dockless 2")
    expect(out).toContain(`install: wrote ${at("usr/local/lib/dockless/dockless.mjs")}`)
    expect(out).toContain(`install: removed ${at("usr/local/lib/dockless/static/old")}`)
    expect(out).toContain(`install: removed ${at("usr/local/lib/dockless/static/stale.css")}`)
    expect(out).toContain(`install: set mode 700 on ${at("etc/dockless/data")}`)
    await expect(stat(at("usr/local/lib/dockless/static/old"))).rejects.toThrow()
    await expect(stat(at("usr/local/lib/dockless/static/stale.css"))).rejects.toThrow()
    expect(await modeOf(at("etc/dockless/data"))).toBe("700")
  })

  it("writes nothing on --dry-run and says what it would do", async () => {
    const empty = await snapshot(root)
    const fresh = await run(install({ root, dryRun: true, bundleDir }))
    expect(await snapshot(root)).toEqual(empty)
    expect(fresh).toContain(`install: would write ${at("usr/local/bin/dockless")}`)
    expect(fresh).toContain(`install: would create ${at("etc/dockless/data")}`)
    expect(fresh.filter((line) => /: (wrote|created|removed|set|kept) /.test(line))).toEqual([])

    await run(install({ root, dryRun: false, bundleDir }))
    await makeBundle(bundleDir, "2")
    const installed = await snapshot(root)
    const upgrade = await run(install({ root, dryRun: true, bundleDir }))
    expect(await snapshot(root)).toEqual(installed)
    expect(upgrade).toContain(`install: would write ${at("usr/local/lib/dockless/dockless.mjs")}`)
    expect(upgrade).toContain(
      `install: would keep ${at("etc/dockless/config.toml")} (an existing config is never overwritten)`,
    )
  })

  it("refuses an incomplete bundle dir with a sentence that says how to get a complete one", async () => {
    await rm(join(bundleDir, "dockless.service"))
    const result = await Effect.runPromise(Effect.either(install({ root, dryRun: false, bundleDir })))
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left).toBeInstanceOf(InstallError)
      expect(result.left.message).toContain(`${bundleDir} has no dockless.service`)
      expect(result.left.message).toContain("npm run build")
    }
    expect(await snapshot(root)).toEqual([])
  })

  it("reports a file-system failure as a sentence naming the path", async () => {
    await mkdir(at("usr/local/bin/dockless"), { recursive: true }) // a directory where the launcher goes
    const result = await Effect.runPromise(Effect.either(install({ root, dryRun: false, bundleDir })))
    expect(Either.isLeft(result) && result.left.message).toMatch(
      /usr\/local\/bin\/dockless is a directory where a file is needed/,
    )
  })
})

describe("uninstall --root", () => {
  beforeEach(async () => {
    await run(install({ root, dryRun: false, bundleDir }))
    await writeFile(at("etc/dockless/data/state.json"), "{}\n")
  })

  it("removes launcher, bundle and unit, and keeps config and data", async () => {
    const out = await run(uninstall({ root, dryRun: false, purge: false }))
    await expect(stat(at("usr/local/bin/dockless"))).rejects.toThrow()
    await expect(stat(at("usr/local/lib/dockless"))).rejects.toThrow()
    await expect(stat(at("etc/systemd/system/dockless.service"))).rejects.toThrow()
    expect(await readFile(at("etc/dockless/config.toml"), "utf8")).toBe(await readFile(configSource, "utf8"))
    expect(await readFile(at("etc/dockless/data/state.json"), "utf8")).toBe("{}\n")
    expect(out).toEqual([
      `uninstall: removed ${at("etc/systemd/system/dockless.service")}`,
      `uninstall: removed ${at("usr/local/bin/dockless")}`,
      `uninstall: removed ${at("usr/local/lib/dockless")}`,
      `uninstall: kept ${at("etc/dockless")} (config.toml and data stay; \`sudo rm -r ${at("etc/dockless")}\` removes them)`,
    ])

    const again = await run(uninstall({ root, dryRun: false, purge: false }))
    expect(again).toContain(`uninstall: already absent ${at("usr/local/bin/dockless")}`)
  })

  it("removes /etc/dockless as well with --purge", async () => {
    const out = await run(uninstall({ root, dryRun: false, purge: true }))
    await expect(stat(at("etc/dockless"))).rejects.toThrow()
    expect(out).toContain(`uninstall: removed ${at("etc/dockless")}`)
  })

  it("writes nothing on --dry-run", async () => {
    const before = await snapshot(root)
    const out = await run(uninstall({ root, dryRun: true, purge: true }))
    expect(await snapshot(root)).toEqual(before)
    expect(out).toContain(`uninstall: would remove ${at("etc/dockless")}`)
    expect(out).toContain(`uninstall: would remove ${at("usr/local/bin/dockless")}`)
  })
})
