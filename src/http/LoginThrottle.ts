// Slows down guessing the token: per client address, 5 failed logins are free, then each
// failure shuts that address out for twice as long as the last (1 s, 2 s, 4 s … at most 5 min);
// a login while shut out gets 429 with Retry-After and is not even checked. A success forgets
// the address. At most MAX_ADDRESSES are remembered (the least recently failed goes first), so
// a flood from many addresses cannot grow memory. Time comes from Clock.
import { Clock, Effect } from "effect"

export const FREE_FAILURES = 5
const FIRST_DELAY_MS = 1_000
const MAX_DELAY_MS = 5 * 60_000
/** An address that has not failed for this long starts afresh. */
const FORGET_MS = 15 * 60_000
export const MAX_ADDRESSES = 1024

interface Failures {
  readonly count: number
  readonly last: number
  readonly blockedUntil: number
}

export type Admission =
  { readonly _tag: "Admitted" } | { readonly _tag: "ShutOut"; readonly retryAfterS: number }

export interface LoginThrottle {
  readonly admit: (address: string) => Effect.Effect<Admission>
  readonly failed: (address: string) => Effect.Effect<void>
  readonly succeeded: (address: string) => Effect.Effect<void>
}

/** The shut-out after the `count`-th failure in a row: none while free, then doubling. */
export const delayAfter = (count: number): number =>
  count < FREE_FAILURES ? 0 : Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (count - FREE_FAILURES))

export const makeLoginThrottle = (): LoginThrottle => {
  // Insertion order is recency: an address is deleted and set again on each failure.
  const failures = new Map<string, Failures>()
  return {
    admit: (address) =>
      Clock.currentTimeMillis.pipe(
        Effect.map((now): Admission => {
          const entry = failures.get(address)
          if (entry === undefined || entry.blockedUntil <= now) return { _tag: "Admitted" }
          return { _tag: "ShutOut", retryAfterS: Math.ceil((entry.blockedUntil - now) / 1000) }
        }),
      ),
    failed: (address) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const previous = failures.get(address)
        const count = previous === undefined || now - previous.last > FORGET_MS ? 1 : previous.count + 1
        failures.delete(address)
        failures.set(address, { count, last: now, blockedUntil: now + delayAfter(count) })
        if (failures.size > MAX_ADDRESSES) failures.delete(failures.keys().next().value ?? "")
        // For journald: the address and the count, never the token tried.
        yield* Effect.logWarning(`failed login from ${address} (${count} in a row)`)
      }),
    succeeded: (address) => Effect.sync(() => void failures.delete(address)),
  }
}
