// POST /api/login and /api/logout: trade the API token for an HttpOnly, SameSite=Strict
// session cookie, so the dashboard never keeps the token in JavaScript-readable storage.
import { Effect, Either } from "effect"
import { SESSION_COOKIE } from "./auth.ts"
import { readJsonBody } from "./Body.ts"
import { BadRequest, Unauthorized } from "./HttpErrors.ts"
import { answer } from "./Answers.ts"
import { LoginBody, Ok } from "./ApiSchema.ts"
import { decoder } from "../config/Decoding.ts"
import type { Handler } from "./HttpContext.ts"

const decodeLogin = decoder(LoginBody)
const ok = answer(Ok)

const cookie = (value: string, maxAge: number, secure: boolean) =>
  `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? "; Secure" : ""}`

export const login: Handler = (event, ctx) =>
  Effect.gen(function* () {
    const body = decodeLogin(yield* readJsonBody(event.req), "")
    if (Either.isLeft(body))
      return yield* new BadRequest({ reason: 'send {"token": "..."}', issues: body.left })
    if (!ctx.auth.tokenMatches(body.right.token.trim()))
      return yield* new Unauthorized({ reason: "that token is not valid" })
    return ok(200, { ok: true }, { "set-cookie": cookie(ctx.auth.sessionCookie, 30 * 24 * 3600, ctx.secure) })
  })

export const logout: Handler = (_, ctx) =>
  Effect.succeed(ok(200, { ok: true }, { "set-cookie": cookie("", 0, ctx.secure) }))
