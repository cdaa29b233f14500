// Who may use the API, and as what: the admin token of SPEC section 5 (everything), viewer
// tokens ([auth] viewer_tokens / viewer_token_file: read everything, change nothing), the
// metrics token ([auth] metrics_token: GET /metrics only), each as `Authorization: Bearer`, or a
// session cookie that POST /api/login gives for an admin or viewer token (Sessions.ts). Tokens are
// compared in constant time. Writes carrying a foreign Origin are refused (no CORS: the
// dashboard is same-origin only).
import { createHash, timingSafeEqual } from "node:crypto"
import { getCookie, type H3Event } from "h3"
import { Effect } from "effect"
import { ForeignOrigin, Unauthorized } from "./HttpErrors.ts"
import type { Role, SessionRecord, Sessions } from "./Sessions.ts"
import { ownerTag, type Tokens } from "./TokenFile.ts"

export const SESSION_COOKIE = "dockless_session"

/** Who a request is: a role, and the session it came with (none for a bearer token). */
export interface Principal {
  readonly role: Role | "metrics"
  readonly session: SessionRecord | undefined
}

export interface Auth {
  readonly check: (event: H3Event) => Effect.Effect<Principal, Unauthorized>
  readonly checkOrigin: (request: Request) => Effect.Effect<void, ForeignOrigin>
  /** The role a token logs in as, and the owner tag its sessions carry; none for a wrong one. */
  readonly login: (candidate: string) => { readonly role: Role; readonly owner: string } | undefined
  readonly sessions: Sessions
}

const digest = (text: string) => createHash("sha256").update(text).digest()

const WRITES = new Set(["POST", "PUT", "DELETE", "PATCH"])

export const makeAuth = (tokens: Tokens, sessions: Sessions): Auth => {
  const known: ReadonlyArray<{
    readonly digest: Buffer
    readonly role: Role | "metrics"
    readonly token: string
  }> = [
    { digest: digest(tokens.admin), role: "admin", token: tokens.admin },
    ...tokens.viewers.map((token) => ({ digest: digest(token), role: "viewer" as const, token })),
    ...(tokens.metrics === undefined
      ? []
      : [{ digest: digest(tokens.metrics), role: "metrics" as const, token: tokens.metrics }]),
  ]
  /** Compares with every token, so the time taken says nothing about which one matched. */
  const match = (candidate: string) => {
    const given = digest(candidate)
    let found: (typeof known)[number] | undefined
    for (const entry of known) if (timingSafeEqual(given, entry.digest)) found ??= entry
    return found
  }
  return {
    sessions,
    login: (candidate) => {
      const found = match(candidate)
      return found === undefined || found.role === "metrics"
        ? undefined
        : { role: found.role, owner: ownerTag(found.token) }
    },
    check: (event) =>
      Effect.gen(function* () {
        const header = event.req.headers.get("authorization")
        if (header !== null) {
          const bearer = /^Bearer\s+(.+)$/i.exec(header.trim())?.[1]
          const found = bearer === undefined ? undefined : match(bearer)
          if (found === undefined) return yield* new Unauthorized({ reason: "the bearer token is wrong" })
          return { role: found.role, session: undefined }
        }
        const cookie = getCookie(event, SESSION_COOKIE)
        if (cookie !== undefined && cookie !== "") {
          const session = yield* sessions.find(cookie)
          if (session === undefined)
            return yield* new Unauthorized({ reason: "the session has expired or was ended; log in again" })
          return { role: session.role, session }
        }
        return yield* new Unauthorized({
          reason: "authentication required: send Authorization: Bearer <token> or log in",
        })
      }),
    checkOrigin: (request) =>
      Effect.suspend(() => {
        const origin = request.headers.get("origin")
        if (origin === null || !WRITES.has(request.method)) return Effect.void
        const own = `${new URL(request.url).protocol}//${request.headers.get("host") ?? ""}`
        return origin === own ? Effect.void : Effect.fail(new ForeignOrigin({ origin }))
      }),
  }
}
