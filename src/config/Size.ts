// Sizes in config.toml: "512KiB", "10MiB", "1GiB" (powers of 1024), "500KB", "10MB", "1GB"
// (powers of 1000), "100B", or integer bytes, decoded to integer bytes. Used for log rotation
// (log.max_bytes) and memory limits (memory_max). As with durations, the pattern is the whole
// rule, shared with the JSON Schema.
import * as Schema from "effect/Schema"
import { expecting } from "./Decoding.ts"
import { wholeUnits } from "./Duration.ts"

const unitBytes: Readonly<Record<string, number>> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  TB: 1000 ** 4,
}

/** At most 12 integer digits; larger sizes are capped at the largest safe integer (8 PiB). */
const sizePattern = "^\\s*([0-9]{1,12}(?:\\.[0-9]+)?)\\s*(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)\\s*$"
const zeroPattern = "^\\s*0+(?:\\.0+)?\\s*[A-Za-z]+\\s*$"
const sizeRegex = new RegExp(sizePattern)

const sizeExpectation = `a size like "512KiB", "10MiB", "1GiB", "500KB", "10MB", "100B" or integer bytes`

/** Bytes, or undefined when `raw` is not a size. */
export const parseSize = (raw: unknown): number | undefined => {
  if (typeof raw === "number") return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined
  if (typeof raw !== "string") return undefined
  const match = sizeRegex.exec(raw)
  const unit = match?.[2] === undefined ? undefined : unitBytes[match[2]]
  return match?.[1] === undefined || unit === undefined ? undefined : wholeUnits(Number(match[1]), unit)
}

const Bytes = Schema.Number.pipe(Schema.int(), Schema.between(0, Number.MAX_SAFE_INTEGER))

const SizeText = Schema.transform(Schema.String.pipe(Schema.pattern(sizeRegex)), Bytes, {
  strict: true,
  decode: (text) => parseSize(text) ?? 0,
  encode: (bytes) => `${bytes}B`,
})

/** A size of zero or more bytes. Integers come first so encoding writes plain bytes. */
export const Size = Schema.Union(Bytes, SizeText).annotations({
  ...expecting(sizeExpectation),
  identifier: "Size",
})

const positive = "a size of at least 1 byte"

/** A size of at least one byte (log rotation, memory limits). */
export const PositiveSize = Size.pipe(
  Schema.filter((bytes) => bytes >= 1, {
    ...expecting(positive),
    jsonSchema: {
      description: positive,
      anyOf: [
        { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
        { type: "string", pattern: sizePattern, not: { pattern: zeroPattern } },
      ],
    },
  }),
)
