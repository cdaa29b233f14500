// Decoding through Effect Schema with the messages people read: every problem at once, unknown
// keys refused, and one formatter that turns ParseResult's issue tree into ConfigIssues with a
// key path and a sentence ("expected <what>, got <value>", "unknown key ..., did you mean ...?").
// What a value should look like is written once, on its schema, with `expecting(...)`: the same
// text becomes the JSON Schema description that editors and the dashboard show. Decoders and
// encoders are compiled on first use.
import * as Arr from "effect/Array"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { issue, type ConfigIssue } from "./ConfigError.ts"
import { suggest } from "./Suggest.ts"

export type Issues = ReadonlyArray<ConfigIssue>
export type Table = Readonly<Record<string, unknown>>

/** Marks a schema whose failures all read `expected <what>, got <value>`, whatever failed inside it. */
const ExpectedId: unique symbol = Symbol.for("dockless/config/Expected")

/** The annotations of a value described as `what` (`a port number from 1 to 65535`). */
export const expecting = (what: string) => ({ [ExpectedId]: what, description: what })

const bareKey = /^[A-Za-z0-9_-]+$/

/** `services` + `api` → `services.api`; keys that are not bare TOML keys are quoted: `services."a.b"`. */
export const joinPath = (prefix: string, key: PropertyKey): string => {
  const segment =
    typeof key === "number" || (typeof key === "string" && bareKey.test(key))
      ? String(key)
      : JSON.stringify(String(key))
  return prefix === "" ? segment : `${prefix}.${segment}`
}

export const isTable = (u: unknown): u is Table =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Date)

