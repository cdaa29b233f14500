// The HTTP server: an h3 app built from routes.ts on a plain node:http server, listening on
// listen_host:listen_port inside an Effect scope, with the timeouts and caps of HttpLimits.
// Closing the scope ends open event streams first (the server waits for them otherwise), then
// closes the server. listhen is not used: it adds ~8 MiB of RSS and 500 KiB of bundle for
// tunnels, QR codes and a dev watcher that a daemon never needs, and its defaults (autoClose,
// port fallback) are wrong for one.
import { FastResponse } from "srvx"
import { createServer, type RequestListener, type Server } from "node:http"
import { H3, toNodeHandler, type H3Event } from "h3"
import { Clock, Context, Data, Effect, Layer, Runtime } from "effect"
import type { Config } from "../config/Config.ts"
import { loadToken, makeAuth } from "./auth.ts"
import { limitConnections } from "./ConnectionLimit.ts"
import { ListCache } from "./ListCache.ts"
import { BadRequest, errorAnswer, failureResponse, RouteNotFound } from "./HttpErrors.ts"
import {
  HARD_CONNECTION_LIMIT,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_CONNECTIONS,
  MAX_EVENT_STREAMS,
  REQUEST_TIMEOUT_MS,
} from "./HttpLimits.ts"
import { enforceDeadlines } from "./RequestDeadlines.ts"

/** Node's connection checker cannot be turned off; this interval (the longest a timer takes) is as good. */
const NEVER_MS = 2 ** 31 - 1
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
}

/**
 * HEAD is GET without the body (RFC 9110 9.3.2). The body is cancelled rather than dropped, so
 * an event stream a HEAD opened ends at once and gives its place back.
 */
const withoutBody = (response: Response) =>
  Effect.promise(() => response.body?.cancel() ?? Promise.resolve()).pipe(
    Effect.as(new FastResponse(null, { status: response.status, headers: response.headers })),
  )

const serve = (route: Route, ctx: HttpContext) => (event: H3Event) =>
  Runtime.runPromise(ctx.runtime)(
    Effect.gen(function* () {
      yield* ctx.auth.checkOrigin(event.req)
      if (route.access === "token") yield* ctx.auth.check(event.req)
      return yield* route.handler(event, ctx)
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

/**
 * node:http with the limits of HttpLimits. Node's own request timeouts are off (their checker
 * wakes the daemon every interval for ever): RequestDeadlines times requests, never responses.
 */
const makeServer = (handler: RequestListener): Server => {
  const server = createServer({
    headersTimeout: 0,
    requestTimeout: 0,
    connectionsCheckingInterval: NEVER_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  })
  enforceDeadlines(server, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS)
  limitConnections(server, handler, MAX_CONNECTIONS, HARD_CONNECTION_LIMIT)
  return server
}

const closeServer = (server: Server) =>
  Effect.async<void>((resume) => {
    server.close(() => resume(Effect.void))
    server.closeAllConnections()
  })

export class HttpServer extends Context.Tag("dockless/http/HttpServer")<HttpServer, HttpServerShape>() {
  static readonly layer = (config: Config) =>
    Layer.scoped(
      HttpServer,
      Effect.gen(function* () {
        const address = `${config.listen_host}:${config.listen_port}`
        const token = yield* Effect.try({
          try: () => loadToken(config),
          catch: (error) =>
            new ListenFailed({
              address,
              reason: `cannot read or create the API token: ${systemErrorReason(error)}`,
            }),
        })
        const ctx: HttpContext = {
          config,
          auth: makeAuth(token),
          streams: new OpenStreams(MAX_EVENT_STREAMS),
          runtime: yield* Effect.runtime<HttpDeps>(),
          startedAt: yield* Clock.currentTimeMillis,
          routes,
          list: new ListCache(),
        }
        yield* Effect.acquireRelease(listenOn(makeServer(toNodeHandler(buildApp(ctx))), config), (server) =>
          ctx.streams.closeAll.pipe(Effect.zipRight(closeServer(server))),
        )
        return { url: `http://${address}/` }
      }),
    )
}
