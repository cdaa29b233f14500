// Every failure an HTTP client can cause, and the one place each maps to a status code and
// the `{ error, details }` body of SPEC section 5. Bad input is always 4xx with a sentence;
// a write the disk refused is 507 and changed nothing; a 500 means a bug in Dockless.
import { FastResponse } from "srvx"
import { Data } from "effect"
import { encoder } from "../config/Decoding.ts"
import type { ConfigInvalid, ConfigIssue } from "../config/ConfigError.ts"
import { ErrorBody } from "./ApiSchema.ts"
import { RETRY_AFTER_S } from "./HttpLimits.ts"
import type { StateFileUnwritable } from "../state/AtomicFile.ts"
import type {
  RootClosing,
  ServiceClosing,
  ServiceExists,
  ServiceFromConfig,
  ServiceNotFound,
  ServiceUnresponsive,
  ServiceBusy,
  ServiceNotOneshot,
  GroupNotFound,
  NoConfigFile,
  ReloadConflict,
  SpecConflict,
  SpecInvalid,
} from "../supervisors/SupervisorErrors.ts"
import type { LogCursorStale, LogNotKept, LogUnreadable } from "../actors/LogErrors.ts"

export class BadRequest extends Data.TaggedError("BadRequest")<{
  readonly reason: string
  /** The problems of a body that did not decode, by key path. */
  readonly issues?: ReadonlyArray<ConfigIssue>
}> {}
export class PayloadTooLarge extends Data.TaggedError("PayloadTooLarge")<{ readonly limit: number }> {}
export class Unauthorized extends Data.TaggedError("Unauthorized")<{ readonly reason: string }> {}
/** A viewer (read-only) token or session tried a write. */
export class ReadOnlyAccess extends Data.TaggedError("ReadOnlyAccess")<{ readonly what: string }> {}
/** Too many failed logins from one address: it must wait. */
export class LoginThrottled extends Data.TaggedError("LoginThrottled")<{ readonly retryAfterS: number }> {}
/** DELETE /api/sessions/:id for a session that does not exist (or has ended). */
export class SessionNotFound extends Data.TaggedError("SessionNotFound")<{ readonly id: string }> {}
export class ForeignOrigin extends Data.TaggedError("ForeignOrigin")<{ readonly origin: string }> {}
export class RouteNotFound extends Data.TaggedError("RouteNotFound")<{ readonly path: string }> {}
/** More event streams than HttpLimits.MAX_EVENT_STREAMS are open. */
export class StreamLimitReached extends Data.TaggedError("StreamLimitReached")<{ readonly limit: number }> {}

export type HttpFailure =
  | BadRequest
  | PayloadTooLarge
  | Unauthorized
  | ForeignOrigin
  | ReadOnlyAccess
  | LoginThrottled
  | SessionNotFound
  | RouteNotFound
  | StreamLimitReached
  | ServiceNotFound
  | ServiceExists
  | ServiceFromConfig
  | SpecInvalid
  | SpecConflict
  | ReloadConflict
  | ServiceClosing
  | RootClosing
  | ServiceUnresponsive
  | ServiceBusy
  | ServiceNotOneshot
  | GroupNotFound
  | NoConfigFile
  | ConfigInvalid
  | StateFileUnwritable
  | LogCursorStale
  | LogNotKept
  | LogUnreadable

export const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new FastResponse(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } })

const encodeError = encoder(ErrorBody)

/** The `{ error, details }` body of SPEC section 5. */
export const errorAnswer = (
  status: number,
  sentence: string,
  issues: ReadonlyArray<ConfigIssue> = [],
  headers: Record<string, string> = {},
): Response =>
  json(
    status,
    encodeError({ error: sentence, details: issues.map(({ path, message }) => ({ path, message })) }),
    headers,
  )

export const failureResponse = (failure: HttpFailure): Response => {
  switch (failure._tag) {
    case "BadRequest":
      return errorAnswer(400, failure.reason, failure.issues)
    case "PayloadTooLarge":
      return errorAnswer(413, `the request body is larger than ${failure.limit / 1024} KiB`)
    case "Unauthorized":
      return errorAnswer(401, failure.reason)
    case "ForeignOrigin":
      return errorAnswer(403, `writes from another origin (${failure.origin}) are refused`)
    case "ReadOnlyAccess":
      return errorAnswer(403, `a viewer token can read but not change anything (${failure.what})`)
    case "LoginThrottled":
      return errorAnswer(
        429,
        `too many failed logins from your address; try again in ${failure.retryAfterS} s`,
        [],
        { "retry-after": String(failure.retryAfterS) },
      )
    case "SessionNotFound":
      return errorAnswer(404, `no session ${failure.id} (it may have ended already)`)
    case "RouteNotFound":
      return errorAnswer(404, `no such endpoint: ${failure.path}`)
    case "StreamLimitReached":
      return errorAnswer(
        503,
        `Dockless is already streaming to its limit of ${failure.limit} clients ` +
          "(/api/events and log streams together); close one, such as another dashboard tab, or retry later",
        [],
        { "retry-after": RETRY_AFTER_S },
      )
    case "ServiceNotFound":
    case "GroupNotFound":
      return errorAnswer(404, failure.message)
    case "ServiceExists":
      // Named as a field problem too, so a form can put it beside its Name field.
      return errorAnswer(409, failure.message, [
        { path: "name", message: `"${failure.name}" is taken by another service; choose another name` },
      ])
    case "ServiceFromConfig":
      return errorAnswer(409, failure.message)
    case "SpecInvalid":
      return errorAnswer(400, failure.message, failure.issues)
    case "SpecConflict":
    case "ReloadConflict":
      return errorAnswer(409, failure.message, failure.issues)
    case "ServiceClosing":
    case "RootClosing":
    case "NoConfigFile":
    case "ServiceNotOneshot":
      return errorAnswer(409, failure.message)
    case "ConfigInvalid":
      // The file as it is now: nothing was changed, every problem listed at once.
      return errorAnswer(
        400,
        `config.toml was not reloaded, nothing changed: ${failure.issues.length} problem${failure.issues.length === 1 ? "" : "s"} in ${failure.file}`,
        failure.issues,
      )
    case "ServiceUnresponsive":
    case "ServiceBusy":
      return errorAnswer(503, failure.message, [], { "retry-after": "1" })
    case "LogCursorStale":
      return errorAnswer(400, failure.message)
    case "LogNotKept":
      return errorAnswer(404, failure.message)
    case "LogUnreadable":
      return errorAnswer(503, failure.message)
    case "StateFileUnwritable":
      // Nothing was changed: the write that would have made it durable failed.
      return errorAnswer(507, `nothing was changed: ${failure.message}`)
  }
}
