// The `app` component on <body>: probes the session once Alpine is up, and owns the top bar
// (event-stream status, the services summary line, Sessions, Reload config, Register and Log out).

import * as api from "../../api.js"
import { services, session, toasts } from "../stores/access.js"

const names = (list) => (list.length === 0 ? "" : `: ${list.join(", ")}`)

export const app = () => ({
  init() {
    session().check()
    // The tab tells what is wrong without being looked at: "(2) Dockless · pi4" and a red icon.
    window.Alpine.effect(() => this.markTab())
  },
  markTab() {
    const trouble = services().list.filter((s) => s.state === "failed" || s.state === "backoff").length
    document.title = `${trouble > 0 ? `(${trouble}) ` : ""}Dockless · ${location.hostname}`
    const icon = document.querySelector("link[rel=icon]")
    if (icon !== null) icon.setAttribute("href", trouble > 0 ? "/favicon-trouble.svg" : "/favicon.svg")
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
  reloading: false,
  /** POST /api/reload, then one toast saying what changed (or why nothing did). */
  async reloadConfig() {
    this.reloading = true
    try {
      const done = await api.reloadConfig()
      const parts = [
        `${done.added.length} added${names(done.added)}`,
        `${done.removed.length} removed${names(done.removed)}`,
        `${done.restarted.length} restarted${names(done.restarted)}`,
        `${done.kept.length} kept`,
      ]
      if (done.needs_restart.length > 0) parts.push(`restart Dockless for ${done.needs_restart.join(", ")}`)
      toasts().push(`Config reloaded: ${parts.join(" · ")}`, "ok")
    } catch (error) {
      const details = (error.details ?? []).map((d) => `${d.path ? `${d.path}: ` : ""}${d.message}`)
      toasts().push([error.message, ...details].join("; "))
    } finally {
      this.reloading = false
    }
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
