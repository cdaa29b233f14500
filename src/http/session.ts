// POST /api/login and /api/logout: trade the API token for an HttpOnly, SameSite=Strict
// session cookie, so the dashboard never keeps the token in JavaScript-readable storage.
import { Effect } from "effect"
import { SESSION_COOKIE } from "./auth.ts"
import { readJsonBody } from "./Body.ts"
import { BadRequest, json, Unauthorized } from "./HttpErrors.ts"
import type { Handler } from "./HttpContext.ts"

const cookie = (value: string, maxAge: number) =>
  `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`

export const login: Handler = (event, ctx) =>
  Effect.gen(function* () {
    const body = yield* readJsonBody(event.req)
    const token =
      typeof body === "object" && body !== null && "token" in body && typeof body.token === "string"
        ? body.token
        : undefined
    if (token === undefined) return yield* new BadRequest({ reason: 'send {"token": "..."}' })
    if (!ctx.auth.tokenMatches(token.trim()))
      return yield* new Unauthorized({ reason: "that token is not valid" })
    return json(200, { ok: true }, { "set-cookie": cookie(ctx.auth.sessionCookie, 30 * 24 * 3600) })
  })

export const logout: Handler = () => Effect.succeed(json(200, { ok: true }, { "set-cookie": cookie("", 0) }))