/** A short, quoted rendering of a value for "got …" in messages. */
export const describe = (u: unknown): string => {
  if (u === undefined) return "nothing"
  // decodeConfig turns TOML dates into symbols named "a date (...)": no schema accepts one.
  if (typeof u === "symbol") return u.description ?? "a symbol"
  if (isTable(u)) return "a table"
  const text = JSON.stringify(u) ?? String(u)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const expectedOf = (ast: AST.AST): string | undefined => {
  const what = ast.annotations[ExpectedId]
  return typeof what === "string" ? what : undefined
}

const stringLiterals = (ast: AST.AST): ReadonlyArray<string> => {
  if (AST.isLiteral(ast)) return typeof ast.literal === "string" ? [ast.literal] : []
  return AST.isUnion(ast) ? ast.types.flatMap(stringLiterals) : []
}

/** What to say when a schema without `expecting` refuses a value outright. */
const fallback = (ast: AST.AST): string => {
  const literals = stringLiterals(ast)
  if (literals.length > 0) return literals.map((l) => JSON.stringify(l)).join(" | ")
  switch (ast._tag) {
    case "TypeLiteral":
      return "a table"
    case "TupleType":
      return "an array"
    case "StringKeyword":
      return "a string"
    case "NumberKeyword":
      return "a number"
    case "BooleanKeyword":
      return "true or false"
    default:
      return String(ast)
  }
}

const expectation = (at: string, what: string, actual: unknown, ast: AST.AST): ConfigIssue => {
  const hint = typeof actual === "string" ? suggest(actual, stringLiterals(ast)) : undefined
  return issue(at, `expected ${what}, got ${describe(actual)}${hint ? ` (did you mean "${hint}"?)` : ""}`)
}

const unknownKey = (at: string, key: PropertyKey, allowed: ReadonlyArray<string>): ConfigIssue => {
  const name = String(key)
  const hint = suggest(name, allowed)
  const tail = hint ? `did you mean "${hint}"?` : `expected one of: ${allowed.join(", ")}`
  return issue(joinPath(at, key), `unknown key "${name}", ${tail}`)
}

const children = (composite: ParseResult.Composite): ReadonlyArray<ParseResult.ParseIssue> =>
  Arr.ensure<ParseResult.ParseIssue>(composite.issues)

const isMisshapen = (child: ParseResult.ParseIssue) =>
  child._tag === "Pointer" && (child.issue._tag === "Missing" || child.issue._tag === "Unexpected")

const missingMessage = (ast: AST.Annotated): string | undefined => {
  const message = ast.annotations[AST.MissingMessageAnnotationId]
  if (typeof message !== "function") return undefined
  const text: unknown = message()
  return typeof text === "string" ? text : undefined
}

/**
 * The walk. `enclosing` is the expectation of the value being looked at, set by an annotated
 * refinement or transformation around it; a Pointer moves to another value and drops it.
 */
const walk = (i: ParseResult.ParseIssue, at: string, enclosing: string | undefined): Issues => {
  switch (i._tag) {
    case "Pointer": {
      const path = Arr.ensure<PropertyKey>(i.path).reduce<string>((p, key) => joinPath(p, key), at)
      return walk(i.issue, path, undefined)
    }
    case "Missing":
      return [issue(at, missingMessage(i.ast) ?? "is required")]
    case "Unexpected":
      return [issue(at, "is not allowed here")]
    case "Forbidden":
      return [issue(at, "cannot be checked")]
    case "Type": {
      const own = expectedOf(i.ast)
      if (own === undefined && i.message !== undefined) return [issue(at, i.message)]
      return [expectation(at, own ?? enclosing ?? fallback(i.ast), i.actual, i.ast)]
    }
    case "Refinement": {
      const own = expectedOf(i.ast)
      if (i.kind === "Predicate" && own !== undefined) return [expectation(at, own, i.actual, i.ast)]
      return walk(i.issue, at, own ?? enclosing)
    }
    case "Transformation":
      return walk(i.issue, at, expectedOf(i.ast) ?? enclosing)
    case "Composite": {
      const own = expectedOf(i.ast) ?? enclosing
      // A union's members each failing in their own way is noise: say what the value should be;
      // unless only one member took a table for what it is (`ready = { log = "(" }`): its
      // complaint is the one that helps.
      if (AST.isUnion(i.ast)) {
        const closer = isTable(i.actual) ? children(i).filter((child) => child._tag !== "Type") : []
        const [only] = closer
        return only !== undefined && closer.length === 1
          ? walk(only, at, own)
          : [expectation(at, own ?? fallback(i.ast), i.actual, i.ast)]
      }
      // An array of the wrong length: one sentence about the whole array.
      if (AST.isTupleType(i.ast) && children(i).some(isMisshapen))
        return [expectation(at, own ?? fallback(i.ast), i.actual, i.ast)]
      const ast = i.ast
      if (!AST.isTypeLiteral(ast)) return children(i).flatMap((child) => walk(child, at, enclosing))
      // In a table: unknown keys first, then wrong values, then what is missing.
      const allowed = ast.propertySignatures.map((ps) => String(ps.name))
      const isMissing = (child: ParseResult.ParseIssue) =>
        child._tag === "Pointer" && child.issue._tag === "Missing"
      const ordered = [...children(i).filter((c) => !isMissing(c)), ...children(i).filter(isMissing)]
      // A record (`env`) names what its keys must be; a struct lists the keys it knows.
      const keyWhat = ast.indexSignatures.map((is) => expectedOf(is.parameter)).find((w) => w !== undefined)
      return ordered.flatMap((child) => {
        if (child._tag !== "Pointer" || child.issue._tag !== "Unexpected") return walk(child, at, undefined)
        const key = Arr.ensure<PropertyKey>(child.path)[0] ?? ""
        return keyWhat === undefined
          ? [unknownKey(at, key, allowed)]
          : [issue(joinPath(at, key), `expected ${keyWhat}, got ${describe(String(key))}`)]
      })
    }
  }
}

/** Every problem of a failed decode, each at its key path below `prefix`. */
const issuesOf = (error: ParseResult.ParseIssue, prefix: string): Issues => walk(error, prefix, undefined)

/** Every problem at once, and keys the schema does not name are errors (SPEC section 3). */
const decodeOptions = { errors: "all", onExcessProperty: "error" } as const

// Decoders and encoders are compiled on first use, not when their module loads: many are only
// needed once someone calls the API, and the daemon's startup is measured to the API answering.

/** A decoder compiled once: the value, or every issue under the key path it is given. */
export const decoder = <A, I>(schema: Schema.Schema<A, I>) => {
  let decode: ((raw: unknown) => Either.Either<A, ParseResult.ParseError>) | undefined
  return (raw: unknown, prefix: string): Either.Either<A, Issues> => {
    decode ??= Schema.decodeUnknownEither(schema, decodeOptions)
    return Either.mapLeft(decode(raw), (error) => issuesOf(error.issue, prefix))
  }
}

/** An encoder compiled once; a value that does not fit its schema is a bug (it throws). */
export const encoder = <A, I>(schema: Schema.Schema<A, I>) => {
  let encode: ((value: A) => I) | undefined
  return (value: A): I => {
    encode ??= Schema.encodeSync(schema)
    return encode(value)
  }
}
