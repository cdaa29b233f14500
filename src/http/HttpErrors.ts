// Every failure an HTTP client can cause, and the one place each maps to a status code and
// the `{ error, details }` body of SPEC section 5. Bad input is always 4xx with a sentence;
// a 500 means Dockless itself failed (for example, the disk refused a write).
import { Data } from "effect"
import { encoder } from "../config/Decoding.ts"
import type { ConfigIssue } from "../config/ConfigError.ts"
import { ErrorBody } from "./ApiSchema.ts"
import type { StateFileUnwritable } from "../state/AtomicFile.ts"
import type {
  ServiceExists,
  ServiceFromConfig,
  ServiceNotFound,
  SpecConflict,
  SpecInvalid,
} from "../supervisors/SupervisorErrors.ts"

export class BadRequest extends Data.TaggedError("BadRequest")<{
  readonly reason: string
  /** The problems of a body that did not decode, by key path. */
  readonly issues?: ReadonlyArray<ConfigIssue>
}> {}
export class PayloadTooLarge extends Data.TaggedError("PayloadTooLarge")<{ readonly limit: number }> {}
export class Unauthorized extends Data.TaggedError("Unauthorized")<{ readonly reason: string }> {}
export class ForeignOrigin extends Data.TaggedError("ForeignOrigin")<{ readonly origin: string }> {}
export class RouteNotFound extends Data.TaggedError("RouteNotFound")<{ readonly path: string }> {}

export type HttpFailure =
  | BadRequest
  | PayloadTooLarge
  | Unauthorized
  | ForeignOrigin
  | RouteNotFound
  | ServiceNotFound
  | ServiceExists
  | ServiceFromConfig
  | SpecInvalid
  | SpecConflict
  | StateFileUnwritable

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } })

const encodeError = encoder(ErrorBody)

/** The `{ error, details }` body of SPEC section 5. */
export const errorAnswer = (
  status: number,
  sentence: string,
  issues: ReadonlyArray<ConfigIssue> = [],
): Response =>
  json(
    status,
    encodeError({ error: sentence, details: issues.map(({ path, message }) => ({ path, message })) }),
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
    case "RouteNotFound":
      return errorAnswer(404, `no such endpoint: ${failure.path}`)
    case "ServiceNotFound":
      return errorAnswer(404, failure.message)
    case "ServiceExists":
    case "ServiceFromConfig":
      return errorAnswer(409, failure.message)
    case "SpecInvalid":
      return errorAnswer(400, failure.message, failure.issues)
    case "SpecConflict":
      return errorAnswer(409, failure.message, failure.issues)
    case "StateFileUnwritable":
      return errorAnswer(500, failure.message)
  }
}
