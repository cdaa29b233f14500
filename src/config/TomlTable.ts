// A service table written back as config.toml text: what `dockless export toml NAME` prints, so a
// service registered through the API can move into the file. The input is a spec as JSON carries
// it (encodeServiceSpec: durations in ms, sizes in bytes), which the decoder accepts again, so
// the text decodes to the same spec. Secret env values (shown "••••") are left out, commented,
// for the person to fill in: a placeholder must not become a real value.
import { REDACTED } from "./Secrets.ts"

type Json =
  string | number | boolean | null | undefined | ReadonlyArray<Json> | { readonly [key: string]: Json }

const isTable = (value: Json): value is { readonly [key: string]: Json } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A bare key when TOML allows one, else a quoted key. */
export const tomlKey = (key: string): string => (/^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key))

/** A TOML basic string: JSON's escapes are TOML's, but for DEL, which TOML wants escaped too. */
const tomlString = (text: string): string => JSON.stringify(text).replaceAll("\u007f", "\\u007F")

const present = (entries: ReadonlyArray<[string, Json]>) =>
  entries.filter(([, value]) => value !== undefined && value !== null)

/** A value on one line: strings, numbers, booleans, arrays and inline tables. */
export const tomlValue = (value: Json): string => {
  if (typeof value === "string") return tomlString(value)
  if (typeof value === "number" || typeof value === "boolean") return String(value)
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(", ")}]`
  if (isTable(value)) {
    const inner = present(Object.entries(value)).map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}`)
    return inner.length === 0 ? "{}" : `{ ${inner.join(", ")} }`
  }
  return '""'
}

/** `[services.NAME]` with every key of `spec` but `name`; `env` as its own table, after the rest. */
export const serviceToml = (name: string, spec: { readonly [key: string]: Json }): string => {
  const header = `services.${tomlKey(name)}`
  const { name: _name, env, ...rest } = spec
  const lines = [
    `[${header}]`,
    ...present(Object.entries(rest)).map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}`),
  ]
  const envEntries = isTable(env) ? present(Object.entries(env)) : []
  if (envEntries.length > 0) {
    lines.push("", `[${header}.env]`)
    for (const [key, value] of envEntries)
      lines.push(
        value === REDACTED
          ? `# ${tomlKey(key)} = "…"   # secret: the API never shows it; write its value here (or use env_file)`
          : `${tomlKey(key)} = ${tomlValue(value)}`,
      )
  }
  return lines.join("\n")
}
