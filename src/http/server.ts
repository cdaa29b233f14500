// The HTTP server: node:http, or node:https behind a port that refuses plain HTTP when [http]
// tls is set, listening on listen_host:listen_port inside an Effect scope, with the timeouts and
// caps of HttpLimits, serving the h3 app of HttpApp.ts. The app (h3, srvx, every route and the
// API's schemas, and the web classes they touch: about 10 MiB of RSS) is loaded on the first
// request, so a daemon nobody looks at never pays for it. Closing the scope ends open event
// streams first (the server waits for them otherwise), then closes the server. listhen is not
// used: its listener makes its own server (without our limits, and unable to answer plain HTTP
// on the TLS port), and it adds ~8 MiB of RSS; node-forge, which it makes certificates with,
// is loaded only to make one (TlsCertificate.ts).
import { createServer, type RequestListener, type ServerResponse } from "node:http"
import type { Server } from "node:net"
import { Clock, Context, Data, Effect, Layer } from "effect"
import type { Config } from "../config/Config.ts"
import { systemErrorReason } from "../os/SystemError.ts"
import type { TlsUnavailable } from "./TlsCertificate.ts"
import { limitConnections } from "./ConnectionLimit.ts"
import type { AppBase, HttpApp } from "./HttpApp.ts"
import type { HttpDeps } from "./HttpContext.ts"
import {
  HARD_CONNECTION_LIMIT,
  HEADERS_TIMEOUT_MS,
  MAX_CONNECTIONS,
  NODE_SERVER_OPTIONS,
  REQUEST_TIMEOUT_MS,
} from "./HttpLimits.ts"
import { enforceDeadlines } from "./RequestDeadlines.ts"
import { makeSessions } from "./Sessions.ts"
import { loadTokens, ownersOf } from "./TokenFile.ts"

export class ListenFailed extends Data.TaggedError("ListenFailed")<{
  readonly address: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot listen on ${this.address}: ${this.reason}`
  }
}

export interface HttpServerShape {
  readonly url: string
  /** The SHA-256 fingerprint of the certificate served, when TLS is on. */
  readonly fingerprint: string | undefined
}

/** Listens or fails with the reason (EADDRINUSE names the address: never a silent fallback port). */
const listenOn = (server: Server, config: Config) =>
  Effect.async<Server, ListenFailed>((resume) => {
    const address = `${config.listen_host}:${config.listen_port}`
    server.once("error", (error: NodeJS.ErrnoException) =>
      resume(
        Effect.fail(
          new ListenFailed({
            address,
            reason:
              error.code === "EADDRINUSE"
                ? "the port is in use (is another dockless running?)"
                : error.message,
          }),
        ),
      ),
    )
    server.listen(config.listen_port, config.listen_host, () => resume(Effect.succeed(server)))
  })

/** What listens, and how to end every connection it has at once. */
export interface Listening {
  readonly server: Server
  readonly closeAll: () => void
}

/** node:http with the limits of HttpLimits. */
const makePlainServer = (handler: RequestListener): Listening => {
  const server = createServer(NODE_SERVER_OPTIONS)
  enforceDeadlines(server, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS)
  limitConnections(server, handler, MAX_CONNECTIONS, HARD_CONNECTION_LIMIT)
  return { server, closeAll: () => server.closeAllConnections() }
}

const loadFailed = (res: ServerResponse, error: unknown) => {
  res.writeHead(500, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" })
  const reason = error instanceof Error ? error.message : String(error)
  res.end(JSON.stringify({ error: `Dockless could not load its HTTP handlers: ${reason}`, details: [] }))
}

/** The app, imported on the first request (requests meanwhile wait for it); a failed load is tried again. */
const lazyApp = (base: AppBase) => {
  let loaded: HttpApp | undefined
  let loading: Promise<HttpApp> | undefined
  const handler: RequestListener = (req, res) => {
    if (loaded !== undefined) return loaded.handler(req, res)
    loading ??= import("./HttpApp.ts").then((module) => (loaded = module.makeHttpApp(base)))
    loading.then(
      (app) => app.handler(req, res),
      (error: unknown) => {
        loading = undefined
        loadFailed(res, error)
      },
    )
  }
  return { handler, closeStreams: Effect.suspend(() => loaded?.closeStreams ?? Effect.void) }
}

const closeServer = ({ server, closeAll }: Listening) =>
  Effect.async<void>((resume) => {
    server.close(() => resume(Effect.void))
    closeAll()
  })

/** The server for config.http.tls: plain, or HTTPS with its certificate (and its fingerprint). */
const makeListening = (handler: RequestListener, config: Config) =>
  Effect.gen(function* () {
    const tls = config.http.tls
    if (tls._tag === "Plain") return { listening: makePlainServer(handler), fingerprint: undefined }
    // node:https, the certificate code and the TLS port are loaded only when TLS is on.
    const { tlsListening } = yield* Effect.promise(() => import("./TlsServer.ts"))
    return yield* tlsListening(handler, config, tls)
  })

export class HttpServer extends Context.Tag("dockless/http/HttpServer")<HttpServer, HttpServerShape>() {
  static readonly layer = (config: Config) =>
    Layer.scoped(
      HttpServer,
      Effect.gen(function* () {
        const address = `${config.listen_host}:${config.listen_port}`
        const tokens = yield* Effect.try({
          try: () => loadTokens(config),
          catch: (error) =>
            new ListenFailed({
              address,
              reason: `cannot read or create the API tokens: ${systemErrorReason(error)}`,
            }),
        })
        const sessions = yield* makeSessions(
          config.data_dir,
          { idleMs: config.auth.session_idle, maxAgeMs: config.auth.session_max_age },
          ownersOf(tokens),
        )
        const secure = config.http.tls._tag !== "Plain"
        const app = lazyApp({
          config,
          secure,
          tokens,
          sessions,
          runtime: yield* Effect.runtime<HttpDeps>(),
          startedAt: yield* Clock.currentTimeMillis,
        })
        const { listening, fingerprint } = yield* makeListening(app.handler, config).pipe(
          Effect.mapError((error: TlsUnavailable) => new ListenFailed({ address, reason: error.message })),
        )
        yield* Effect.acquireRelease(listenOn(listening.server, config), () =>
          app.closeStreams.pipe(Effect.zipRight(closeServer(listening))),
        )
        return { url: `${secure ? "https" : "http"}://${address}/`, fingerprint }
      }),
    )
}
