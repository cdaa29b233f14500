// How the client commands reach the running daemon: the same config lookup as `run` gives
// listen_port and data_dir (for the token), and requests go to loopback with the bearer token.
// With TLS on, they go over HTTPS to a server whose certificate must be the one on disk (its
// fingerprint pinned: a loopback address is not a name a LAN certificate is for).
// A daemon that does not answer is one clear sentence and exit code 1. A person without the
// rights to read the token (data_dir is root's, mode 0700) is told so, and what to do: run it
// with sudo, or keep a token of their own (a viewer token) in ~/.config/dockless/token, and
// under TLS a copy of the daemon's certificate in ~/.config/dockless/cert.pem.
import { readFileSync } from "node:fs"
import { homedir } from "node:os"
import type { TLSSocket } from "node:tls"
import { join } from "node:path"
import { Data, Effect, Redacted } from "effect"
import { defaultConfig, type Config } from "../config/Config.ts"
import { findConfigFile, loadConfig } from "../config/ConfigFile.ts"
import { systemErrorReason } from "../os/SystemError.ts"
import { withSudo } from "./Invocation.ts"

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

/** Read from a file, or why not ("/etc/dockless/data/token: permission denied (EACCES)"). */
type Read<A> =
  { readonly _tag: "Read"; readonly value: A } | { readonly _tag: "Unread"; readonly reason: string }

const readText = (file: string): Read<string> => {
  try {
    return { _tag: "Read", value: readFileSync(file, "utf8") }
  } catch (cause) {
    return { _tag: "Unread", reason: `${file}: ${systemErrorReason(cause)}` }
  }
}

/** The folder of a person's own client settings: $XDG_CONFIG_HOME/dockless or ~/.config/dockless. */
export const userDir = (env: Record<string, string | undefined> = process.env): string =>
  join(env["XDG_CONFIG_HOME"] || join(env["HOME"] || homedir(), ".config"), "dockless")

/** The first file that reads, or the reasons none did. */
const firstRead = <A>(files: ReadonlyArray<string>, parse: (text: string) => A | undefined): Read<A> => {
  const reasons: Array<string> = []
  for (const file of files) {
    const read = readText(file)
    if (read._tag === "Unread") reasons.push(read.reason)
    else {
      const value = parse(read.value)
      if (value !== undefined) return { _tag: "Read", value }
      reasons.push(`${file}: not usable`)
    }
  }
  return { _tag: "Unread", reason: reasons.join("; ") }
}

const tokenOf = (text: string) => text.trim() || undefined

/** [auth] token, token_file or data_dir/token; else the person's own ~/.config/dockless/token. */
const readToken = (config: Config): Read<string> =>
  config.auth.token !== undefined
    ? { _tag: "Read", value: Redacted.value(config.auth.token) }
    : firstRead([config.auth.token_file ?? join(config.data_dir, "token"), join(userDir(), "token")], tokenOf)

/** The fingerprint of the certificate the daemon serves, read from its file or the person's copy (none without TLS). */
const servedFingerprint = (config: Config): Read<string> | undefined => {
  const tls = config.http.tls
  const file =
    tls._tag === "Files"
      ? tls.cert
      : tls._tag === "SelfSigned"
        ? join(config.data_dir, "tls/cert.pem")
        : undefined
  if (file === undefined) return undefined
  return firstRead([file, join(userDir(), "cert.pem")], (pem) => {
    try {
      // node:crypto when used: `run` loads this module too, and would initialise OpenSSL at start.
      const { X509Certificate } = process.getBuiltinModule("node:crypto")
      return new X509Certificate(pem).fingerprint256
    } catch {
      return undefined
    }
  })
}

/** What to do when a file of the daemon's cannot be read: `sudo`, or the person's own copy. */
const advice = (ownFile: string, what: string) =>
  `run it as root (${withSudo()}), or put ${what} in ${join(userDir(), ownFile)} (see docs/troubleshooting.md)`

const isTls = (socket: object): socket is TLSSocket => "getPeerCertificate" in socket

/**
 * A request over HTTPS to a server that must present the certificate with `fingerprint`.
 * node:https is loaded only here: the daemon, which shares this bundle, never loads it for this.
 */
const pinnedFetch = async (
  url: string,
  method: string,
  headers: Record<string, string>,
  fingerprint: string,
) => {
  const { request: httpsRequest } = process.getBuiltinModule("node:https")
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
    const certificate = servedFingerprint(config)
    const fingerprint = certificate?._tag === "Read" ? certificate.value : undefined
    const headers: Record<string, string> =
      token._tag === "Read" ? { authorization: `Bearer ${token.value}` } : {}
    const notRunning = () =>
      new ClientFailed({ message: `dockless is not running (nothing answers on ${base})`, code: 1 })
    // Without the certificate there is no telling whose server answers: nothing is sent to it.
    const unverifiable =
      certificate?._tag === "Unread"
        ? new ClientFailed({
            message:
              `cannot read the daemon's TLS certificate to check it is the one answering on ${base} ` +
              `(${certificate.reason}): ${advice("cert.pem", "a copy of that certificate")}`,
            code: 1,
          })
        : undefined
    const refused = (response: Response) =>
      Effect.flatMap(apiError(response), (sentence) =>
        Effect.fail(
          new ClientFailed({
            message:
              token._tag === "Unread"
                ? `cannot read the API token (${token.reason}): ${advice("token", "a token of your own (a viewer token)")}`
                : `the daemon on ${base} refused the token (${sentence})`,
            code: 1,
          }),
        ),
      )
    const daemon: Daemon = {
      base,
      fingerprint,
      request: (method, path) =>
        unverifiable !== undefined
          ? Effect.fail(unverifiable)
          : Effect.tryPromise({
              try: () =>
                tls
                  ? pinnedFetch(`${base}${path}`, method, headers, fingerprint ?? "")
                  : fetch(`${base}${path}`, { method, headers }),
              catch: (cause) =>
                cause instanceof Error && cause.message.includes("not the one on disk")
                  ? new ClientFailed({ message: cause.message, code: 1 })
                  : notRunning(),
            }).pipe(
              Effect.flatMap((response) =>
                response.status === 401 ? refused(response) : Effect.succeed(response),
              ),
            ),
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
