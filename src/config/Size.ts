// Sizes in config.toml: "512KiB", "10MiB", "1GiB" (powers of 1024), "500KB", "10MB", "1GB"
// (powers of 1000), "100B", or integer bytes, decoded to integer bytes. Used for log rotation
// (log.max_bytes) and memory limits (memory_max).
import { Either } from "effect"
import { describe, fail, type Decoder } from "./Decode.ts"

const unitBytes: ReadonlyMap<string, number> = new Map([
  ["B", 1],
  ["KiB", 1024],
  ["MiB", 1024 ** 2],
  ["GiB", 1024 ** 3],
  ["TiB", 1024 ** 4],
  ["KB", 1000],
  ["MB", 1000 ** 2],
  ["GB", 1000 ** 3],
  ["TB", 1000 ** 4],
])
const pattern = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$/

export const sizeExpectation = `a size like "512KiB", "10MiB", "1GiB", "500KB", "10MB", "100B" or integer bytes`

/** Bytes, or undefined when `raw` is not a size. */
export const parseSize = (raw: unknown): number | undefined => {
  if (typeof raw === "number") return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined
  if (typeof raw !== "string") return undefined
  const match = pattern.exec(raw.trim())
  const multiplier = match?.[2] === undefined ? undefined : unitBytes.get(match[2])
  if (match?.[1] === undefined || multiplier === undefined) return undefined
  const bytes = Math.round(Number(match[1]) * multiplier)
  return Number.isSafeInteger(bytes) ? bytes : undefined
}

/** A size of at least `minBytes` (0 by default). */
export const size =
  (minBytes = 0): Decoder<number> =>
  (raw, path) => {
    const bytes = parseSize(raw)
    if (bytes === undefined) return fail(path, `expected ${sizeExpectation}, got ${describe(raw)}`)
    if (bytes < minBytes)
      return fail(path, `expected a size of at least ${minBytes} bytes, got ${describe(raw)}`)
    return Either.right(bytes)
  }
