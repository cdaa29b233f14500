// The API's tokens, read (or the admin token created) when Dockless starts, before anyone asks:
// the admin token of SPEC section 5, viewer tokens and the metrics token. Apart from the checks
// that use them (auth.ts), which load with the HTTP app on the first request.
import { closeSync, existsSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Redacted } from "effect"
import type { Config } from "../config/Config.ts"
import { hex, hmacSha256 } from "../os/Sha256.ts"

export interface Tokens {
  readonly admin: string
  readonly viewers: ReadonlyArray<string>
  readonly metrics: string | undefined
}

/** The tag a token's sessions carry: sessions of a token no longer configured are dropped. */
export const ownerTag = (token: string) => hex(hmacSha256(token, "dockless-session-owner-v1"))

/**
 * Bytes from the kernel's random generator (what OpenSSL seeds from), read directly: creating the
 * token is the one thing at start that would otherwise load node:crypto (os/Sha256.ts says why not).
 */
const kernelRandom = (length: number) => {
  const bytes = Buffer.alloc(length)
  const fd = openSync("/dev/urandom", "r")
  try {
    let filled = 0
    while (filled < length) filled += readSync(fd, bytes, filled, length - filled, null)
  } finally {
    closeSync(fd)
  }
  return bytes
}

/** The token from [auth], from token_file, or data_dir/token (created on first start, 0600). */
export const loadToken = (config: Config): string => {
  if (config.auth.token !== undefined) return Redacted.value(config.auth.token)
  if (config.auth.token_file !== undefined) return readFileSync(config.auth.token_file, "utf8").trim()
  const path = join(config.data_dir, "token")
  if (existsSync(path)) return readFileSync(path, "utf8").trim()
  const token = kernelRandom(32).toString("hex")
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: "wx" })
  return token
}

/** One token per line; blank lines and `#` comments are skipped. */
const tokenLines = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))

/** Every token [auth] configures (files read now). */
export const loadTokens = (config: Config): Tokens => {
  const { auth } = config
  return {
    admin: loadToken(config),
    viewers:
      auth.viewer_token_file !== undefined
        ? tokenLines(readFileSync(auth.viewer_token_file, "utf8"))
        : auth.viewer_tokens.map(Redacted.value),
    metrics:
      auth.metrics_token !== undefined
        ? Redacted.value(auth.metrics_token)
        : auth.metrics_token_file !== undefined
          ? readFileSync(auth.metrics_token_file, "utf8").trim()
          : undefined,
  }
}

/** The owner tags of every token that may hold a session. */
export const ownersOf = (tokens: Tokens): ReadonlySet<string> =>
  new Set([tokens.admin, ...tokens.viewers].map(ownerTag))
