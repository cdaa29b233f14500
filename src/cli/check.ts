// `dockless check [--config PATH]`: find the config (same lookup as `run`), decode it with
// every cross-check, print `ok` and return 0, or print each issue on its own line to stderr
// and return 2. No config found is also 2, naming the paths that were tried. When the lookup took
// ./config.toml while an installed /etc/dockless/config.toml exists (the one systemd's Dockless
// reads), a note on stderr says which file was checked and how to check the other.
import { Console, Effect } from "effect"
import { existsSync } from "node:fs"
import { configCandidates, findConfigFile, loadConfig, systemConfigPath } from "../config/ConfigFile.ts"
import { asTyped } from "./Invocation.ts"
import { readEnvFile } from "../config/EnvFile.ts"
import { checkPaths } from "../config/HostChecks.ts"
import { joinPath } from "../config/Decoding.ts"
import { formatIssue } from "../config/ConfigError.ts"

export interface CheckResult {
  readonly code: 0 | 2
  /** What goes to stdout ("ok") or stderr (one issue per line). */
  readonly stdout: string
  readonly stderr: string
}

const invalid = (stderr: string): CheckResult => ({ code: 2, stdout: "", stderr })

/** The check itself, with env and cwd passed in so tests control the lookup. */
export const checkConfig = (
  configPath: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
  systemPath: string = systemConfigPath,
): Effect.Effect<CheckResult> =>
  Effect.gen(function* () {
    const file = yield* findConfigFile(configPath, env, cwd, systemPath)
    if (file === undefined) {
      const tried = configCandidates(configPath, env, cwd, systemPath).map((c) => c.file)
      return invalid(`no config file found; looked for: ${tried.join(", ")}`)
    }
    const config = yield* loadConfig(file)
    // What the host must have is looked at at each start; check says now what is missing: the
    // cwd, the command, an env_file (loading the config checked the users already).
    const hostProblems = config.services.flatMap((service) => {
      const prefix = joinPath("services", service.name)
      const host = checkPaths(service, prefix)
      const read = service.env_file === undefined ? undefined : readEnvFile(service.env_file)
      return [
        ...host.map((i) => formatIssue(file, i)),
        ...(read?._tag === "Invalid" ? [`${file}: ${prefix}.env_file: ${read.reason}`] : []),
      ]
    })
    if (hostProblems.length > 0) return invalid(hostProblems.join("\n"))
    const [first] = configCandidates(configPath, env, cwd, systemPath)
    const note =
      first?.source === "./config.toml" &&
      file === first.file &&
      file !== systemPath &&
      existsSync(systemPath)
        ? `note: checked ${file} (the config.toml in this folder); the installed Dockless reads ` +
          `${systemPath}: \`${asTyped(["check", "--config", systemPath])}\` checks that one`
        : ""
    // What run would warn about at start (a group member's own intensity, ignored), said now too.
    const notes = [
      ...config.notices.map((notice) => `note: ${file}: ${notice}`),
      ...(note === "" ? [] : [note]),
    ]
    return { code: 0, stdout: "ok", stderr: notes.join("\n") } satisfies CheckResult
  }).pipe(Effect.catchTag("ConfigInvalid", (error) => Effect.succeed(invalid(error.message))))

export const check = (configPath: string | undefined): Effect.Effect<number> =>
  Effect.gen(function* () {
    const result = yield* checkConfig(configPath, process.env, process.cwd())
    if (result.stdout !== "") yield* Console.log(result.stdout)
    if (result.stderr !== "") yield* Console.error(result.stderr)
    return result.code
  })
