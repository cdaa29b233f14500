// The certificate HTTPS is served with: for `tls = "self-signed"` the one in data_dir/tls/
// (made once for this host's names and addresses, key 0600, reused across restarts), for
// `tls = { cert, key }` the user's own files (read again on SIGHUP). Its SHA-256 fingerprint is
// what a user compares with the browser's on a first visit, so it is logged at start and shown
// by `dockless status`.
import { X509Certificate } from "node:crypto"
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import { hostname, networkInterfaces } from "node:os"
import { join } from "node:path"
import { Clock, Data, Effect } from "effect"
import type { Config, TlsSpec } from "../config/Config.ts"
import { writeAtomic } from "../state/AtomicFile.ts"
import { systemErrorReason } from "../os/SystemError.ts"

export class TlsUnavailable extends Data.TaggedError("TlsUnavailable")<{
  readonly reason: string
}> {
  override get message(): string {
    return `cannot serve HTTPS: ${this.reason}`
  }
}

export interface TlsMaterial {
  readonly cert: string
  readonly key: string
  /** "AB:CD:…", as browsers show it. */
  readonly fingerprint: string
}

export const tlsDir = (dataDir: string) => join(dataDir, "tls")

/** Every name and address this host is reached by on the LAN, for the certificate's alternative names. */
const hostNames = (listenHost: string): Array<string> => {
  const host = hostname()
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((entry) => entry.address.split("%")[0] ?? "")
  const all = [host, `${host}.local`, "localhost", ...addresses, "127.0.0.1", "::1"]
  if (listenHost !== "0.0.0.0" && listenHost !== "::") all.push(listenHost)
  return [...new Set(all.filter((name) => name !== ""))]
}

const withFingerprint = (cert: string, key: string): TlsMaterial => ({
  cert,
  key,
  fingerprint: new X509Certificate(cert).fingerprint256,
})

const readPair = (certFile: string, keyFile: string) =>
  Effect.try({
    try: () => withFingerprint(readFileSync(certFile, "utf8"), readFileSync(keyFile, "utf8")),
    catch: (error) =>
      new TlsUnavailable({ reason: `cannot read ${certFile} / ${keyFile}: ${systemErrorReason(error)}` }),
  })

const selfSigned = (config: Config) =>
  Effect.gen(function* () {
    const dir = tlsDir(config.data_dir)
    const certFile = join(dir, "cert.pem")
    const keyFile = join(dir, "key.pem")
    if (existsSync(certFile) && existsSync(keyFile)) return yield* readPair(certFile, keyFile)
    // node-forge is loaded only here, the first time a certificate is made.
    const { makeSelfSignedCertificate } = yield* Effect.promise(() => import("./SelfSignedCertificate.ts"))
    const pair = makeSelfSignedCertificate(hostNames(config.listen_host), yield* Clock.currentTimeMillis)
    yield* Effect.try({
      try: () => mkdirSync(dir, { recursive: true, mode: 0o700 }),
      catch: (error) => new TlsUnavailable({ reason: `cannot create ${dir}: ${systemErrorReason(error)}` }),
    })
    // The key first: a cert without its key would be reused with nothing to serve it.
    const written = writeAtomic(keyFile, pair.key, 0o600).pipe(
      Effect.zipRight(writeAtomic(certFile, pair.cert, 0o644)),
      Effect.mapError((error) => new TlsUnavailable({ reason: error.message })),
    )
    yield* written
    yield* Effect.logInfo(`made a self-signed certificate for ${hostNames(config.listen_host).join(", ")}`)
    return withFingerprint(pair.cert, pair.key)
  })

/** The certificate and key for `tls`, made or read. */
export const loadTls = (config: Config, tls: Exclude<TlsSpec, { _tag: "Plain" }>) =>
  tls._tag === "SelfSigned" ? selfSigned(config) : readPair(tls.cert, tls.key)
