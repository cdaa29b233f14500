// Every HTTP route Dockless serves, in one list: method, path, who may call it, handler, and what
// the OpenAPI document says about it. Reading this file tells you the whole API surface (SPEC
// section 5); GET /api/openapi.json is generated from it and ApiSchema.ts.
import { MAX_SCAN_BYTES } from "../actors/LogPage.ts"
import {
  commandService,
  deleteService,
  getService,
  listServices,
  registerService,
  replaceService,
  runService,
  serviceHistory,
} from "./services.ts"
import * as Api from "./ApiSchema.ts"
import { commandGroup, getGroup, listGroups } from "./groups.ts"
import { reloadConfig } from "./reload.ts"
import { serviceEvents } from "./events.ts"
import { health } from "./health.ts"
import { logDownload, logStream, MAX_LINES, MAX_SEARCH, recentLogs } from "./logs.ts"
import { metrics } from "./metrics.ts"
import { notifyTargets, notifyTest } from "./notify.ts"
import { openApi } from "./openapi.ts"
import { listSessions, login, logout, revokeSession } from "./session.ts"
import { staticFile } from "./static.ts"
import { allUsage, serviceUsage } from "./usage.ts"
import type { Route, RouteDoc } from "./HttpContext.ts"

const persisted = { 500: "the change could not be written to data_dir; nothing changed" }

