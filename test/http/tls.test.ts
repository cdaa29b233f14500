// HTTPS on the LAN: `[http] tls = "self-signed"` makes a certificate once, serves it with its
// fingerprint logged, keeps it across restarts; `{ cert, key }` serves the user's files and
// reads them again on SIGHUP; plain HTTP on the TLS port gets a 400 naming https://; cookies are Secure.
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { makeSelfSignedCertificate } from "../../src/http/SelfSignedCertificate.ts"
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { BUNDLE, freePort, startDaemon, tempDir, TOKEN, useDaemons, waitFor } from "../support/daemon.ts"
import { httpsRequest, rawExchange } from "./https.ts"

const daemons = useDaemons()
const run = promisify(execFile)

const fingerprintIn = (output: string): string | undefined => /fingerprint: ([0-9A-F:]{95})/.exec(output)?.[1]

/** The fingerprint a daemon logged (its output may arrive after its health check answers). */
const loggedFingerprint = (daemon: { readonly output: string }) =>
  waitFor("the certificate's fingerprint in the daemon's output", async () => fingerprintIn(daemon.output))

const startTls = async (dir: string, port: number, tls: string) =>
  daemons.track(await startDaemon({ dir, port, tls: true, body: `[http]\ntls = ${tls}\n` }))

describe("tls", () => {
  it("serves a self-signed certificate kept in data_dir/tls, pinned by the fingerprint it logs, across a restart", async () => {
    const dir = tempDir()
    const port = await freePort()
    const first = await startTls(dir, port, '"self-signed"')
    const fingerprint = await loggedFingerprint(first)
    expect(fingerprint).toBeDefined()
    const ca = readFileSync(join(dir, "data/tls/cert.pem"), "utf8")
    expect(statSync(join(dir, "data/tls/key.pem")).mode & 0o777).toBe(0o600)
    const pin = { ca, fingerprint: fingerprint ?? "" }
    const health = await httpsRequest(`https://127.0.0.1:${port}/api/health`, pin)
    expect(health.status).toBe(200)
    expect(health.fingerprint).toBe(fingerprint)
    const services = await httpsRequest(`https://127.0.0.1:${port}/api/services`, pin, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    expect(services.status).toBe(200)

    await first.stop()
    const second = await startTls(dir, port, '"self-signed"')
    expect(await loggedFingerprint(second)).toBe(fingerprint)
    expect(readFileSync(join(dir, "data/tls/cert.pem"), "utf8")).toBe(ca)
    expect((await httpsRequest(`https://127.0.0.1:${port}/api/health`, pin)).status).toBe(200)
  })

  it("dockless status talks HTTPS to it, pinned, and shows the fingerprint", async () => {
    const dir = tempDir()
    const port = await freePort()
    const daemon = await startTls(dir, port, '"self-signed"')
    const { stdout } = await run(process.execPath, [BUNDLE, "status", "--config", daemon.configPath])
    expect(stdout).toContain("no services")
    expect(stdout).toContain(`TLS certificate SHA-256 fingerprint: ${await loggedFingerprint(daemon)}`)
  })

  it("refuses plain HTTP on the TLS port with a 400 naming the https:// URL", async () => {
    const dir = tempDir()
    const port = await freePort()
    await startTls(dir, port, '"self-signed"')
    const answer = await rawExchange(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(answer).toContain(`https://127.0.0.1:${port}/`)
  })

  it("sets a Secure session cookie over TLS", async () => {
    const dir = tempDir()
    const port = await freePort()
    const daemon = await startTls(dir, port, '"self-signed"')
    const pin = {
      ca: readFileSync(join(dir, "data/tls/cert.pem"), "utf8"),
      fingerprint: await loggedFingerprint(daemon),
    }
    const login = await httpsRequest(`https://127.0.0.1:${port}/api/login`, pin, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: TOKEN }),
    })
    expect(login.status).toBe(200)
    expect(String(login.headers["set-cookie"])).toMatch(/; Secure/i)
  })

  it("serves the user's own cert and key and reads them again on SIGHUP", async () => {
    const dir = tempDir()
    const port = await freePort()
    const names = ["localhost", "127.0.0.1"]
    const one = makeSelfSignedCertificate(names, Date.now())
    writeFileSync(join(dir, "cert.pem"), one.cert)
    writeFileSync(join(dir, "key.pem"), one.key, { mode: 0o600 })
    const daemon = await startTls(dir, port, '{ cert = "cert.pem", key = "key.pem" }')
    const url = `https://127.0.0.1:${port}/api/health`
    const firstPrint = await loggedFingerprint(daemon)
    expect((await httpsRequest(url, { ca: one.cert, fingerprint: firstPrint })).status).toBe(200)

    const two = makeSelfSignedCertificate(names, Date.now())
    writeFileSync(join(dir, "cert.pem"), two.cert)
    writeFileSync(join(dir, "key.pem"), two.key)
    daemon.child.kill("SIGHUP")
    const secondPrint = await waitFor(
      "the SIGHUP reload",
      () => /SIGHUP: serving .* \(SHA-256 ([0-9A-F:]{95})\)/.exec(daemon.output)?.[1],
    )
    expect(secondPrint).not.toBe(firstPrint)
    const answer = await httpsRequest(url, { ca: two.cert, fingerprint: secondPrint })
    expect(answer.status).toBe(200)
    expect(daemon.child.exitCode).toBeNull()
  })
})
