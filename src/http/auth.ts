// Who may use the API: the bearer token of SPEC section 5, or the session cookie that
// POST /api/login sets after checking it. Tokens are compared in constant time; the cookie holds
// an HMAC of the token, so sessions survive a restart of Dockless and die when the token changes.
// Writes carrying a foreign Origin are refused (no CORS: the dashboard is same-origin only).
import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { Effect } from "effect"
import { ForeignOrigin, Unauthorized } from "./HttpErrors.ts"

export const SESSION_COOKIE = "dockless_session"

export interface Auth {
  readonly check: (request: Request) => Effect.Effect<void, Unauthorized>
  readonly checkOrigin: (request: Request) => Effect.Effect<void, ForeignOrigin>
  readonly tokenMatches: (candidate: string) => boolean
  readonly sessionCookie: string
}

const digest = (text: string) => createHash("sha256").update(text).digest()

const cookieValue = (header: string | null, name: string): string | undefined => {
  for (const part of (header ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=")
    if (key === name) return rest.join("=")
  }
  return undefined
}

const WRITES = new Set(["POST", "PUT", "DELETE", "PATCH"])

export const makeAuth = (token: string): Auth => {
  const expected = digest(token)
  const session = createHmac("sha256", token).update("dockless-session-v1").digest("hex")
  const sessionDigest = digest(session)
  const tokenMatches = (candidate: string) => timingSafeEqual(digest(candidate), expected)
  return {
    tokenMatches,
    sessionCookie: session,
    check: (request) =>
      Effect.suspend(() => {
        const header = request.headers.get("authorization")
        if (header !== null) {
          const match = /^Bearer\s+(.+)$/i.exec(header.trim())
          return match?.[1] !== undefined && tokenMatches(match[1])
            ? Effect.void
            : Effect.fail(new Unauthorized({ reason: "the bearer token is wrong" }))
        }
        const cookie = cookieValue(request.headers.get("cookie"), SESSION_COOKIE)
        if (cookie !== undefined) {
          return timingSafeEqual(digest(cookie), sessionDigest)
            ? Effect.void
            : Effect.fail(new Unauthorized({ reason: "the session has expired; log in again" }))
        }
        return Effect.fail(
          new Unauthorized({
            reason: "authentication required: send Authorization: Bearer <token> or log in",
          }),
        )
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
