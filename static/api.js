// Every URL the dashboard calls, in one place. Each function returns the parsed JSON answer or
// throws an ApiError carrying `status`, `error` (the API's sentence) and `details` (field issues).
// Auth rides on the HttpOnly session cookie that `login` makes the server set.

export class ApiError extends Error {
  constructor(status, error, details) {
    super(error)
    this.name = "ApiError"
    this.status = status
    this.error = error
    this.details = details
  }
}

const enc = encodeURIComponent
const servicePath = (name) => `/api/services/${enc(name)}`

async function request(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { accept: "application/json" } }
  if (body !== undefined) {
    init.headers["content-type"] = "application/json"
    init.body = JSON.stringify(body)
  }
  let res
  try {
    res = await fetch(path, init)
  } catch {
    throw new ApiError(0, "The Dockless daemon cannot be reached.", [])
  }
  const text = await res.text()
  let data = null
  if (text !== "") {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }
  if (!res.ok) {
    const sentence =
      (data && typeof data.error === "string" && data.error) ||
      (data && typeof data.message === "string" && data.message) ||
      `Request failed with HTTP ${res.status}.`
    const details = data && Array.isArray(data.details) ? data.details : []
    throw new ApiError(res.status, sentence, details)
  }
  return data
}

export const health = () => request("GET", "/api/health")
export const apiDescription = () => request("GET", "/api/openapi.json")
export const login = (token) => request("POST", "/api/login", { token })
export const logout = () => request("POST", "/api/logout")
export const listServices = () => request("GET", "/api/services")
export const getService = (name) => request("GET", servicePath(name))
export const start = (name) => request("POST", `${servicePath(name)}/start`)
export const stop = (name) => request("POST", `${servicePath(name)}/stop`)
export const restart = (name) => request("POST", `${servicePath(name)}/restart`)
export const register = (table) => request("POST", "/api/services", table)
export const update = (name, table) => request("PUT", servicePath(name), table)
export const remove = (name) => request("DELETE", servicePath(name))
export const allUsage = () => request("GET", "/api/usage")
export const usage = (name) => request("GET", `${servicePath(name)}/usage`)
/** `query`: `since`/`until` (ISO times), `search` (plain text), `before` (an earlier answer's `older`). */
export const logs = (name, lines = 200, query = {}) => {
  const params = new URLSearchParams({ lines: String(lines) })
  for (const key of ["since", "until", "search", "before"]) if (query[key]) params.set(key, query[key])
  return request("GET", `${servicePath(name)}/logs?${params}`)
}
export const run = (name) => request("POST", `${servicePath(name)}/run`)
export const history = (name) => request("GET", `${servicePath(name)}/history`)
export const groups = () => request("GET", "/api/groups")
export const groupCommand = (name, verb) => request("POST", `/api/groups/${enc(name)}/${enc(verb)}`)
export const sessions = () => request("GET", "/api/sessions")
export const reloadConfig = () => request("POST", "/api/reload")
export const revokeSession = (id) => request("DELETE", `/api/sessions/${enc(id)}`)
export const notifyTargets = () => request("GET", "/api/notify")
export const notifyTest = (target) =>
  request("POST", target === undefined ? "/api/notify/test" : `/api/notify/test?target=${enc(target)}`)
export const eventsUrl = () => "/api/events"
export const logStreamUrl = (name) => `${servicePath(name)}/logs/stream`
/** The log file and its rotations as one text download; a plain link works (the session cookie rides along). */
export const logDownloadUrl = (name) => `${servicePath(name)}/logs/download`
