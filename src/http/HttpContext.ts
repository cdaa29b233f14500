// What every route handler may use besides the supervision tree: the auth checker, the
// registry of open SSE streams, the Effect runtime to run streams on, and boot facts.
import type { H3Event } from "h3"
import type { Effect, Runtime } from "effect"
import type { Config } from "../config/Config.ts"
import type { ServiceViews } from "../actors/ServiceViews.ts"
import type { Monitor } from "../monitor/Monitor.ts"
import type { RootSupervisor } from "../supervisors/RootSupervisor.ts"
import type { Auth } from "./auth.ts"
import type { HttpFailure } from "./HttpErrors.ts"
import type { OpenStreams } from "./sse.ts"

export type HttpDeps = RootSupervisor | ServiceViews | Monitor

export interface HttpContext {
  readonly config: Config
  readonly auth: Auth
  readonly streams: OpenStreams
  readonly runtime: Runtime.Runtime<HttpDeps>
  readonly startedAt: number
}

export type Handler = (event: H3Event, ctx: HttpContext) => Effect.Effect<Response, HttpFailure, HttpDeps>

export interface Route {
  readonly method: "GET" | "POST" | "PUT" | "DELETE"
  readonly path: string
  /** "open" routes skip the token check (health, login, the dashboard's files). */
  readonly access: "open" | "token"
  readonly handler: Handler
}

export const param = (event: H3Event, name: string): string => event.context.params?.[name] ?? ""