const command = (verb: "start" | "stop" | "restart"): RouteDoc => ({
  summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} a service: the message is sent to its actor`,
  answer: { status: 202, json: Api.ServiceView },
  failures: persisted,
})

const groupCommand = (verb: "start" | "stop" | "restart"): RouteDoc => ({
  summary:
    verb === "stop"
      ? "Stop a group: its members in reverse start order, each once the one after it has stopped"
      : `${verb[0]?.toUpperCase()}${verb.slice(1)} a group afresh: its members in start order, each once the one before it runs`,
  answer: { status: 202, json: Api.GroupView },
  failures: { 404: "there is no such group" },
})

export const routes: ReadonlyArray<Route> = [
  {
    method: "GET",
    path: "/api/health",
    access: "open",
    handler: health,
    doc: {
      summary: "Whether Dockless is up, its version and uptime",
      answer: { status: 200, json: Api.HealthAnswer },
    },
  },
  {
    method: "GET",
    path: "/api/openapi.json",
    access: "open",
    handler: openApi,
    doc: {
      summary: "This document: the HTTP API as OpenAPI 3.1",
      answer: { status: 200, media: "application/json", description: "an OpenAPI 3.1 document" },
    },
  },
  {
    method: "POST",
    path: "/api/login",
    access: "open",
    handler: login,
    doc: {
      summary:
        "Trade the API token (or a viewer token) for a server-side session: an HttpOnly, SameSite=Strict cookie, Secure under TLS",
      body: Api.LoginBody,
      answer: { status: 200, json: Api.LoginAnswer },
      failures: {
        401: "the token is not valid",
        429: "too many failed logins from this address; wait Retry-After seconds",
      },
    },
  },
  {
    method: "POST",
    path: "/api/logout",
    access: "open",
    handler: logout,
    doc: { summary: "End this session and clear its cookie", answer: { status: 200, json: Api.Ok } },
  },
  {
    method: "GET",
    path: "/api/sessions",
    access: "token",
    handler: listSessions,
    doc: {
      summary: "The dashboard sessions open now, the caller's own marked, and the caller's role",
      answer: { status: 200, json: Api.SessionsAnswer },
    },
  },
  {
    method: "DELETE",
    path: "/api/sessions/:id",
    access: "token",
    handler: revokeSession,
    doc: {
      summary: "End a session (its cookie stops working at once)",
      answer: { status: 204 },
      failures: { 404: "no such session", ...persisted },
    },
  },
  {
    method: "GET",
    path: "/api/services",
    access: "token",
    handler: listServices,
    doc: {
      summary: "Every service, in config order, then the registered ones",
      answer: { status: 200, json: Api.ServiceViews },
    },
  },
  {
    method: "POST",
    path: "/api/services",
    access: "token",
    handler: registerService,
    doc: {
      summary: "Register a service (persisted in data_dir/services.json) and start it if autostart",
      body: Api.ServiceRegistration,
      answer: { status: 201, json: Api.ServiceView },
      failures: {
        409: "a service of that name exists, or the service collides with others (a port, a dependency cycle)",
        ...persisted,
      },
    },
  },
  {
    method: "GET",
    path: "/api/services/:name",
    access: "token",
    handler: getService,
    doc: { summary: "One service", answer: { status: 200, json: Api.ServiceView } },
  },
  {
    method: "PUT",
    path: "/api/services/:name",
    access: "token",
    handler: replaceService,
    doc: {
      summary: "Replace the spec of a registered service; restarts it if it was running",
      body: Api.ServiceReplacement,
      answer: { status: 200, json: Api.ServiceView },
      failures: {
        409: "the service is defined in config.toml, or the new spec collides with other services",
        ...persisted,
      },
    },
  },
  {
    method: "DELETE",
    path: "/api/services/:name",
    access: "token",
    handler: deleteService,
    doc: {
      summary: "Stop and forget a registered service",
      answer: { status: 204 },
      failures: { 409: "the service is defined in config.toml", ...persisted },
    },
  },
  {
    method: "POST",
    path: "/api/services/:name/start",
    access: "token",
    handler: commandService("start"),
    doc: command("start"),
  },
  {
    method: "POST",
    path: "/api/services/:name/stop",
    access: "token",
    handler: commandService("stop"),
    doc: command("stop"),
  },
  {
    method: "POST",
    path: "/api/services/:name/restart",
    access: "token",
    handler: commandService("restart"),
    doc: command("restart"),
  },
  {
    method: "POST",
    path: "/api/services/:name/run",
    access: "token",
    handler: runService,
    doc: {
      summary:
        'Run a oneshot now ("Run now"): if a run still goes, its overlap decides (skip, queue one, or kill and start again)',
      answer: { status: 202, json: Api.ServiceView },
      failures: { ...persisted, 409: 'the service is not type = "oneshot"' },
    },
  },
  {
    method: "GET",
    path: "/api/services/:name/history",
    access: "token",
    handler: serviceHistory,
    doc: {
      summary:
        "A oneshot's last runs, newest first: start, end, duration, exit code, outcome, and the URL of its log lines",
      answer: { status: 200, json: Api.HistoryAnswer },
    },
  },
  {
    method: "GET",
    path: "/api/services/:name/logs",
    access: "token",
    handler: recentLogs,
    doc: {
      summary:
        "The newest captured lines of a service, or a page of older ones, read back from its log file and its " +
        `rotations (at most ${MAX_SCAN_BYTES / 1024 / 1024} MiB of them per request)`,
      query: {
        lines: {
          description: `how many lines, newest last (default 100; more than ${MAX_LINES} gives ${MAX_LINES})`,
          schema: { type: "integer", minimum: 0 },
        },
        since: {
          description: "only lines captured at or after this ISO time (a job run's started_at)",
          schema: { type: "string", format: "date-time" },
        },
        until: {
          description: "only lines captured at or before this ISO time (a job run's ended_at)",
          schema: { type: "string", format: "date-time" },
        },
        search: {
          description:
            "only lines whose text holds this, in any case (plain text, not a pattern; colour codes ignored), " +
            "searched newest first through the log file and its rotations",
          schema: { type: "string", maxLength: MAX_SEARCH },
        },
        before: {
          description:
            "only lines before this cursor: an earlier answer's `older`; it stays valid while its file is kept",
          schema: { type: "string", pattern: "^[0-9]+:[0-9]+$" },
        },
      },
      answer: { status: 200, json: Api.LogsAnswer },
      failures: {
        400: "a malformed query, or a cursor whose log file was rotated away or changed",
        503: "the log file exists but cannot be read",
      },
    },
  },
  {
    method: "GET",
    path: "/api/services/:name/logs/download",
    access: "token",
    handler: logDownload,
    doc: {
      summary:
        "The log file and its rotations as one text file, oldest line first, one `ISO-TIME STREAM TEXT` " +
        "line each (as `dockless logs` prints them)",
      answer: {
        status: 200,
        media: "text/plain",
        description: 'sent as it is read; Content-Disposition: attachment; filename="NAME.log"',
      },
      failures: {
        404: "no such service, or it keeps no log file ([log] enabled = false)",
        503: "the log file exists but cannot be read",
      },
    },
  },
  {
    method: "GET",
    path: "/api/services/:name/logs/stream",
    access: "token",
    handler: logStream,
    doc: {
      summary: "Each new captured line as it comes",
      answer: {
        status: 200,
        media: "text/event-stream",
        description: "Server-Sent Events: `event: log`, data a LogLine (components/schemas/LogLine)",
      },
    },
  },
  {
    method: "GET",
    path: "/api/usage",
    access: "token",
    handler: allUsage,
    doc: {
      summary:
        "CPU and memory of every service over the last minutes, by name: one call for a whole dashboard",
      answer: { status: 200, json: Api.AllUsageAnswer },
    },
  },
  {
    method: "GET",
    path: "/api/services/:name/usage",
    access: "token",
    handler: serviceUsage,
    doc: {
      summary: "CPU and memory of a service over the last minutes",
      answer: { status: 200, json: Api.UsageAnswer },
    },
  },
  {
    method: "POST",
    path: "/api/reload",
    access: "token",
    handler: reloadConfig,
    doc: {
      summary:
        "Read config.toml again and apply what changed: new services added, removed ones stopped and forgotten, changed ones restarted, the rest untouched",
      answer: { status: 200, json: Api.ReloadAnswer },
      failures: {
        400: "config.toml is invalid now; nothing changed (every problem in details)",
        409: "the new file collides with a service registered through the API, or Dockless runs without a config file",
      },
    },
  },
  {
    method: "GET",
    path: "/api/groups",
    access: "token",
    handler: listGroups,
    doc: {
      summary: "The [supervisors.NAME] groups, their members in start order and their state",
      answer: { status: 200, json: Api.GroupViews },
    },
  },
  {
    method: "GET",
    path: "/api/groups/:name",
    access: "token",
    handler: getGroup,
    doc: {
      summary: "One group",
      answer: { status: 200, json: Api.GroupView },
      failures: { 404: "there is no such group" },
    },
  },
  {
    method: "POST",
    path: "/api/groups/:name/start",
    access: "token",
    handler: commandGroup("start"),
    doc: groupCommand("start"),
  },
  {
    method: "POST",
    path: "/api/groups/:name/stop",
    access: "token",
    handler: commandGroup("stop"),
    doc: groupCommand("stop"),
  },
  {
    method: "POST",
    path: "/api/groups/:name/restart",
    access: "token",
    handler: commandGroup("restart"),
    doc: groupCommand("restart"),
  },
  {
    method: "GET",
    path: "/api/events",
    access: "token",
    handler: serviceEvents,
    doc: {
      summary: "Every change of every service, a snapshot first",
      answer: {
        status: 200,
        media: "text/event-stream",
        description:
          "Server-Sent Events: `event: service` (a ServiceView: a snapshot of each first, then every change), " +
          "`event: removed` (Removed), `event: usage` (Usage, after each sample while someone watches)",
      },
    },
  },
  {
    method: "GET",
    path: "/api/notify",
    access: "token",
    handler: notifyTargets,
    doc: {
      summary:
        "The [[notify]] alert targets: what each sends, how many it delivered, held back or gave up on, and its last error",
      answer: { status: 200, json: Api.NotifyAnswer },
    },
  },
  {
    method: "POST",
    path: "/api/notify/test",
    access: "token",
    handler: notifyTest,
    doc: {
      summary:
        "Send a test alert now, one try to every target (or to one), bypassing its filters; the answer says what each did",
      query: {
        target: {
          description: "the index of one [[notify]] table (default: every target)",
          schema: { type: "integer", minimum: 0 },
        },
      },
      answer: { status: 200, json: Api.NotifyTestAnswer },
      failures: { 400: "there is no [[notify]] table of that index" },
    },
  },
  {
    method: "GET",
    path: "/metrics",
    access: "scrape",
    handler: metrics,
    doc: {
      summary: "Prometheus metrics of every service and of Dockless itself",
      answer: { status: 200, media: "text/plain; version=0.0.4", description: "the Prometheus text format" },
    },
  },
  {
    method: "GET",
    path: "/**",
    access: "open",
    handler: staticFile,
    doc: {
      summary: "The dashboard's files (/ is index.html)",
      answer: { status: 200, media: "*/*", description: "a file of the dashboard" },
    },
  },
]
