// The HTTP server: a plain node:http server listening on listen_host:listen_port inside an
// Effect scope, with the timeouts and caps of HttpLimits, serving the h3 app of HttpApp.ts. The
// app (h3, srvx, every route and the API's schemas: about 10 MiB of RSS with the web classes
// they touch) is loaded on the first request, so a daemon nobody looks at never pays for it.
// Closing the scope ends open event streams first (the server waits for them otherwise), then
// closes the server. listhen is not used: it adds ~8 MiB of RSS and 500 KiB of bundle for
// tunnels, QR codes and a dev watcher that a daemon never needs, and its defaults (autoClose,
// port fallback) are wrong for one.
import { createServer, type RequestListener, type Server, type ServerResponse } from "node:http"
import { Clock, Context, Data, Effect, Layer } from "effect"
import type { Config } from "../config/Config.ts"
import { systemErrorReason } from "../os/SystemError.ts"
import { limitConnections } from "./ConnectionLimit.ts"
import type { AppBase, HttpApp } from "./HttpApp.ts"
import type { HttpDeps } from "./HttpContext.ts"
import {
  HARD_CONNECTION_LIMIT,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_CONNECTIONS,
  REQUEST_TIMEOUT_MS,
} from "./HttpLimits.ts"
import { enforceDeadlines } from "./RequestDeadlines.ts"
import { loadToken } from "./TokenFile.ts"

/** Node's connection checker cannot be turned off; this interval (the longest a timer takes) is as good. */
const NEVER_MS = 2 ** 31 - 1

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
        const app = lazyApp({
          config,
          token,
          runtime: yield* Effect.runtime<HttpDeps>(),
          startedAt: yield* Clock.currentTimeMillis,
        })
        yield* Effect.acquireRelease(listenOn(makeServer(app.handler), config), (server) =>
          app.closeStreams.pipe(Effect.zipRight(closeServer(server))),
        )
        return { url: `http://${address}/` }
      }),
    )
}
