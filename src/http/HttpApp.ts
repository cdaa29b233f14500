// The HTTP app: h3 routing over routes.ts, each handler run on the daemon's Effect runtime
// after the origin, token and role checks, every failure mapped to its status by HttpErrors.
// Loaded by server.ts on the first request (it is most of what the API costs in memory).
import { FastResponse } from "srvx"
import type { RequestListener } from "node:http"
import { H3, toNodeHandler, type H3Event } from "h3"
import { Effect, Runtime } from "effect"
import type { Config } from "../config/Config.ts"
import { makeAuth } from "./auth.ts"
import type { HttpContext, HttpDeps, Route } from "./HttpContext.ts"
import {
  BadRequest,
  errorAnswer,
  failureResponse,
  ReadOnlyAccess,
  RouteNotFound,
  Unauthorized,
} from "./HttpErrors.ts"
import { MAX_EVENT_STREAMS } from "./HttpLimits.ts"
import { ListCache } from "./ListCache.ts"
import { makeLoginThrottle } from "./LoginThrottle.ts"
import { routes } from "./routes.ts"
import type { Sessions } from "./Sessions.ts"
import { OpenStreams } from "./sse.ts"
import type { Tokens } from "./TokenFile.ts"

/** What the server knows before the app loads. */
export interface AppBase {
  readonly config: Config
  /** Served over TLS: cookies are Secure. */
  readonly secure: boolean
  readonly tokens: Tokens
  readonly sessions: Sessions
  readonly runtime: Runtime.Runtime<HttpDeps>
  readonly startedAt: number
}

export interface HttpApp {
  readonly handler: RequestListener
  /** Ends every open event stream (at shutdown: the server would wait for them). */
  readonly closeStreams: Effect.Effect<void>
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

export const makeHttpApp = (base: AppBase): HttpApp => {
  const ctx: HttpContext = {
    config: base.config,
    secure: base.secure,
    auth: makeAuth(base.tokens, base.sessions),
    throttle: makeLoginThrottle(),
    streams: new OpenStreams(MAX_EVENT_STREAMS),
    runtime: base.runtime,
    startedAt: base.startedAt,
    routes,
    list: new ListCache(),
  }
  return { handler: toNodeHandler(buildApp(ctx)), closeStreams: ctx.streams.closeAll }
}
