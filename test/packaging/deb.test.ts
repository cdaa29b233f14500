// The Debian packages as `npm run package` builds them from dist/: what each holds and where,
// their control data and maintainer scripts, a man page written from the CLI's own commands, a
// debian/copyright crediting every package in the bundle, and lintian (Debian's) finding no errors
// and exactly the warnings docs/packaging.md lists.
// Installing them into a real systemd: test/systemd/deb.test.ts.
import { execFile, spawnSync } from "node:child_process"
import { readFile, rm } from "node:fs/promises"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { commands } from "../../src/cli/commands.ts"
import { ROOT, tempDir } from "../support/daemon.ts"
import { buildDeb, bundledPackages } from "../support/packages.ts"
import pkg from "../../package.json" with { type: "json" }

const run = promisify(execFile)
const has = (command: string) => spawnSync("sh", ["-c", `command -v ${command}`]).status === 0
const required = process.env.DOCKLESS_PACKAGE_TESTS === "required"
const missing = ["dpkg-deb", "lintian"].filter((c) => !has(c))
if (missing.length > 0 && !required)
  console.warn(`skipping test/packaging/deb.test.ts: no ${missing.join(", ")}`)

/**
 * The lintian warnings docs/packaging.md says the packages get, each with its reason: the lines of
 * the fenced block after its "**lintian**" paragraph.
 */
const documentedWarnings = async (): Promise<ReadonlyArray<string>> => {
  const doc = await readFile(join(ROOT, "docs/packaging.md"), "utf8")
  const block = /^\*\*lintian\*\*[^]*?^```\n([^]*?)^```$/m.exec(doc)?.[1]
  if (block === undefined) throw new Error("docs/packaging.md has no lintian block")
  return block.trim().split("\n")
}

