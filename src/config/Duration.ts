// Durations in config.toml: "250ms", "10s", "5m", "1h" (decimals allowed: "1.5s") or integer
// milliseconds, decoded to integer milliseconds. Like OTP's shutdown/period values, everything
// below config/ only ever sees plain milliseconds.
import { Either } from "effect"
import { describe, fail, type Decoder } from "./Decode.ts"

const unitMs: ReadonlyMap<string, number> = new Map([
  ["ms", 1],
  ["s", 1_000],
  ["m", 60_000],
  ["h", 3_600_000],
])
const pattern = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/

export const durationExpectation = `a duration like "500ms", "10s", "5m", "1h" or integer milliseconds`

/** Milliseconds, or undefined when `raw` is not a duration. */
export const parseDuration = (raw: unknown): number | undefined => {
  if (typeof raw === "number") return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined
  if (typeof raw !== "string") return undefined
  const match = pattern.exec(raw.trim())
  const multiplier = match?.[2] === undefined ? undefined : unitMs.get(match[2])
  if (match?.[1] === undefined || multiplier === undefined) return undefined
  const ms = Math.round(Number(match[1]) * multiplier)
  return Number.isSafeInteger(ms) ? ms : undefined
}

/** A duration of at least `minMs` (0 by default; 1 for intervals and timeouts that must be positive). */
export const duration =
  (minMs = 0): Decoder<number> =>
  (raw, path) => {
    const ms = parseDuration(raw)
    if (ms === undefined) return fail(path, `expected ${durationExpectation}, got ${describe(raw)}`)
    if (ms < minMs) return fail(path, `expected a duration greater than 0, got ${describe(raw)}`)
    return Either.right(ms)
  }
