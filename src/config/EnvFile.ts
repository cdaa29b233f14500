// The `env_file` of a service: KEY=VALUE lines as systemd's EnvironmentFile= reads them. Blank
// lines and lines starting with `#` or `;` are skipped, `export ` before a key is allowed, a
// value in single quotes is taken as it is, a value in double quotes understands \" \\ \n \t,
// and an unquoted value is trimmed. Pure: reading the file is the caller's (at spawn, at check).
import { systemErrorReason } from "../os/SystemError.ts"
import { readFileSync } from "node:fs"

export type EnvFileParse =
  | { readonly _tag: "Parsed"; readonly env: Readonly<Record<string, string>> }
  | { readonly _tag: "Invalid"; readonly reason: string }

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/

/** The text inside double quotes, with \" \\ \n \t understood; undefined when unclosed. */
const doubleQuoted = (text: string): string | undefined => {
  let out = ""
  for (let i = 1; i < text.length; i++) {
    const c = text[i] ?? ""
    if (c === '"') return out
    if (c === "\\") {
      const next = text[++i] ?? ""
      out += next === "n" ? "\n" : next === "t" ? "\t" : next
    } else out += c
  }
  return undefined
}

const valueOf = (raw: string): string | undefined => {
  const text = raw.trim()
  if (text.startsWith('"')) return doubleQuoted(text)
  if (!text.startsWith("'")) return text
  const end = text.indexOf("'", 1)
  return end === -1 ? undefined : text.slice(1, end)
}

export const parseEnvFile = (text: string): EnvFileParse => {
  const env: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (const [index, line] of lines.entries()) {
    const trimmed = line.trim()
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) continue
    const assignment = trimmed.startsWith("export ") ? trimmed.slice(7).trimStart() : trimmed
    const equals = assignment.indexOf("=")
    const key = equals === -1 ? "" : assignment.slice(0, equals).trim()
    if (!KEY.test(key)) return { _tag: "Invalid", reason: `line ${index + 1} is not KEY=VALUE` }
    const value = valueOf(assignment.slice(equals + 1))
    if (value === undefined) return { _tag: "Invalid", reason: `line ${index + 1} has an unclosed quote` }
    env[key] = value
  }
  return { _tag: "Parsed", env }
}

/** The variables of an env_file, or why it cannot be used (a sentence naming the file). */
export const readEnvFile = (file: string): EnvFileParse => {
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (error) {
    return { _tag: "Invalid", reason: `env_file ${file} cannot be read: ${systemErrorReason(error)}` }
  }
  const parsed = parseEnvFile(text)
  return parsed._tag === "Parsed" ? parsed : { _tag: "Invalid", reason: `env_file ${file}: ${parsed.reason}` }
}
