// Durations and sizes: every accepted form and the refusals, as tables.
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decoder } from "../../src/config/Decoding.ts"
import { Duration, parseDuration, PositiveDuration } from "../../src/config/Duration.ts"
import { parseSize, PositiveSize, Size } from "../../src/config/Size.ts"

describe("parseDuration", () => {
  it.each([
    ["250ms", 250],
    ["10s", 10_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1.5s", 1_500],
    ["0.25m", 15_000],
    ["0s", 0],
    [" 10s ", 10_000],
    ["0.1ms", 1],
    ["1.0004s", 1_000],
    [0, 0],
    [1500, 1500],
  ])("%j is %d ms", (raw, ms) => {
    expect(parseDuration(raw)).toBe(ms)
  })

  it.each([
    ["fast"],
    ["10"],
    ["10 sec"],
    ["1d"],
    ["-5s"],
    [""],
    [-1],
    [1.5],
    [true],
    [null],
    [["10s"]],
    ["1234567890s"],
  ])("refuses %j", (raw) => {
    expect(parseDuration(raw)).toBeUndefined()
  })

  it("names what was expected and what was found", () => {
    expect(decoder(Duration)("fast", "services.api.backoff.initial")).toEqual(
      Either.left([
        {
          path: "services.api.backoff.initial",
          message: 'expected a duration like "500ms", "10s", "5m", "1h" or integer milliseconds, got "fast"',
        },
      ]),
    )
  })

  it("refuses zero where a positive duration is needed", () => {
    expect(decoder(PositiveDuration)("0s", "x")).toEqual(
      Either.left([{ path: "x", message: 'expected a duration greater than 0, got "0s"' }]),
    )
  })
})

describe("parseSize", () => {
  it.each([
    ["512KiB", 512 * 1024],
    ["10MiB", 10 * 1024 ** 2],
    ["1GiB", 1024 ** 3],
    ["500KB", 500_000],
    ["10MB", 10_000_000],
    ["1GB", 1_000_000_000],
    ["100B", 100],
    ["1.5KiB", 1536],
    [4096, 4096],
    [0, 0],
  ])("%j is %d bytes", (raw, bytes) => {
    expect(parseSize(raw)).toBe(bytes)
  })

  it.each([["big"], ["10"], ["10mb"], ["10 XB"], ["toString"], [-1], [1.5], [false]])("refuses %j", (raw) => {
    expect(parseSize(raw)).toBeUndefined()
  })

  it("names what was expected and what was found", () => {
    expect(decoder(Size)("10 megs", "log.max_bytes")).toEqual(
      Either.left([
        {
          path: "log.max_bytes",
          message:
            'expected a size like "512KiB", "10MiB", "1GiB", "500KB", "10MB", "100B" or integer bytes, got "10 megs"',
        },
      ]),
    )
  })
})

describe("positive units", () => {
  it.each([
    ["0.1ms", 1],
    ["1ms", 1],
    [1, 1],
    ["2s", 2000],
  ])("accepts %j as a positive duration", (raw, ms) => {
    expect(decoder(PositiveDuration)(raw, "x")).toEqual(Either.right(ms))
  })

  it.each([["0ms"], ["0.000s"], [0]])("refuses %j as a positive duration", (raw) => {
    expect(decoder(PositiveDuration)(raw, "x")).toEqual(
      Either.left([{ path: "x", message: `expected a duration greater than 0, got ${JSON.stringify(raw)}` }]),
    )
  })

  it("refuses an empty size where one byte is the least", () => {
    expect(decoder(PositiveSize)("0B", "memory_max")).toEqual(
      Either.left([{ path: "memory_max", message: 'expected a size of at least 1 byte, got "0B"' }]),
    )
  })

  it("caps huge sizes at the largest safe integer", () => {
    expect(parseSize("999999999999TiB")).toBe(Number.MAX_SAFE_INTEGER)
  })
})
