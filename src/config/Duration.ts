// Durations in config.toml and API bodies: "250ms", "10s", "5m", "1h" (decimals allowed: "1.5s")
// or integer milliseconds, decoded to integer milliseconds. Like OTP's shutdown/period values,
// everything below config/ only ever sees plain milliseconds. The pattern is the whole rule: a
// string that matches always decodes, so the JSON Schema (editors, the dashboard) and the daemon
// agree on every value.
import * as Schema from "effect/Schema"
import { expecting } from "./Decoding.ts"

const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }

/** At most 9 integer digits, so every match is a safe integer of milliseconds. */
const durationPattern = "^\\s*([0-9]{1,9}(?:\\.[0-9]+)?)(ms|s|m|h)\\s*$"
const zeroPattern = "^\\s*0+(?:\\.0+)?(?:ms|s|m|h)\\s*$"
const durationRegex = new RegExp(durationPattern)

const durationExpectation = `a duration like "500ms", "10s", "5m", "1h" or integer milliseconds`

/**
 * A count of `unit` in whole base units: rounded, never rounded down to 0 when it was not 0
 * (so "0.1ms" is as positive as the JSON Schema says), and capped at the largest safe integer.
 */
export const wholeUnits = (count: number, unit: number): number => {
  const exact = count * unit
  return exact > 0 ? Math.min(Number.MAX_SAFE_INTEGER, Math.max(1, Math.round(exact))) : 0
}

/** Milliseconds, or undefined when `raw` is not a duration. */
export const parseDuration = (raw: unknown): number | undefined => {
  if (typeof raw === "number") return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined
  if (typeof raw !== "string") return undefined
  const match = durationRegex.exec(raw)
  const unit = match?.[2] === undefined ? undefined : unitMs[match[2]]
  return match?.[1] === undefined || unit === undefined ? undefined : wholeUnits(Number(match[1]), unit)
}

const Millis = Schema.Number.pipe(Schema.int(), Schema.between(0, Number.MAX_SAFE_INTEGER))

const DurationText = Schema.transform(Schema.String.pipe(Schema.pattern(durationRegex)), Millis, {
  strict: true,
  decode: (text) => parseDuration(text) ?? 0,
  encode: (ms) => `${ms}ms`,
})

/** A duration of zero or more milliseconds. Integers come first so encoding writes plain ms. */
export const Duration = Schema.Union(Millis, DurationText).annotations({
  ...expecting(durationExpectation),
  identifier: "Duration",
})

const positive = "a duration greater than 0"

/** A duration of at least 1 ms (intervals, timeouts, periods). */
export const PositiveDuration = Duration.pipe(
  Schema.filter((ms) => ms >= 1, {
    ...expecting(positive),
    jsonSchema: {
      description: positive,
      anyOf: [
        { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
        { type: "string", pattern: durationPattern, not: { pattern: zeroPattern } },
      ],
    },
  }),
)
