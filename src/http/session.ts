// POST /api/login and /api/logout, GET /api/sessions and DELETE /api/sessions/:id: trade a token
// for a server-side session (an HttpOnly, SameSite=Strict cookie, Secure under TLS), so the
// dashboard never keeps the token in JavaScript-readable storage; list and revoke sessions.
// Logins are throttled per client address (LoginThrottle.ts); a login ends the session the
// browser came with (rotation), so a cookie planted before login is worth nothing after.
import { FastResponse } from "srvx"
import { deleteCookie, getCookie, getRequestIP, setCookie, type H3Event } from "h3"
import { Effect, Either } from "effect"
import { SESSION_COOKIE } from "./auth.ts"
import { readJsonBody } from "./Body.ts"
import { BadRequest, LoginThrottled, SessionNotFound, Unauthorized } from "./HttpErrors.ts"
import { answer } from "./Answers.ts"
import { LoginAnswer, LoginBody, Ok, SessionsAnswer } from "./ApiSchema.ts"
import { decoder } from "../config/Decoding.ts"
import { param, type Handler, type HttpContext } from "./HttpContext.ts"

const decodeLogin = decoder(LoginBody)
const ok = answer(Ok)
const loggedIn = answer(LoginAnswer)
const sessionsAnswer = answer(SessionsAnswer)

const clientAddress = (event: H3Event) => getRequestIP(event) ?? "unknown"

const cookieOptions = (ctx: HttpContext) =>
  ({ path: "/", httpOnly: true, sameSite: "strict", secure: ctx.secure }) as const

export const login: Handler = (event, ctx) =>
  Effect.gen(function* () {
    const address = clientAddress(event)
    const admission = yield* ctx.throttle.admit(address)
    if (admission._tag === "ShutOut") return yield* new LoginThrottled({ retryAfterS: admission.retryAfterS })
    const body = decodeLogin(yield* readJsonBody(event.req), "")
    if (Either.isLeft(body))
      return yield* new BadRequest({ reason: 'send {"token": "..."}', issues: body.left })
    const found = ctx.auth.login(body.right.token.trim())
    if (found === undefined) {
      yield* ctx.throttle.failed(address)
      return yield* new Unauthorized({ reason: "that token is not valid" })
    }
    yield* ctx.throttle.succeeded(address)
    const previous = getCookie(event, SESSION_COOKIE)
    if (previous !== undefined && previous !== "") yield* ctx.auth.sessions.close(previous)
    const { id } = yield* ctx.auth.sessions.open(
      found.role,
      found.owner,
      address,
      event.req.headers.get("user-agent") ?? "",
    )
    setCookie(event, SESSION_COOKIE, id, {
      ...cookieOptions(ctx),
      maxAge: Math.floor(ctx.config.auth.session_max_age / 1000),
    })
    return loggedIn(200, { ok: true, role: found.role })
  })

export const logout: Handler = (event, ctx) =>
  Effect.gen(function* () {
    const cookie = getCookie(event, SESSION_COOKIE)
    if (cookie !== undefined && cookie !== "") yield* ctx.auth.sessions.close(cookie)
    deleteCookie(event, SESSION_COOKIE, cookieOptions(ctx))
    return ok(200, { ok: true })
  })

const iso = (ms: number) => new Date(ms).toISOString()

export const listSessions: Handler = (_, ctx, principal) =>
  Effect.gen(function* () {
    const records = yield* ctx.auth.sessions.list
    return sessionsAnswer(200, {
      role: principal?.role === "viewer" ? "viewer" : "admin",
      sessions: records.map((r) => ({
        id: r.key,
        role: r.role,
        created: iso(r.created),
        last_seen: iso(r.last_seen),
        address: r.address,
        user_agent: r.user_agent,
        current: principal?.session?.key === r.key,
      })),
    })
  })

export const revokeSession: Handler = (event, ctx) =>
  Effect.gen(function* () {
    const id = param(event, "id")
    if (!(yield* ctx.auth.sessions.revoke(id))) return yield* new SessionNotFound({ id })
    return new FastResponse(null, { status: 204 })
  })
