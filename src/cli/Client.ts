// How the client commands reach the running daemon: the same config lookup as `run` gives
// listen_port and data_dir (for the token), and requests go to loopback with the bearer token.
// With TLS on, they go over HTTPS to a server whose certificate must be the one on disk (its
// fingerprint pinned: a loopback address is not a name a LAN certificate is for).
// A daemon that does not answer is one clear sentence and exit code 1.
import { readFileSync } from "node:fs"
import type { TLSSocket } from "node:tls"
import { join } from "node:path"
import { Data, Effect, Redacted } from "effect"
import { defaultConfig, type Config } from "../config/Config.ts"
import { findConfigFile, loadConfig } from "../config/ConfigFile.ts"
import { X509Certificate } from "node:crypto"

export class ClientFailed extends Data.TaggedError("ClientFailed")<{
  readonly message: string
  readonly code: number
}> {}

export interface Daemon {
  readonly base: string
  /** The SHA-256 fingerprint of the certificate the daemon serves, when TLS is on. */
  readonly fingerprint: string | undefined
  readonly request: (method: string, path: string) => Effect.Effect<Response, ClientFailed>
}

const readToken = (config: Config): string | undefined => {
  if (config.auth.token !== undefined) return Redacted.value(config.auth.token)
  const file = config.auth.token_file ?? join(config.data_dir, "token")
  try {
    return readFileSync(file, "utf8").trim()
  } catch {
    return undefined
  }
}

/** The fingerprint of the certificate the daemon serves, read from its file (none without TLS). */
const servedFingerprint = (config: Config): string | undefined => {
  const tls = config.http.tls
  const file =
    tls._tag === "Files"
      ? tls.cert
      : tls._tag === "SelfSigned"
        ? join(config.data_dir, "tls/cert.pem")
        : undefined
  if (file === undefined) return undefined
  try {
    return new X509Certificate(readFileSync(file, "utf8")).fingerprint256
  } catch {
    return undefined
  }
}

const isTls = (socket: object): socket is TLSSocket => "getPeerCertificate" in socket

/**
 * A request over HTTPS to a server that must present the certificate with `fingerprint`.
 * node:https is imported only here: the daemon, which shares this bundle, never loads it for this.
 */
const pinnedFetch = async (
  url: string,
  method: string,
  headers: Record<string, string>,
  fingerprint: string,
) => {
  const { request: httpsRequest } = await import("node:https")
  return new Promise<Response>((done, fail) => {
    const req = httpsRequest(url, { method, headers, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () =>
        done(
          new Response(res.statusCode === 204 ? null : Buffer.concat(chunks), {
            status: res.statusCode ?? 500,
            headers: { "content-type": String(res.headers["content-type"] ?? "") },
          }),
        ),
      )
    })
    req.on("socket", (socket) => {
      if (!isTls(socket)) return
      socket.once("secureConnect", () => {
        const served = socket.getPeerCertificate().fingerprint256
        if (served !== fingerprint)
          req.destroy(new Error(`the daemon's certificate ${served} is not the one on disk (${fingerprint})`))
      })
    })
    req.on("error", fail)
    req.end()
  })
}

const loopback = (host: string) => (host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host)

export const connect = (configPath: string | undefined): Effect.Effect<Daemon, ClientFailed> =>
  Effect.gen(function* () {
    const file = yield* findConfigFile(configPath, process.env, process.cwd())
    // A client runs no service: whether the host can give their identity is the daemon's to say.
    const config =
      file === undefined ? defaultConfig(process.cwd()) : yield* loadConfig(file, { identity: false })
    const host = loopback(config.listen_host)
    const tls = config.http.tls._tag !== "Plain"
    const base = `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${config.listen_port}`
    const token = readToken(config)
    const fingerprint = tls ? servedFingerprint(config) : undefined
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` }
    const daemon: Daemon = {
      base,
      fingerprint,
      request: (method, path) =>
        Effect.tryPromise({
          try: () =>
            tls
              ? pinnedFetch(`${base}${path}`, method, headers, fingerprint ?? "")
              : fetch(`${base}${path}`, { method, headers }),
          catch: () =>
            new ClientFailed({ message: `dockless is not running (nothing answers on ${base})`, code: 1 }),
        }),
    }
    return daemon
  }).pipe(
    Effect.catchTag("ConfigInvalid", (e) => Effect.fail(new ClientFailed({ message: e.message, code: 1 }))),
  )

/** The API's error sentence from a non-2xx answer. */
export const apiError = (response: Response): Effect.Effect<string> =>
  Effect.promise(() => response.json().catch(() => ({}))).pipe(
    Effect.map((body: unknown) =>
      typeof body === "object" && body !== null && "error" in body && typeof body.error === "string"
        ? body.error
        : `the daemon answered ${response.status}`,
    ),
  )
