// The register/edit form's model: the fields a validation detail can point at, the empty form and
// error set, the text parsers (ports, KEY=VALUE env, names, argument lines), the mapping from an API
// error path (and from a control) to a form field, the config keys an edit carries over untouched,
// and the check of a built table against the daemon's own rules (its OpenAPI document's schemas).

import { check } from "./jsonSchema.js"

// The form fields that a validation detail can point at.
export const FORM_FIELDS = [
  "name",
  "command",
  "args",
  "cwd",
  "env",
  "restart",
  "ports",
  "port",
  "depends_on",
  "autostart",
  "health",
  "health_target",
  "health_interval",
  "health_retries",
]

// The form field for each key of the health table; timeout and start_period are not edited, so
// their issues land on the section as a whole.
const HEALTH_FIELDS = {
  http: "health_target",
  tcp: "health_target",
  exec: "health_target",
  interval: "health_interval",
  retries: "health_retries",
}

// `services.web.ports.0` → `ports`; `command` → `command`; `health.http` → `health_target`;
// anything else → null.
export function fieldOfPath(path) {
  let segs = Array.isArray(path)
    ? path.map(String)
    : String(path ?? "")
        .split(/[./[\]]+/)
        .filter((s) => s !== "")
  if (segs[0] === "services" && segs.length > 2) segs = segs.slice(2)
  if (segs[0] === "health") return HEALTH_FIELDS[segs[1]] ?? "health"
  return segs.find((s) => FORM_FIELDS.includes(s)) ?? null
}

// The form field a control's problems are shown at, by the control's name.
const CONTROL_FIELDS = { port_auto: "port", health_type: "health", health_exec: "health_target" }

export const fieldOfControl = (name) => CONTROL_FIELDS[name] ?? name

/** Digits become a number; anything else stays text for the rules to judge. */
export const numberOrText = (text) => (/^\d+$/.test(text) ? Number(text) : text)

/** "8080, 8081" → [8080, 8081]; blanks dropped. */
export const parsePorts = (text) =>
  String(text)
    .split(/[\s,]+/)
    .filter((p) => p !== "")
    .map(numberOrText)

export function parseEnv(text) {
  const env = {}
  const lines = String(text).split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === "" || line.startsWith("#")) continue
    const eq = line.indexOf("=")
    if (eq === -1) return { error: `Line ${i + 1}: expected KEY=VALUE.` }
    const key = line.slice(0, eq).trim()
    env[key] = line.slice(eq + 1)
  }
  return { env }
}

/** "db, cache" → ["db", "cache"]; blanks dropped, order kept. */
export const parseNames = (text) =>
  String(text)
    .split(/[\s,]+/)
    .filter((n) => n !== "")

export const parseArgs = (text) =>
  String(text)
    .split("\n")
    .map((a) => a.replace(/\r$/, ""))
    .filter((a) => a.trim() !== "")

// Keys of a config.toml service table that the form does not edit; on edit they are carried
// over from `view.spec` so a PUT does not silently drop a backoff or a memory limit. (`port` is
// carried only when it is a fixed number; the form's checkbox owns `port = "auto"`.)
export const CARRIED_KEYS = [
  // Kept on edit: without secret_env a secret sent back as "••••" would be kept and then shown.
  "env_file",
  "secret_env",
  "user",
  "backoff",
  "intensity",
  "stop_signal",
  "stop_timeout",
  "port",
  "memory_max",
  "log",
]

export const emptyErrors = () => Object.fromEntries(FORM_FIELDS.map((f) => [f, ""]))

/**
 * Problems of a table by the daemon's rules: the registration body's schema, or the service
 * table's for an edit (its name is in the URL). `description` is GET /api/openapi.json.
 */
export function tableProblems(description, mode, table) {
  const schemas = description?.components?.schemas ?? {}
  const schema = schemas[mode === "edit" ? "ServiceTable" : "ServiceRegistration"]
  return schema === undefined ? [] : check(schema, table, description)
}

export const HEALTH_KINDS = ["http", "tcp", "exec"]

export const emptyForm = () => ({
  name: "",
  command: "",
  args: "",
  cwd: "",
  env: "",
  restart: "on-failure",
  ports: "",
  portAuto: false,
  depends: "",
  autostart: true,
  healthType: "none",
  healthTarget: "",
  healthExec: "",
  healthInterval: "",
  healthRetries: "",
})
