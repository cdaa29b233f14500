// HTTPS for `[http] tls`: node:https with the limits of HttpLimits, behind the port that answers
// plain HTTP with a 400 (TlsPort.ts), serving the certificate of TlsCertificate.ts; with the
// user's own files, SIGHUP reads them again. server.ts imports this module only when TLS is on,
// so node:https, node:tls and this code are not loaded by a daemon without TLS.
import type { RequestListener } from "node:http"
import { createServer, type Server as HttpsServer } from "node:https"
import { Effect, Runtime } from "effect"
import type { Config, TlsSpec } from "../config/Config.ts"
import { limitConnections } from "./ConnectionLimit.ts"
import {
  HARD_CONNECTION_LIMIT,
  HEADERS_TIMEOUT_MS,
  MAX_CONNECTIONS,
  NODE_SERVER_OPTIONS,
  REQUEST_TIMEOUT_MS,
} from "./HttpLimits.ts"
import { enforceDeadlines } from "./RequestDeadlines.ts"
import type { Listening } from "./server.ts"
import { loadTls, type TlsMaterial } from "./TlsCertificate.ts"
import { makeTlsPort } from "./TlsPort.ts"

const makeTlsServer = (handler: RequestListener, material: TlsMaterial) => {
  const https = createServer({
    ...NODE_SERVER_OPTIONS,
    cert: material.cert,
    key: material.key,
    handshakeTimeout: HEADERS_TIMEOUT_MS,
  })
  // An https server's connections are its TLS sockets: the limits count and time those.
  enforceDeadlines(https, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, "secureConnection")
  limitConnections(https, handler, MAX_CONNECTIONS, HARD_CONNECTION_LIMIT, "secureConnection")
  const port = makeTlsPort(https, HEADERS_TIMEOUT_MS, HARD_CONNECTION_LIMIT)
  return { https, listening: { server: port.server, closeAll: port.closeAll } }
}

/**
 * SIGHUP reads the user's certificate and key again (a renewed Let's Encrypt certificate is
 * served without a restart); a pair that does not load leaves the old one in place. The listener
 * lives as long as the server's scope.
 */
const reloadOnHangup = (https: HttpsServer, config: Config, tls: Extract<TlsSpec, { _tag: "Files" }>) =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const reload = () =>
      Runtime.runFork(runtime)(
        loadTls(config, tls).pipe(
          Effect.tap((material) => https.setSecureContext({ cert: material.cert, key: material.key })),
          Effect.tap((material) =>
            Effect.logInfo(`SIGHUP: serving ${tls.cert} again (SHA-256 ${material.fingerprint})`),
          ),
          Effect.catchAll((error) => Effect.logError(`SIGHUP: kept the old certificate: ${error.message}`)),
        ),
      )
    yield* Effect.acquireRelease(
      Effect.sync(() => process.on("SIGHUP", reload)),
      () => Effect.sync(() => process.off("SIGHUP", reload)),
    )
  })

/** The HTTPS listener for `tls`, and the fingerprint of the certificate it serves. */
export const tlsListening = (
  handler: RequestListener,
  config: Config,
  tls: Exclude<TlsSpec, { _tag: "Plain" }>,
) =>
  Effect.gen(function* () {
    const material = yield* loadTls(config, tls)
    const { https, listening } = makeTlsServer(handler, material)
    if (tls._tag === "Files") yield* reloadOnHangup(https, config, tls)
    const served: { listening: Listening; fingerprint: string | undefined } = {
      listening,
      fingerprint: material.fingerprint,
    }
    return served
  })
