// Every failure an HTTP client can cause, and the one place each maps to a status code and
// the `{ error, details }` body of SPEC section 5. Bad input is always 4xx with a sentence;
// a write the disk refused is 507 and changed nothing; a 500 means a bug in Dockless.
import { Data } from "effect"
import type { ConfigIssue } from "../config/ConfigError.ts"
import type { StateFileUnwritable } from "../state/AtomicFile.ts"
import type {
  RootClosing,
  ServiceClosing,
  ServiceExists,
  ServiceFromConfig,
  ServiceNotFound,
  ServiceUnresponsive,
  SpecConflict,
  SpecInvalid,
} from "../supervisors/SupervisorErrors.ts"

export class BadRequest extends Data.TaggedError("BadRequest")<{ readonly reason: string }> {}
export class PayloadTooLarge extends Data.TaggedError("PayloadTooLarge")<{ readonly limit: number }> {}
export class Unauthorized extends Data.TaggedError("Unauthorized")<{ readonly reason: string }> {}
export class ForeignOrigin extends Data.TaggedError("ForeignOrigin")<{ readonly origin: string }> {}
export class RouteNotFound extends Data.TaggedError("RouteNotFound")<{ readonly path: string }> {}
/** More connections than HttpLimits.MAX_CONNECTIONS are open. */
export class ConnectionLimitReached extends Data.TaggedError("ConnectionLimitReached")<{
  readonly limit: number
}> {}
/** More event streams than HttpLimits.MAX_EVENT_STREAMS are open. */
export class StreamLimitReached extends Data.TaggedError("StreamLimitReached")<{ readonly limit: number }> {}

export type HttpFailure =
  | BadRequest
  | PayloadTooLarge
  | Unauthorized
  | ForeignOrigin
  | RouteNotFound
  | ConnectionLimitReached
  | StreamLimitReached
  | ServiceNotFound
  | ServiceExists
  | ServiceFromConfig
  | SpecInvalid
  | SpecConflict
  | ServiceClosing
  | RootClosing
  | ServiceUnresponsive
  | StateFileUnwritable

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } })

/** Seconds a client refused for being one too many should wait: others come and go quickly. */
const RETRY_AFTER_S = "5"

const details = (issues: ReadonlyArray<ConfigIssue>) => issues.map(({ path, message }) => ({ path, message }))

export const failureResponse = (failure: HttpFailure): Response => {
  switch (failure._tag) {
    case "BadRequest":
      return json(400, { error: failure.reason, details: [] })
    case "PayloadTooLarge":
      return json(413, { error: `the request body is larger than ${failure.limit / 1024} KiB`, details: [] })
    case "Unauthorized":
      return json(401, { error: failure.reason, details: [] })
    case "ForeignOrigin":
      return json(403, { error: `writes from another origin (${failure.origin}) are refused`, details: [] })
    case "RouteNotFound":
      return json(404, { error: `no such endpoint: ${failure.path}`, details: [] })
    case "ConnectionLimitReached":
      return json(
        503,
        {
          error: `Dockless is serving its limit of ${failure.limit} connections at once; retry in a few seconds`,
          details: [],
        },
        { "retry-after": RETRY_AFTER_S },
      )
    case "StreamLimitReached":
      return json(
        503,
        {
          error:
            `Dockless is already streaming to its limit of ${failure.limit} clients ` +
            "(/api/events and log streams together); close one, such as another dashboard tab, or retry later",
          details: [],
        },
        { "retry-after": RETRY_AFTER_S },
      )
    case "ServiceNotFound":
      return json(404, { error: failure.message, details: [] })
    case "ServiceExists":
    case "ServiceFromConfig":
      return json(409, { error: failure.message, details: [] })
    case "SpecInvalid":
      return json(400, { error: failure.message, details: details(failure.issues) })
    case "SpecConflict":
      return json(409, { error: failure.message, details: details(failure.issues) })
    case "ServiceClosing":
    case "RootClosing":
      return json(409, { error: failure.message, details: [] })
    case "ServiceUnresponsive":
      return json(503, { error: failure.message, details: [] }, { "retry-after": "1" })
    case "StateFileUnwritable":
      // Nothing was changed: the write that would have made it durable failed.
      return json(507, { error: `nothing was changed: ${failure.message}`, details: [] })
  }
}
