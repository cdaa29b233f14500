// The API token, read or created when Dockless starts (before anyone asks), apart from the
// checks that use it, which load with the HTTP app on the first request.
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Redacted } from "effect"
import type { Config } from "../config/Config.ts"

/** The token from [auth], from token_file, or data_dir/token (created on first start, 0600). */
export const loadToken = (config: Config): string => {
  if (config.auth.token !== undefined) return Redacted.value(config.auth.token)
  if (config.auth.token_file !== undefined) return readFileSync(config.auth.token_file, "utf8").trim()
  const path = join(config.data_dir, "token")
  if (existsSync(path)) return readFileSync(path, "utf8").trim()
  const token = randomBytes(32).toString("hex")
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: "wx" })
  return token
}
