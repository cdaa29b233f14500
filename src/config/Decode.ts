// A small decoder kit for TOML (and JSON) values: each decoder takes the raw value and its key
// path and returns the value or issues that name the path, what was expected and what was
// found. Hand-written rather than Schema so messages read as sentences without Schema's
// nested-union noise (STACK pitfall 16), and so every problem in a table is collected at once.
import { Either } from "effect"
import { issue, type ConfigIssue } from "./ConfigError.ts"
import { suggest } from "./Suggest.ts"

export type Issues = ReadonlyArray<ConfigIssue>
export type Decoder<A> = (raw: unknown, path: string) => Either.Either<A, Issues>
export type Table = Readonly<Record<string, unknown>>

const bareKey = /^[A-Za-z0-9_-]+$/

/** `services` + `api` → `services.api`; keys that are not bare TOML keys are quoted: `services."a.b"`. */
export const joinPath = (prefix: string, key: string | number): string => {
  const segment = typeof key === "number" || bareKey.test(key) ? String(key) : JSON.stringify(key)
  return prefix === "" ? segment : `${prefix}.${segment}`
}

export const isTable = (u: unknown): u is Table =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Date)

/** A short, quoted rendering of a value for "got …" in messages. */
export const describe = (u: unknown): string => {
  if (u === undefined) return "nothing"
  if (u instanceof Date) return `a date (${u.toISOString()})`
  if (isTable(u)) return "a table"
  const text = JSON.stringify(u) ?? String(u)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

export const fail = <A = never>(path: string, message: string): Either.Either<A, Issues> =>
  Either.left([issue(path, message)])

export const expected = <A = never>(path: string, what: string, raw: unknown): Either.Either<A, Issues> =>
  fail(path, `expected ${what}, got ${describe(raw)}`)

export const string: Decoder<string> = (raw, path) =>
  typeof raw === "string" ? Either.right(raw) : expected(path, "a string", raw)

export const nonEmptyString: Decoder<string> = (raw, path) =>
  typeof raw === "string" && raw.length > 0 ? Either.right(raw) : expected(path, "a non-empty string", raw)

export const boolean: Decoder<boolean> = (raw, path) =>
  typeof raw === "boolean" ? Either.right(raw) : expected(path, "true or false", raw)

export const integer =
  (min: number, max: number, what = `an integer from ${min} to ${max}`): Decoder<number> =>
  (raw, path) =>
    typeof raw === "number" && Number.isInteger(raw) && raw >= min && raw <= max
      ? Either.right(raw)
      : expected(path, what, raw)

export const number =
  (min: number, max: number, what: string): Decoder<number> =>
  (raw, path) =>
    typeof raw === "number" && Number.isFinite(raw) && raw >= min && raw <= max
      ? Either.right(raw)
      : expected(path, what, raw)

export const port: Decoder<number> = integer(1, 65535, "a port number from 1 to 65535")

export const oneOf =
  <L extends string>(literals: ReadonlyArray<L>): Decoder<L> =>
  (raw, path) => {
    const found = literals.find((literal) => literal === raw)
    if (found !== undefined) return Either.right(found)
    const hint = typeof raw === "string" ? suggest(raw, literals) : undefined
    const list = literals.map((literal) => JSON.stringify(literal)).join(" | ")
    return fail(path, `expected ${list}, got ${describe(raw)}${hint ? ` (did you mean "${hint}"?)` : ""}`)
  }

export const arrayOf =
  <A>(item: Decoder<A>, what: string): Decoder<ReadonlyArray<A>> =>
  (raw, path) => {
    if (!Array.isArray(raw)) return expected(path, what, raw)
    const c = collector()
    const values = raw.map((element, index) => c.take(item(element, joinPath(path, index))))
    return c.done(() => values.filter((v): v is A => v !== undefined))
  }

export const table =
  <A>(decode: (table: Table, path: string) => Either.Either<A, Issues>, what = "a table"): Decoder<A> =>
  (raw, path) =>
    isTable(raw) ? decode(raw, path) : expected(path, what, raw)

/** Issues for keys of `t` that are not in `allowed`, with a did-you-mean when one is close. */
export const unknownKeys = (t: Table, path: string, allowed: ReadonlyArray<string>): Issues =>
  Object.keys(t)
    .filter((key) => !allowed.includes(key))
    .map((key) => {
      const hint = suggest(key, allowed)
      const tail = hint ? `did you mean "${hint}"?` : `expected one of: ${allowed.join(", ")}`
      return issue(joinPath(path, key), `unknown key "${key}", ${tail}`)
    })

/**
 * Gathers issues from many decoders so a table reports every problem, not just the first.
 * Local mutation only: each decode function makes its own collector and returns an Either.
 */
export interface Collector {
  readonly take: <A>(result: Either.Either<A, Issues>) => A | undefined
  readonly add: (issues: Issues) => void
  readonly field: <A>(t: Table, path: string, key: string, decode: Decoder<A>) => A | undefined
  readonly done: <A>(build: () => A) => Either.Either<A, Issues>
  readonly issues: () => Issues
}

export const collector = (): Collector => {
  const found: Array<ConfigIssue> = []
  const take = <A>(result: Either.Either<A, Issues>): A | undefined => {
    if (Either.isRight(result)) return result.right
    found.push(...result.left)
    return undefined
  }
  return {
    take,
    add: (issues) => void found.push(...issues),
    field: (t, path, key, decode) =>
      t[key] === undefined ? undefined : take(decode(t[key], joinPath(path, key))),
    done: (build) => (found.length > 0 ? Either.left([...found]) : Either.right(build())),
    issues: () => [...found],
  }
}
