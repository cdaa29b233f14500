// The HTTP server: an h3 app built from routes.ts, listening through listhen on
// listen_host:listen_port inside an Effect scope. Closing the scope ends open event streams
// first (a listener waits for them otherwise), then closes the listener.
import { H3, toNodeHandler, type H3Event } from "h3"
import { listen } from "listhen"
import { Clock, Context, Data, Effect, Layer, Runtime } from "effect"
import type { Config } from "../config/Config.ts"
import { loadToken, makeAuth } from "./auth.ts"
import { BadRequest, failureResponse, json, RouteNotFound } from "./HttpErrors.ts"
import type { HttpContext, HttpDeps, Route } from "./HttpContext.ts"
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
          Effect.as(json(500, { error: "Dockless hit an internal error; see its log", details: [] })),
        ),
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
  for (const route of routes) app.on(route.method, route.path, serve(route, ctx))
  app.on("", "/**", (event) =>
    failureResponse(new RouteNotFound({ path: `${event.req.method} ${event.url.pathname}` })),
  )
  return app
}

const isLoopback = (host: string) => host === "127.0.0.1" || host === "localhost" || host === "::1"

export class HttpServer extends Context.Tag("dockless/http/HttpServer")<HttpServer, HttpServerShape>() {
  static readonly layer = (config: Config) =>
    Layer.scoped(
      HttpServer,
      Effect.gen(function* () {
        const address = `${config.listen_host}:${config.listen_port}`
        const token = yield* Effect.try({
          try: () => loadToken(config),
          catch: (error) =>
            new ListenFailed({ address, reason: `cannot read or create the API token: ${String(error)}` }),
        })
        const ctx: HttpContext = {
          config,
          auth: makeAuth(token),
          streams: new OpenStreams(),
          runtime: yield* Effect.runtime<HttpDeps>(),
          startedAt: yield* Clock.currentTimeMillis,
        }
        const listener = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: () =>
              listen(toNodeHandler(buildApp(ctx)), {
                port: config.listen_port,
                hostname: config.listen_host,
                showURL: false,
                autoClose: false,
                isProd: true,
                public: !isLoopback(config.listen_host),
                qr: false,
              }),
            catch: (error) =>
              new ListenFailed({ address, reason: error instanceof Error ? error.message : String(error) }),
          }),
          (l) => ctx.streams.closeAll.pipe(Effect.zipRight(Effect.promise(() => l.close()))),
        )
        return { url: listener.url }
      }),
    )
}
