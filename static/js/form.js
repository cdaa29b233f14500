// The register/edit form's model: the fields a validation detail can point at, the empty form and
// error set, the text parsers (ports, KEY=VALUE env, names, argument lines), the mapping from an API
// error path to a form field, and the config keys an edit carries over untouched.

export const DURATION_RE = /^\d+(ms|s|m|h)$/

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

export function parsePorts(text) {
  const parts = String(text)
    .split(/[\s,]+/)
    .filter((p) => p !== "")
  const ports = []
  for (const p of parts) {
    const n = /^\d+$/.test(p) ? Number(p) : NaN
    if (!(n >= 1 && n <= 65535)) return { error: `"${p}" is not a port number (1–65535).` }
    ports.push(n)
  }
  return { ports }
}

export function parseEnv(text) {
  const env = {}
  const lines = String(text).split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === "" || line.startsWith("#")) continue
    const eq = line.indexOf("=")
    const key = eq === -1 ? "" : line.slice(0, eq).trim()
    if (key === "" || /\s/.test(key)) return { error: `Line ${i + 1}: expected KEY=VALUE.` }
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
