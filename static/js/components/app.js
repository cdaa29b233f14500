// The `app` component on <body>: probes the session once Alpine is up, and owns the top bar
// (event-stream status, the services summary line, Sessions, Register and Log out).

import { services, session } from "../stores/access.js"

export const app = () => ({
  init() {
    session().check()
  },
  connLabel() {
    const c = services().connection
    return c === "live"
      ? "live"
      : c === "offline"
        ? "offline"
        : c === "connecting"
          ? "connecting…"
          : "reconnecting…"
  },
  summary() {
    const list = services().list
    const running = list.filter((s) => s.state === "running").length
    const failed = list.filter((s) => s.state === "failed" || s.state === "backoff").length
    let text = `${list.length} service${list.length === 1 ? "" : "s"} · ${running} running`
    if (failed > 0) text += ` · ${failed} in trouble`
    return text
  },
  register() {
    this.$dispatch("open-form", { mode: "register" })
  },
  openSessions() {
    this.$dispatch("open-sessions")
  },
  openAlerts() {
    this.$dispatch("open-alerts")
  },
  logout() {
    session().logout()
  },
})
