// A person without root against a daemon run by root (issue 18, point 3): the data dir is 0700,
// so neither the token nor the TLS certificate can be read. The client says which file it could
// not read and what to do (sudo, or their own copy in ~/.config/dockless/), instead of "not
// running" or the API's "authentication required"; with a viewer token and the certificate in
// ~/.config/dockless/ it works. Runs the client as `nobody`, so only as root.
import { spawnSync } from "node:child_process"
import { chmodSync, chownSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { BUNDLE, freePort, launch, ROOT, tempDir, useDaemons } from "../support/daemon.ts"

const daemons = useDaemons()
const NOBODY = 65534
const VIEWER = "viewer-token-for-a-person-0123456789"

const asNobody = (home: string, args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [BUNDLE, ...args], {
    cwd: ROOT,
    uid: NOBODY,
    gid: NOBODY,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home },
    encoding: "utf8",
    timeout: 15_000,
  })

describe.runIf(process.getuid?.() === 0)("a client without root", () => {
  it("names the file it cannot read and the way out, then works with the person's own token and certificate", async () => {
    const dir = tempDir()
    // The run's scratch dir (0700) and this one: a person may pass through to config.toml.
    chmodSync(dirname(dir), 0o711)
    chmodSync(dir, 0o755)
    const port = await freePort()
    const configPath = join(dir, "config.toml")
    writeFileSync(
      configPath,
      `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n\n[http]\ntls = "self-signed"\n\n[auth]\nviewer_tokens = ["${VIEWER}"]\n`,
      { mode: 0o644 },
    )
    daemons.track(await launch(dir, configPath, port, 30_000, true))
    const home = join(dir, "home")
    const own = join(home, ".config/dockless")
    mkdirSync(own, { recursive: true })
    for (const d of [home, join(home, ".config"), own]) chownSync(d, NOBODY, NOBODY)
    const status = ["status", "--config", configPath]

    const noCert = asNobody(home, status)
    expect(noCert.status).toBe(1)
    expect(noCert.stderr.trim()).toBe(
      `dockless: cannot read the daemon's TLS certificate to check it is the one answering on https://127.0.0.1:${port} ` +
        `(${dir}/data/tls/cert.pem: permission denied (EACCES); ${own}/cert.pem: no such file or directory (ENOENT)): ` +
        `run it as root (sudo node dist/dockless.mjs status --config ${configPath}), ` +
        `or put a copy of that certificate in ${own}/cert.pem (see docs/troubleshooting.md)`,
    )

    copyFileSync(join(dir, "data/tls/cert.pem"), join(own, "cert.pem"))
    const noToken = asNobody(home, status)
    expect(noToken.status).toBe(1)
    expect(noToken.stderr.trim()).toBe(
      `dockless: cannot read the API token (${dir}/data/token: permission denied (EACCES); ` +
        `${own}/token: no such file or directory (ENOENT)): ` +
        `run it as root (sudo node dist/dockless.mjs status --config ${configPath}), ` +
        `or put a token of your own (a viewer token) in ${own}/token (see docs/troubleshooting.md)`,
    )

    writeFileSync(join(own, "token"), `${VIEWER}\n`, { mode: 0o600 })
    chownSync(join(own, "token"), NOBODY, NOBODY)
    const viewer = asNobody(home, status)
    expect(viewer.stderr).toBe("")
    expect(viewer.stdout).toMatch(/^no services\n\nTLS certificate SHA-256 fingerprint: /)
    expect(viewer.status).toBe(0)

    // A write with a viewer token is the API's 403 sentence, not a token problem.
    const write = asNobody(home, ["start", "nothing", "--config", configPath])
    expect(write.stderr).not.toContain("cannot read")
  })
})
