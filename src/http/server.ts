// The HTTP server: an h3 app built from routes.ts on node:http, or node:https behind a port
// that refuses plain HTTP when [http] tls is set, listening on listen_host:listen_port inside an
// Effect scope, with the timeouts and caps of HttpLimits. Closing the scope ends open event
// streams first (the server waits for them otherwise), then closes the server. listhen is not
// used: its listener makes its own server (without our limits, and unable to answer plain HTTP
// on the TLS port), and it adds ~8 MiB of RSS; node-forge, which it makes certificates with,
// is loaded only to make one (TlsCertificate.ts).
import { createServer, type RequestListener } from "node:http"
import type { Server } from "node:net"
import { H3, toNodeHandler, type H3Event } from "h3"
import { Clock, Context, Data, Effect, Layer, Runtime } from "effect"
import type { Config } from "../config/Config.ts"
import type { TlsUnavailable } from "./TlsCertificate.ts"
import { loadTokens, makeAuth, ownersOf } from "./auth.ts"
import { limitConnections } from "./ConnectionLimit.ts"
import {
  BadRequest,
  errorAnswer,
  failureResponse,
  ReadOnlyAccess,
  RouteNotFound,
  Unauthorized,
} from "./HttpErrors.ts"
import { makeLoginThrottle } from "./LoginThrottle.ts"
import { makeSessions } from "./Sessions.ts"
import {
  HARD_CONNECTION_LIMIT,
  HEADERS_TIMEOUT_MS,
  MAX_CONNECTIONS,
  MAX_EVENT_STREAMS,
  NODE_SERVER_OPTIONS,
  REQUEST_TIMEOUT_MS,
} from "./HttpLimits.ts"
import { enforceDeadlines } from "./RequestDeadlines.ts"

import type { HttpContext, HttpDeps, Route } from "./HttpContext.ts"
import { systemErrorReason } from "../os/SystemError.ts"
import { routes } from "./routes.ts"
import { OpenStreams } from "./sse.ts"

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

/**
 * HEAD is GET without the body (RFC 9110 9.3.2). The body is cancelled rather than dropped, so
 * an event stream a HEAD opened ends at once and gives its place back.
 */
const withoutBody = (response: Response) =>
  Effect.promise(() => response.body?.cancel() ?? Promise.resolve()).pipe(
    Effect.as(new Response(null, { status: response.status, headers: response.headers })),
  )

const serve = (route: Route, ctx: HttpContext) => (event: H3Event) =>
  Runtime.runPromise(ctx.runtime)(
    Effect.gen(function* () {
      yield* ctx.auth.checkOrigin(event.req)
      const principal = route.access === "open" ? undefined : yield* ctx.auth.check(event)
      if (principal?.role === "metrics" && route.access !== "scrape")
        return yield* new Unauthorized({ reason: "the metrics token is good for GET /metrics only" })
      if (principal?.role === "viewer" && route.method !== "GET")
        return yield* new ReadOnlyAccess({ what: `${route.method} ${route.path}` })
      return yield* route.handler(event, ctx, principal)
    }).pipe(
      Effect.catchAll((failure) => Effect.succeed(failureResponse(failure))),
      Effect.catchAllDefect((defect) =>
        Effect.logError("http handler defect", defect).pipe(
          Effect.as(errorAnswer(500, "Dockless hit an internal error; see its log")),
        ),
      ),
      Effect.flatMap((response) =>
        event.req.method === "HEAD" ? withoutBody(response) : Effect.succeed(response),
      ),
    ),
  )

const buildApp = (ctx: HttpContext): H3 => {
  // h3 itself refuses a malformed percent-encoded path (`/%zz`) before routing; answer that in
  // the API's own error shape. Errors from handlers never reach here: `serve` maps them all.
  const app = new H3({
    onError: (error) =>
      error.status === 400
        ? failureResponse(new BadRequest({ reason: "the URL path is not valid percent-encoding" }))
        : undefined,
  })
  for (const route of routes) {
    app.on(route.method, route.path, serve(route, ctx))
    // Without this h3 would route a HEAD to the catch-all below (its GET fallback only applies
    // when no route at all matches).
    if (route.method === "GET") app.on("HEAD", route.path, serve(route, ctx))
  }
  app.on("", "/**", (event) =>
    failureResponse(new RouteNotFound({ path: `${event.req.method} ${event.url.pathname}` })),
  )
  return app
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
        const ctx: HttpContext = {
          config,
          secure: config.http.tls._tag !== "Plain",
          auth: makeAuth(tokens, sessions),
          throttle: makeLoginThrottle(),
          streams: new OpenStreams(MAX_EVENT_STREAMS),
          runtime: yield* Effect.runtime<HttpDeps>(),
          startedAt: yield* Clock.currentTimeMillis,
          routes,
        }
        const { listening, fingerprint } = yield* makeListening(toNodeHandler(buildApp(ctx)), config).pipe(
          Effect.mapError((error: TlsUnavailable) => new ListenFailed({ address, reason: error.message })),
        )
        yield* Effect.acquireRelease(listenOn(listening.server, config), () =>
          ctx.streams.closeAll.pipe(Effect.zipRight(closeServer(listening))),
        )
        return { url: `${ctx.secure ? "https" : "http"}://${address}/`, fingerprint }
      }),
    )
}
