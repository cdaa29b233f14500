// data_dir/secrets.json (0600): the real values of registered services' `secret_env` keys, which
// services.json shows only as "••••". Written before services.json on every change of the
// registered services (an extra entry left by a failed services.json write is harmless), and
// read at boot to put the values back into the registrations before they are decoded.
import { join } from "node:path"
import { Effect } from "effect"
import { secretsOf } from "../config/Secrets.ts"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import { isTable } from "../config/Decoding.ts"
import { readJson, writeAtomic, type ReadResult } from "./AtomicFile.ts"

export type SecretValues = Readonly<Record<string, Readonly<Record<string, string>>>>

export const secretsPath = (dataDir: string) => join(dataDir, "secrets.json")

/** Writes the secret values of `registered`, by service name. */
export const writeSecrets = (dataDir: string, registered: ReadonlyArray<ServiceSpec>) =>
  writeAtomic(
    secretsPath(dataDir),
    `${JSON.stringify(
      Object.fromEntries(
        registered
          .filter((spec) => spec.secret_env.length > 0)
          .map((spec) => [spec.name, secretsOf(spec.env, spec.secret_env)]),
      ),
    )}\n`,
    0o600,
  )

const stringsOf = (value: unknown): Record<string, string> =>
  isTable(value)
    ? Object.fromEntries(
        Object.entries(value).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as const] : [])),
      )
    : {}

/** The saved secret values (none when the file is missing; a corrupt one is moved aside and reported). */
export const readSecrets = (dataDir: string, now: Date): Effect.Effect<SecretValues> =>
  Effect.gen(function* () {
    const read: ReadResult = readJson(secretsPath(dataDir), now)
    if (read._tag === "Corrupt")
      yield* Effect.logWarning(`secrets.json was corrupt (${read.reason}); moved to ${read.movedTo}`)
    if (read._tag !== "Parsed" || !isTable(read.value)) return {}
    return Object.fromEntries(Object.entries(read.value).map(([name, env]) => [name, stringsOf(env)]))
  })
