// Every HTTP route Dockless serves, in one list: method, path, who may call it, handler.
// Reading this file tells you the whole API surface (SPEC section 5).
import {
  commandService,
  deleteService,
  getService,
  listServices,
  registerService,
  replaceService,
} from "./services.ts"
import { serviceEvents } from "./events.ts"
import { health } from "./health.ts"
import { logStream, recentLogs } from "./logs.ts"
import { metrics } from "./metrics.ts"
import { login, logout } from "./session.ts"
import { staticFile } from "./static.ts"
import { serviceUsage } from "./usage.ts"
import type { Route } from "./HttpContext.ts"

export const routes: ReadonlyArray<Route> = [
  { method: "GET", path: "/api/health", access: "open", handler: health },
  { method: "POST", path: "/api/login", access: "open", handler: login },
  { method: "POST", path: "/api/logout", access: "open", handler: logout },
  { method: "GET", path: "/api/services", access: "token", handler: listServices },
  { method: "POST", path: "/api/services", access: "token", handler: registerService },
  { method: "GET", path: "/api/services/:name", access: "token", handler: getService },
  { method: "PUT", path: "/api/services/:name", access: "token", handler: replaceService },
  { method: "DELETE", path: "/api/services/:name", access: "token", handler: deleteService },
  { method: "POST", path: "/api/services/:name/start", access: "token", handler: commandService("start") },
  { method: "POST", path: "/api/services/:name/stop", access: "token", handler: commandService("stop") },
  {
    method: "POST",
    path: "/api/services/:name/restart",
    access: "token",
    handler: commandService("restart"),
  },
  { method: "GET", path: "/api/services/:name/logs", access: "token", handler: recentLogs },
  { method: "GET", path: "/api/services/:name/logs/stream", access: "token", handler: logStream },
  { method: "GET", path: "/api/services/:name/usage", access: "token", handler: serviceUsage },
  { method: "GET", path: "/api/events", access: "token", handler: serviceEvents },
  { method: "GET", path: "/metrics", access: "token", handler: metrics },
  { method: "GET", path: "/**", access: "open", handler: staticFile },
]
