// `dockless check [--config PATH]`: find the config (same lookup as `run`), decode it with
// every cross-check, print `ok` and return 0, or print each issue on its own line to stderr
// and return 2. No config found is also 2, naming the paths that were tried.
import { Console, Effect } from "effect"
import { configCandidates, findConfigFile, loadConfig } from "../config/ConfigFile.ts"
import type { ConfigInvalid } from "../config/ConfigError.ts"

const report = (error: ConfigInvalid): Effect.Effect<number> => Effect.as(Console.error(error.message), 2)

export const check = (configPath: string | undefined): Effect.Effect<number> =>
  Effect.gen(function* () {
    const env = process.env
    const cwd = process.cwd()
    const file = yield* findConfigFile(configPath, env, cwd)
    if (file === undefined) {
      const tried = configCandidates(configPath, env, cwd).map((c) => c.file)
      yield* Console.error(`no config file found; looked for: ${tried.join(", ")}`)
      return 2
    }
    yield* loadConfig(file)
    yield* Console.log("ok")
    return 0
  }).pipe(Effect.catchTag("ConfigInvalid", report))