describe.skipIf(missing.length > 0 && !required)("npm run package", { timeout: 120_000 }, () => {
  const out = tempDir("dockless-deb-")
  const debs: Record<string, string> = {}
  beforeAll(async () => {
    for (const arch of ["amd64", "arm64", "all"])
      debs[arch] = await buildDeb(join(ROOT, "dist"), out, pkg.version, arch)
  }, 120_000)
  afterAll(() => rm(out, { recursive: true, force: true }))

  const contents = async (deb: string) =>
    (await run("dpkg-deb", ["-c", deb])).stdout
      .trim()
      .split("\n")
      .map((line) => {
        const [mode = "", owner = "", , , , path = "", ...rest] = line.split(/\s+/)
        return { mode, owner, path: path.replace(/^\./, ""), link: rest.join(" ") }
      })
  const field = async (deb: string, name: string) => (await run("dpkg-deb", ["-f", deb, name])).stdout.trim()
  const member = async (deb: string, file: string) => (await run("dpkg-deb", ["--info", deb, file])).stdout

  it("puts the bundle in /usr/lib/dockless, the launcher in /usr/bin, the unit in /lib/systemd/system, the config in /etc/dockless", async () => {
    const files = await contents(debs.amd64 ?? "")
    const paths = files.map((f) => f.path)
    for (const path of [
      "/usr/lib/dockless/dockless.mjs",
      "/usr/lib/dockless/static/index.html",
      "/usr/lib/dockless/static/vendor/alpine.min.js",
      "/usr/lib/dockless/sd-notify/linux-x64/sd_notify.node",
      "/usr/bin/dockless",
      "/lib/systemd/system/dockless.service",
      "/etc/dockless/config.toml",
      "/etc/dockless/config.schema.json",
      "/usr/share/doc/dockless/copyright",
      "/usr/share/doc/dockless/changelog.gz",
      "/usr/share/man/man8/dockless.8.gz",
      "/usr/share/bash-completion/completions/dockless",
    ])
      expect(paths, path).toContain(path)
    expect(files.every((f) => f.owner === "root/root")).toBe(true)
    expect(files.find((f) => f.path === "/usr/bin/dockless")?.mode).toBe("-rwxr-xr-x")
    expect(paths.filter((p) => p.includes("sd-notify/linux-"))).toEqual([
      "/usr/lib/dockless/sd-notify/linux-x64/",
      "/usr/lib/dockless/sd-notify/linux-x64/sd_notify.node",
    ])
    // No install templates (the unit lives only in /lib/systemd/system) and no data dir (postinst makes it).
    expect(paths).not.toContain("/usr/lib/dockless/dockless.service")
    expect(paths.some((p) => p.startsWith("/etc/dockless/data"))).toBe(false)
    expect((await contents(debs.arm64 ?? "")).map((f) => f.path)).toContain(
      "/usr/lib/dockless/sd-notify/linux-arm64/sd_notify.node",
    )
    expect((await contents(debs.all ?? "")).some((f) => f.path.includes("sd-notify"))).toBe(false)
  })

  it("depends on nodejs >= 20.19 (and libc6 where the addon ships), marks config.toml a conffile", async () => {
    expect(await field(debs.amd64 ?? "", "Depends")).toBe("nodejs (>= 20.19), libc6 (>= 2.17)")
    expect(await field(debs.all ?? "", "Depends")).toBe("nodejs (>= 20.19)")
    expect(await field(debs.all ?? "", "Architecture")).toBe("all")
    expect(await field(debs.arm64 ?? "", "Version")).toBe(pkg.version)
    expect((await member(debs.amd64 ?? "", "conffiles")).trim()).toBe("/etc/dockless/config.toml")
    const postinst = await member(debs.amd64 ?? "", "postinst")
    expect(postinst).toContain("deb-systemd-helper")
    expect(postinst).toContain("deb-systemd-invoke")
  })

  it("runs the launcher with the production Node flags and the unit with ExecStart=/usr/bin/dockless", async () => {
    const dir = tempDir("dockless-deb-x-")
    try {
      await run("dpkg-deb", ["-x", debs.amd64 ?? "", dir])
      const { readFile } = await import("node:fs/promises")
      expect(await readFile(join(dir, "usr/bin/dockless"), "utf8")).toContain(
        `exec /usr/bin/node ${pkg.nodeFlags.join(" ")} /usr/lib/dockless/dockless.mjs "$@"`,
      )
      const unit = await readFile(join(dir, "lib/systemd/system/dockless.service"), "utf8")
      expect(unit).toMatch(/^ExecStart=\/usr\/bin\/dockless$/m)
      expect(unit).not.toContain("/usr/local/bin/dockless")
      const man = gunzipSync(await readFile(join(dir, "usr/share/man/man8/dockless.8.gz"))).toString()
      expect(man).toMatch(/^\.TH DOCKLESS 8 /)
      for (const command of commands) expect(man, command.name).toContain(`\\fBdockless ${command.name}\\fR`)
      const { stdout } = await run(process.execPath, [
        join(dir, "usr/lib/dockless/dockless.mjs"),
        "--version",
      ])
      expect(stdout).toMatch(new RegExp(`^${pkg.version.replaceAll(".", "\\.")} \\(commit `))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('the _all package refuses ready = "notify", plainly, since it carries no addon', async () => {
    const dir = tempDir("dockless-deb-all-")
    try {
      await run("dpkg-deb", ["-x", debs.all ?? "", dir])
      const config = join(dir, "notify.toml")
      const { writeFile } = await import("node:fs/promises")
      await writeFile(config, `[services.web]\ncommand = "/bin/sleep"\nargs = ["60"]\nready = "notify"\n`)
      const failed = await run(process.execPath, [
        join(dir, "usr/lib/dockless/dockless.mjs"),
        "check",
        "--config",
        config,
      ]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      )
      expect(failed?.code).toBe(2)
      expect(failed?.stderr).toContain(`this build of Dockless has no notify addon for linux-${process.arch}`)
      expect(failed?.stderr).toContain("install the package for your CPU")
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("passes lintian with no errors, and exactly the warnings docs/packaging.md lists", async () => {
    const result = spawnSync(
      "lintian",
      ["--tag-display-limit", "0", debs.amd64 ?? "", debs.arm64 ?? "", debs.all ?? ""],
      { encoding: "utf8" },
    )
    // lintian exits 0 with warnings only, 2 on an error tag (its --fail-on default), 1 when it
    // could not check at all (then stdout may well be empty).
    expect(result.error).toBeUndefined()
    expect(result.status, result.stderr).toBe(0)
    const tags = result.stdout.split("\n").filter((line) => /^[EWX]: /.test(line))
    expect(
      tags.filter((t) => !t.startsWith("W: ")),
      result.stdout,
    ).toEqual([])
    // All three packages get the same ones, so each line comes three times.
    expect(tags).toHaveLength(3 * new Set(tags).size)
    expect([...new Set(tags)].sort(), result.stdout).toEqual([...(await documentedWarnings())].sort())
  })

  it("credits every npm package in the bundle, and Alpine, in debian/copyright with its license text", async () => {
    const dir = tempDir("dockless-deb-copyright-")
    try {
      await run("dpkg-deb", ["-x", debs.all ?? "", dir])
      const copyright = await readFile(join(dir, "usr/share/doc/dockless/copyright"), "utf8")
      const stanzas = copyright.split(/\n\n/)
      const stanza = (name: string) => stanzas.find((s) => s.startsWith(`Files: node_modules/${name}/*\n`))
      const bundled = await bundledPackages(join(ROOT, "dist"))
      expect(bundled.length).toBeGreaterThan(5)
      for (const { name, version } of bundled) {
        expect(stanza(name), name).toMatch(/^Copyright: \S/m)
        expect(stanza(name), name).toMatch(/^License: \S+.*\n (\S.*|\.)\n/m)
        expect(stanza(name), name).toContain(`Comment: ${name} ${version}, bundled into usr/lib/dockless/`)
      }
      expect(stanza("node-forge")).toMatch(/^License: BSD-3-clause or GPL-2$/m)
      expect(stanza("node-forge")).toContain(" /usr/share/common-licenses/GPL-2.")
      expect(stanza("node-forge")).not.toContain("GNU GENERAL PUBLIC LICENSE")
      expect(stanza("smol-toml")).toMatch(/^License: BSD-3-clause$/m)
      expect(stanza("yaml")).toMatch(/^License: ISC$/m)
      expect(stanza("@alpinejs/csp")).toContain("installed as usr/lib/dockless/static/vendor/alpine.min.js")
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
