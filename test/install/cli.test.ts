// `dockless install` / `uninstall` through the real CLI of the built bundle: --dry-run writes
// nothing, a real install into a temp root gives a bundle that runs on its own and can install
// itself again (unchanged), and installing into / as a normal user is refused with a sentence.
import { execFile, type ExecFileException } from "node:child_process"
import { readdir, rm } from "node:fs/promises"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { ROOT, tempDir } from "../support/daemon.ts"

const bundle = join(ROOT, "dist/dockless.mjs")
const run = promisify(execFile)
const dockless = (script: string, args: ReadonlyArray<string>, options: { uid?: number } = {}) =>
  run(process.execPath, [script, ...args], { cwd: ROOT, ...options })

let root = ""
beforeEach(() => {
  root = tempDir("dockless-cli-install-")
})
afterEach(() => rm(root, { recursive: true, force: true }))

describe("dockless install (CLI)", () => {
  it("--dry-run lists what it would do and writes nothing", async () => {
    const { stdout } = await dockless(bundle, ["install", "--root", root, "--dry-run"])
    expect(await readdir(root)).toEqual([])
    expect(stdout).toContain(`install: would write ${join(root, "usr/local/bin/dockless")}\n`)
    expect(stdout).toContain(`install: would write ${join(root, "usr/local/lib/dockless/dockless.mjs")}\n`)
    expect(stdout).toContain(`install: would write ${join(root, "etc/systemd/system/dockless.service")}\n`)
  })

  it("installs a bundle that runs on its own and reinstalls itself unchanged", async () => {
    await dockless(bundle, ["install", "--root", root])
    const installed = join(root, "usr/local/lib/dockless/dockless.mjs")
    expect((await dockless(installed, ["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)

    const { stdout } = await dockless(installed, ["install", "--root", root])
    expect(stdout).toContain(`install: unchanged ${installed}\n`)
    expect(stdout).not.toMatch(/install: (wrote|created|removed) /)

    const removed = await dockless(installed, ["uninstall", "--root", root, "--purge"])
    expect(removed.stdout).toContain(`uninstall: removed ${join(root, "etc/dockless")}\n`)
    expect(await readdir(join(root, "usr/local/bin"))).toEqual([])
  })

  it.skipIf(process.getuid?.() !== 0)(
    "refuses to install into / as a normal user, naming the sudo command that exists now",
    async () => {
      const failure = await dockless(bundle, ["install"], { uid: 65534 }).then(
        () => undefined,
        (error: ExecFileException & { stderr: string }) => error,
      )
      expect(failure?.code).toBe(1)
      // Before any install there is no `dockless` on PATH: the advice is this very command line.
      expect(failure?.stderr).toContain("run `sudo node dist/dockless.mjs install`")
    },
  )
})
