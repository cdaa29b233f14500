// Test helper: real config files in a fresh temp dir (fs.mkdtemp), removed after the scope,
// and a way to read a ConfigInvalid's lines so tests assert the exact user-facing messages.
import { Effect, Either, type Scope } from "effect"
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import * as path from "node:path"
import type { Config } from "../../src/config/Config.ts"
import { loadConfig } from "../../src/config/ConfigFile.ts"

/** A temp dir that lives for the scope. */
export const tempDir = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(path.join(tmpdir(), "dockless-config-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true })),
)

export const writeText = (file: string, text: string) =>
  Effect.promise(async () => {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, text)
    return file
  })

/** Writes `text` as DIR/config.toml in a fresh temp dir; returns the file's absolute path. */
export const configFile = (text: string) =>
  Effect.flatMap(tempDir, (dir) => writeText(path.join(dir, "config.toml"), text))

/** Loads `text` as a config file; Right(config) or Left(the error message's lines, file path as "F"). */
export const load = (
  text: string,
): Effect.Effect<Either.Either<Config, ReadonlyArray<string>>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const file = yield* configFile(text)
    const result = yield* Effect.either(loadConfig(file))
    return Either.mapLeft(result, (error) => error.message.split(file).join("F").split("\n"))
  })

/** Loads `text` and returns the message lines, failing the test if it decoded. */
export const issuesOf = (text: string) =>
  Effect.flatMap(load(text), (result) =>
    Either.isLeft(result)
      ? Effect.succeed(result.left)
      : Effect.die(new Error("expected the config to be invalid")),
  )

/** Loads `text` and returns the config, failing the test with its issues if it did not decode. */
export const configOf = (text: string) =>
  Effect.flatMap(load(text), (result) =>
    Either.isRight(result) ? Effect.succeed(result.right) : Effect.die(new Error(result.left.join("\n"))),
  )
