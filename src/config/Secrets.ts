// Secret environment values: those of the keys a service lists in `secret_env`. They reach the
// service's process and nothing else: wherever a spec becomes JSON (a view, an API answer, an SSE
// frame, services.json) encodeServiceSpec shows them as REDACTED; a PUT that sends REDACTED back
// keeps the value it had. An env_file's values never enter a spec at all (SpawnPlan reads them).
// Registered services keep their real values in data_dir/secrets.json (0600), beside services.json.
import { isTable } from "./Decoding.ts"

export const REDACTED = "••••"

/** `env` with every secret key's value shown as REDACTED. */
export const redactEnv = (
  env: Readonly<Record<string, string>>,
  secretKeys: ReadonlyArray<string>,
): Record<string, string> =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, secretKeys.includes(k) ? REDACTED : v]))

/** The secret values of `env`, for data_dir/secrets.json. */
export const secretsOf = (
  env: Readonly<Record<string, string>>,
  secretKeys: ReadonlyArray<string>,
): Record<string, string> => Object.fromEntries(Object.entries(env).filter(([k]) => secretKeys.includes(k)))

/**
 * A service table (a PUT body, or a services.json entry) with each REDACTED env value replaced
 * by the real one kept for it; values that were changed are left as sent.
 */
export const withKeptSecrets = (raw: unknown, kept: Readonly<Record<string, string>>): unknown => {
  if (!isTable(raw) || !isTable(raw.env)) return raw
  const env = Object.fromEntries(
    Object.entries(raw.env).map(([k, v]) => [k, v === REDACTED && kept[k] !== undefined ? kept[k] : v]),
  )
  return { ...raw, env }
}
