// How the client commands reach the running daemon: the same config lookup as `run` gives
// listen_port and data_dir (for the token), and requests go to loopback with the bearer token.
// A daemon that does not answer is one clear sentence and exit code 1.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Data, Effect, Redacted } from "effect"
import { defaultConfig, type Config } from "../config/Config.ts"
import { findConfigFile, loadConfig } from "../config/ConfigFile.ts"

export class ClientFailed extends Data.TaggedError("ClientFailed")<{
  readonly message: string
  readonly code: number
}> {}

export interface Daemon {
  readonly base: string
  readonly request: (method: string, path: string) => Effect.Effect<Response, ClientFailed>
}

const readToken = (config: Config): string | undefined => {
  if (config.auth.token !== undefined) return Redacted.value(config.auth.token)
  const file = config.auth.token_file ?? join(config.data_dir, "token")
  try {
    return readFileSync(file, "utf8").trim()
  } catch {
    return undefined
  }
}

const loopback = (host: string) => (host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host)

export const connect = (configPath: string | undefined): Effect.Effect<Daemon, ClientFailed> =>
  Effect.gen(function* () {
    const file = yield* findConfigFile(configPath, process.env, process.cwd())
    const config = file === undefined ? defaultConfig(process.cwd()) : yield* loadConfig(file)
    const host = loopback(config.listen_host)
    const base = `http://${host.includes(":") ? `[${host}]` : host}:${config.listen_port}`
    const token = readToken(config)
    const daemon: Daemon = {
      base,
      request: (method, path) =>
        Effect.tryPromise({
          try: () =>
            fetch(`${base}${path}`, {
              method,
              headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
            }),
          catch: () =>
            new ClientFailed({ message: `dockless is not running (nothing answers on ${base})`, code: 1 }),
        }),
    }
    return daemon
  }).pipe(
    Effect.catchTag("ConfigInvalid", (e) => Effect.fail(new ClientFailed({ message: e.message, code: 1 }))),
  )

/** The API's error sentence from a non-2xx answer. */
export const apiError = (response: Response): Effect.Effect<string> =>
  Effect.promise(() => response.json().catch(() => ({}))).pipe(
    Effect.map((body: unknown) =>
      typeof body === "object" && body !== null && "error" in body && typeof body.error === "string"
        ? body.error
        : `the daemon answered ${response.status}`,
    ),
  )
