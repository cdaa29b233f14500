// Finding and reading config.toml: the lookup order (--config, $DOCKLESS_CONFIG, ./config.toml,
// /etc/dockless/config.toml), then read + smol-toml + decode + cross-checks, failing with one
// ConfigInvalid that lists every issue (TOML syntax as file:line:column, values by key path).
import { Effect, Either } from "effect"
import { readFile, stat } from "node:fs/promises"
import * as path from "node:path"
import { parse, TomlError } from "smol-toml"
import { loadCronFor } from "./CronLibrary.ts"
import { decodeConfig, type Config, type DecodeOptions } from "./Config.ts"
import { ConfigInvalid, issue, type ConfigIssue } from "./ConfigError.ts"

export const systemConfigPath = "/etc/dockless/config.toml"

export interface ConfigCandidate {
  readonly file: string
  /** Where the path came from: "--config", "$DOCKLESS_CONFIG", "./config.toml" or the system path. */
  readonly source: string
  /** Explicit choices must exist; the fallbacks are skipped when absent. */
  readonly required: boolean
}

/** The paths looked at, in order; all absolute. */
export const configCandidates = (
  explicit: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
  systemPath: string = systemConfigPath,
): ReadonlyArray<ConfigCandidate> => {
  const fromEnv = env.DOCKLESS_CONFIG
  if (explicit !== undefined)
    return [{ file: path.resolve(cwd, explicit), source: "--config", required: true }]
  if (fromEnv !== undefined && fromEnv !== "")
    return [{ file: path.resolve(cwd, fromEnv), source: "$DOCKLESS_CONFIG", required: true }]
  return [
    { file: path.resolve(cwd, "config.toml"), source: "./config.toml", required: false },
    { file: systemPath, source: systemPath, required: false },
  ]
}

/** "forbidden": a folder on the way may not be entered (a 0700 one of root's, for a person). */
const fileKind = (file: string): Effect.Effect<"file" | "directory" | "missing" | "forbidden"> =>
  Effect.promise(() =>
    stat(file).then(
      (s) => (s.isDirectory() ? "directory" : "file"),
      (error: unknown) =>
        error instanceof Error && "code" in error && error.code === "EACCES" ? "forbidden" : "missing",
    ),
  )

/**
 * The config file to use, or undefined when none of the fallbacks exists (run then uses
 * built-in defaults). A path given by --config or $DOCKLESS_CONFIG that does not exist is an error.
 */
export const findConfigFile = (
  explicit: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
  systemPath: string = systemConfigPath,
): Effect.Effect<string | undefined, ConfigInvalid> =>
  Effect.gen(function* () {
    for (const candidate of configCandidates(explicit, env, cwd, systemPath)) {
      const kind = yield* fileKind(candidate.file)
      if (kind === "file") return candidate.file
      if (candidate.required) {
        const problem =
          kind === "directory"
            ? "is a directory, expected a TOML file"
            : kind === "forbidden"
              ? "permission denied on a folder on its path (run it with sudo?)"
              : "file not found"
        return yield* new ConfigInvalid({
          file: candidate.file,
          issues: [issue("", `${problem} (given by ${candidate.source})`)],
        })
      }
    }
    return undefined
  })

/** smol-toml's error as an issue at its line and column; its message's first line, without the code excerpt. */
const tomlIssue = (error: unknown): ConfigIssue => {
  if (error instanceof TomlError) {
    const [first = "Invalid TOML document"] = error.message.split("\n")
    return { path: "", message: first, line: error.line, column: error.column }
  }
  return issue("", `Invalid TOML document: ${String(error)}`)
}

const parseToml = (text: string): Either.Either<unknown, ConfigIssue> =>
  Either.try({ try: () => parse(text), catch: tomlIssue })

/** Reads, parses and decodes a config file; every issue is reported in one ConfigInvalid. */
/**
 * `identity: false` leaves out the checks of what the host can give a service's identity
 * (IdentityChecks.ts): for client commands, which only talk to the daemon and run no service.
 */
export const loadConfig = (
  file: string,
  options: DecodeOptions = { identity: true },
): Effect.Effect<Config, ConfigInvalid> =>
  Effect.gen(function* () {
    const absolute = path.resolve(file)
    const invalid = (issues: ReadonlyArray<ConfigIssue>) => new ConfigInvalid({ file, issues })
    const text = yield* Effect.tryPromise({
      try: () => readFile(absolute, "utf8"),
      catch: (error) =>
        invalid([
          issue("", `cannot read the file: ${error instanceof Error ? error.message : String(error)}`),
        ]),
    })
    const raw = yield* Either.mapLeft(parseToml(text), (i) => invalid([i]))
    yield* loadCronFor(raw)
    return yield* Either.mapLeft(decodeConfig(raw, absolute, options), invalid)
  })
