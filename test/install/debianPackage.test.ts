// `dockless install` and the Debian package: the package's state read from dpkg's status file,
// install and uninstall refusing while it is installed (through the real CLI, on a temp --root
// holding such a status file), and a single executable's plan writing itself as the launcher.
import { execFile, type ExecFileException } from "node:child_process"
import { mkdir, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { packageState } from "../../src/cli/install/DebianPackage.ts"
import { layout } from "../../src/cli/install/Layout.ts"
import { planInstall } from "../../src/cli/install/Plan.ts"
import { BUNDLE, ROOT, tempDir } from "../support/daemon.ts"

const run = promisify(execFile)
const stanza = (name: string, status: string) =>
  `Package: ${name}\nStatus: ${status}\nPriority: optional\nVersion: 0.2.0\n`

describe("packageState", () => {
  it.each([
    ["install ok installed", "installed"],
    ["install ok unpacked", "installed"],
    ["install reinstreq half-installed", "installed"],
    ["deinstall ok config-files", "config-files"],
    ["purge ok not-installed", "absent"],
  ] as const)("reads %s as %s", (status, state) => {
    const file = [
      stanza("dockless-extra", "install ok installed"),
      stanza("dockless", status),
      stanza("zsh", "install ok installed"),
    ]
    expect(packageState(file.join("\n"))).toBe(state)
  })

  it("is absent when dpkg never heard of it", () => {
    expect(packageState(stanza("dockless-extra", "install ok installed"))).toBe("absent")
    expect(packageState("")).toBe("absent")
  })
})

describe("dockless install beside the Debian package", () => {
  let root = ""
  beforeEach(() => {
    root = tempDir("dockless-debpkg-")
  })
  afterEach(() => rm(root, { recursive: true, force: true }))
  const dockless = (args: ReadonlyArray<string>) =>
    run(process.execPath, [BUNDLE, ...args], { cwd: ROOT }).then(
      () => undefined,
      (error: ExecFileException & { stderr: string }) => error,
    )
  const status = async (text: string) => {
    await mkdir(join(root, "var/lib/dpkg"), { recursive: true })
    await writeFile(join(root, "var/lib/dpkg/status"), text)
  }

  it("install and uninstall refuse while it is installed, saying what to run instead", async () => {
    await status(stanza("dockless", "install ok installed"))
    const install = await dockless(["install", "--root", root])
    expect(install?.code).toBe(1)
    expect(install?.stderr).toContain("the Debian package dockless is installed")
    expect(install?.stderr).toContain("sudo apt remove dockless")
    const uninstall = await dockless(["uninstall", "--root", root])
    expect(uninstall?.code).toBe(1)
    expect(uninstall?.stderr).toContain("`sudo apt remove dockless`")
  })

  it("install goes on after `apt remove`, saying it uses the config the package left", async () => {
    await status(stanza("dockless", "deinstall ok config-files"))
    const { stdout } = await run(process.execPath, [BUNDLE, "install", "--root", root], { cwd: ROOT })
    expect(stdout).toContain("the removed Debian package dockless left its config here")
  })
})

describe("planInstall from a single executable", () => {
  it("writes the executable itself as the launcher", () => {
    const executable = new TextEncoder().encode("\x7fELF…")
    const bundle = new Map([
      ["dockless.service", new TextEncoder().encode("[Unit]\n")],
      ["config.default.toml", new TextEncoder().encode("listen_port = 3080\n")],
      ["config.schema.json", new TextEncoder().encode("{}\n")],
    ])
    const actions = planInstall({
      bundle,
      files: new Map(),
      dirs: new Map(),
      systemd: "staged",
      launcher: executable,
    })
    const launcher = actions.find((a) => a._tag === "WriteFile" && a.path === layout.launcher)
    expect(launcher?._tag === "WriteFile" ? launcher.content : undefined).toBe(executable)
  })
})
