// The small value schemas config.toml and the API share: text, flags, ports, numbers in a range,
// one-of-these words, signal names, http URLs, service names. Each says what it expects once
// (`expecting`), for messages and for the JSON Schema alike.
import { constants as osConstants } from "node:os"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { expecting } from "./Decoding.ts"

export const Text = Schema.String.annotations(expecting("a string"))
export const NonEmptyText = Schema.String.pipe(Schema.minLength(1)).annotations(
  expecting("a non-empty string"),
)
export const Flag = Schema.Boolean.annotations(expecting("true or false"))

export const Port = Schema.Number.pipe(Schema.int(), Schema.between(1, 65535)).annotations(
  expecting("a port number from 1 to 65535"),
)

/** An integer in [min, max]. */
export const IntegerIn = (min: number, max: number, what = `an integer from ${min} to ${max}`) =>
  Schema.Number.pipe(Schema.int(), Schema.between(min, max)).annotations(expecting(what))

/** A finite number in [min, max]. */
export const NumberIn = (min: number, max: number, what: string) =>
  Schema.Number.pipe(Schema.between(min, max)).annotations(expecting(what))

/** One of a few words; a near miss gets a "did you mean". */
export const oneOf = <const L extends ReadonlyArray<string>>(...literals: L) =>
  Schema.Literal(...literals).annotations(expecting(literals.map((l) => JSON.stringify(l)).join(" | ")))

export const serviceNameRule = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"
export const serviceNamePattern = new RegExp(serviceNameRule)

/** A service (or group) name: it names files and URLs. */
export const ServiceName = Schema.String.pipe(Schema.pattern(serviceNamePattern)).annotations(
  expecting(
    `a name matching ${serviceNameRule} (letters, digits, "_", "." and "-", starting with a letter or digit, at most 63 characters)`,
  ),
)

/** The same two checks here and in the browser: the scheme, then WHATWG URL parsing. */
export const HttpUrl = Schema.String.pipe(
  Schema.pattern(/^[Hh][Tt][Tt][Pp][Ss]?:\/\//),
  Schema.filter((text) => URL.canParse(text), { jsonSchema: { format: "uri" } }),
).annotations(expecting("an http:// or https:// URL"))

/** `[Tt][Ee][Rr][Mm]`: ECMAScript patterns in JSON Schema have no case-insensitive flag. */
const anyCase = (word: string) =>
  [...word]
    .map((c) => (c.toLowerCase() === c.toUpperCase() ? c : `[${c.toUpperCase()}${c.toLowerCase()}]`))
    .join("")

const signalNames = Object.keys(osConstants.signals).filter((name) => name.startsWith("SIG"))
const signalPattern = `^(?:${anyCase("SIG")})?(?:${signalNames.map((n) => anyCase(n.slice(3))).join("|")})$`
const isSignal = (name: string): name is NodeJS.Signals => signalNames.includes(name)
const SignalName = Schema.declare((u): u is NodeJS.Signals => typeof u === "string" && isSignal(u))

const toSignal = (text: string): NodeJS.Signals | undefined => {
  const upper = text.toUpperCase()
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`
  return isSignal(name) ? name : undefined
}

/** "SIGTERM", "TERM", "term": any case, with or without "SIG"; decoded to "SIGTERM". */
export const StopSignal = Schema.transformOrFail(
  Schema.String.pipe(Schema.pattern(new RegExp(signalPattern))),
  SignalName,
  {
    strict: true,
    decode: (text, _, ast) => {
      const signal = toSignal(text)
      return signal === undefined
        ? ParseResult.fail(new ParseResult.Type(ast, text))
        : ParseResult.succeed(signal)
    },
    encode: ParseResult.succeed,
  },
).annotations(expecting(`a signal name like "SIGTERM", "TERM", "SIGINT" or "SIGHUP"`))

export const AutoOrPort = Schema.Union(Schema.Literal("auto"), Port).annotations(
  expecting(`"auto" or a port number from 1 to 65535`),
)
