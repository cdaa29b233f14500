// What every route handler may use besides the supervision tree: the auth checker, the
// registry of open SSE streams, the Effect runtime to run streams on, and boot facts.
import type { H3Event } from "h3"
import type { Effect, Runtime } from "effect"
import type * as Schema from "effect/Schema"
import type { Config } from "../config/Config.ts"
import type { ServiceViews } from "../actors/ServiceViews.ts"
import type { HeapGovernor } from "../monitor/HeapGovernor.ts"
import type { Monitor } from "../monitor/Monitor.ts"
import type { Notifier } from "../notify/Notifier.ts"
import type { RootSupervisor } from "../supervisors/RootSupervisor.ts"
import type { Auth, Principal } from "./auth.ts"
import type { LoginThrottle } from "./LoginThrottle.ts"
import type { HttpFailure } from "./HttpErrors.ts"
import type { ListCache } from "./ListCache.ts"
import type { OpenStreams } from "./sse.ts"

export type HttpDeps = RootSupervisor | ServiceViews | Monitor | HeapGovernor | Notifier

export interface HttpContext {
  readonly config: Config
  /** Served over TLS: cookies are Secure. */
  readonly secure: boolean
  readonly auth: Auth
  readonly throttle: LoginThrottle
  readonly streams: OpenStreams
  readonly runtime: Runtime.Runtime<HttpDeps>
  readonly startedAt: number
  /** Every route served, for the OpenAPI document. */
  readonly routes: ReadonlyArray<Route>
  /** The service list's last encoded answer. */
  readonly list: ListCache
}

/** `principal` is who called: none on an open route. */
export type Handler = (
  event: H3Event,
  ctx: HttpContext,
  principal: Principal | undefined,
) => Effect.Effect<Response, HttpFailure, HttpDeps>

/** What a route answers when it succeeds: JSON of a schema, another media type, or nothing (204). */
export type RouteAnswer =
  | { readonly status: number; readonly json: Schema.Schema.AnyNoContext }
  | { readonly status: number; readonly media: string; readonly description: string }
  | { readonly status: 204 }

/** What the OpenAPI document says about a route (server-side failures every route of its kind can have are added there). */
export interface RouteDoc {
  readonly summary: string
  /** The JSON body it reads. */
  readonly body?: Schema.Schema.AnyNoContext
  /** Query parameters, each with its JSON Schema. */
  readonly query?: Readonly<Record<string, { readonly description: string; readonly schema: object }>>
  readonly answer: RouteAnswer
  /** Statuses particular to this route (409, 500), with what they mean. */
  readonly failures?: Readonly<Record<number, string>>
}

export interface Route {
  readonly method: "GET" | "POST" | "PUT" | "DELETE"
  readonly path: string
  /**
   * "open" routes skip the token check (health, login, the dashboard's files, the API
   * description); "token" routes take the admin token, or a viewer token for a GET; "scrape"
   * (/metrics) takes those and the metrics token.
   */
  readonly access: "open" | "token" | "scrape"
  readonly handler: Handler
  readonly doc: RouteDoc
}

export const param = (event: H3Event, name: string): string => event.context.params?.[name] ?? ""
