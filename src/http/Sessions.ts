// Dashboard sessions, kept on the server: a login gets a random id (the cookie), stored only as
// its SHA-256 in data_dir/sessions.json (0600, atomic writes) so a restart of Dockless logs
// nobody out and a copy of the file logs nobody in. A session ends when unused for
// [auth] session_idle, session_max_age after its login, at logout, when revoked, and when the
// token it was opened with is no longer configured. Time comes from Clock (TestClock-able).
import { join } from "node:path"
import { Clock, Effect, Option } from "effect"
import * as Schema from "effect/Schema"
import { readJson, writeAtomic, type StateFileUnwritable } from "../state/AtomicFile.ts"

export const Role = Schema.Literal("admin", "viewer")
export type Role = typeof Role.Type

const SessionRecord = Schema.Struct({
  /** The public id, for GET/DELETE /api/sessions: part of the hash, useless as a cookie. */
  key: Schema.String,
  hash: Schema.String,
  role: Role,
  /** Which token opened it (an HMAC of it): sessions of a token no longer configured are dropped. */
  owner: Schema.String,
  created: Schema.Number,
  last_seen: Schema.Number,
  address: Schema.String,
  user_agent: Schema.String,
})
export type SessionRecord = typeof SessionRecord.Type

const SessionsFile = Schema.Struct({ version: Schema.Literal(1), sessions: Schema.Array(SessionRecord) })

/** Sessions kept at most; past it, the one unused longest goes. */
export const MAX_SESSIONS = 256
/** How stale a saved last_seen may get: a request does not write to disk each time. */
const LAST_SEEN_SAVE_MS = 60_000
/** What a user agent is cut to in the file and the list. */
const USER_AGENT_MAX = 200

export interface SessionLimits {
  readonly idleMs: number
  readonly maxAgeMs: number
}

export interface Sessions {
  /** A new session for `role`; the id is the cookie value, shown once. */
  readonly open: (
    role: Role,
    owner: string,
    address: string,
    userAgent: string,
  ) => Effect.Effect<{ readonly id: string; readonly record: SessionRecord }, StateFileUnwritable>
  /** The live session with this cookie value (its last use noted), or none. */
  readonly find: (id: string) => Effect.Effect<SessionRecord | undefined>
  /** Ends the session with this cookie value (logout); true if there was one. */
  readonly close: (id: string) => Effect.Effect<boolean, StateFileUnwritable>
  /** Ends the session with this public key (revoke); true if there was one. */
  readonly revoke: (key: string) => Effect.Effect<boolean, StateFileUnwritable>
  /** The live sessions, most recently used first. */
  readonly list: Effect.Effect<ReadonlyArray<SessionRecord>>
}

/** node:crypto when a session is opened or looked up, not as Dockless starts (see os/Sha256.ts). */
const crypto = () => process.getBuiltinModule("node:crypto")

const hashOf = (id: string) => crypto().createHash("sha256").update(id).digest("hex")

const isLive = (record: SessionRecord, now: number, limits: SessionLimits, owners: ReadonlySet<string>) =>
  now - record.last_seen < limits.idleMs && now - record.created < limits.maxAgeMs && owners.has(record.owner)

/** The sessions in data_dir/sessions.json; `owners` are the owner tags of the tokens configured now. */
export const makeSessions = (dataDir: string, limits: SessionLimits, owners: ReadonlySet<string>) =>
  Effect.gen(function* () {
    const path = join(dataDir, "sessions.json")
    const now = yield* Clock.currentTimeMillis
    const read = readJson(path, new Date(now))
    if (read._tag === "Corrupt")
      yield* Effect.logWarning(`${path} was corrupt (${read.reason}); moved to ${read.movedTo}`)
    const saved =
      read._tag === "Parsed"
        ? Option.match(Schema.decodeUnknownOption(SessionsFile)(read.value), {
            onNone: () => [],
            onSome: (file) => file.sessions,
          })
        : []
    const byHash = new Map(saved.filter((r) => isLive(r, now, limits, owners)).map((r) => [r.hash, r]))
    const saving = yield* Effect.makeSemaphore(1)
    /** Writes what is live now; the one writer at a time, so temp files never collide. */
    const save = saving.withPermits(1)(
      Effect.gen(function* () {
        const at = yield* Clock.currentTimeMillis
        for (const [hash, record] of byHash) if (!isLive(record, at, limits, owners)) byHash.delete(hash)
        const file: typeof SessionsFile.Type = { version: 1, sessions: [...byHash.values()] }
        yield* writeAtomic(path, `${JSON.stringify(file)}\n`, 0o600)
      }),
    )
    const saveQuietly = save.pipe(
      Effect.catchAll((error) => Effect.logWarning(`sessions not saved: ${error.message}`)),
    )
    const removeWhere = (match: (record: SessionRecord) => boolean) =>
      Effect.gen(function* () {
        const found = [...byHash.values()].find(match)
        if (found === undefined) return false
        byHash.delete(found.hash)
        yield* save
        return true
      })
    const sessions: Sessions = {
      open: (role, owner, address, userAgent) =>
        Effect.gen(function* () {
          const at = yield* Clock.currentTimeMillis
          const id = crypto().randomBytes(32).toString("base64url")
          const hash = hashOf(id)
          const record: SessionRecord = {
            key: hash.slice(0, 16),
            hash,
            role,
            owner,
            created: at,
            last_seen: at,
            address,
            user_agent: userAgent.slice(0, USER_AGENT_MAX),
          }
          byHash.set(hash, record)
          if (byHash.size > MAX_SESSIONS) {
            const stalest = [...byHash.values()].reduce((a, b) => (b.last_seen < a.last_seen ? b : a))
            byHash.delete(stalest.hash)
          }
          yield* save
          return { id, record }
        }),
      find: (id) =>
        Effect.gen(function* () {
          const at = yield* Clock.currentTimeMillis
          const hash = hashOf(id)
          const record = byHash.get(hash)
          if (record === undefined) return undefined
          if (!isLive(record, at, limits, owners)) {
            byHash.delete(hash)
            yield* saveQuietly
            return undefined
          }
          const seen = { ...record, last_seen: at }
          byHash.set(hash, seen)
          if (at - record.last_seen >= LAST_SEEN_SAVE_MS) yield* saveQuietly
          return seen
        }),
      close: (id) => removeWhere((record) => record.hash === hashOf(id)),
      revoke: (key) => removeWhere((record) => record.key === key),
      list: Effect.gen(function* () {
        const at = yield* Clock.currentTimeMillis
        return [...byHash.values()]
          .filter((r) => isLive(r, at, limits, owners))
          .sort((a, b) => b.last_seen - a.last_seen)
      }),
    }
    return sessions
  })
