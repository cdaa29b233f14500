// The `app` component on <body>: probes the session once Alpine is up, and owns the top bar
// (event-stream status, the services summary line, Sessions, Reload config, Register, the theme,
// browser notifications and Log out).

import * as api from "../../api.js"
import { notifications, services, session, tick, toasts } from "../stores/access.js"
import { inTrouble } from "../verdict.js"

const THEME_KEY = "dockless.theme"

function readTheme() {
  try {
    const t = localStorage.getItem(THEME_KEY)
    return t === "light" || t === "dark" ? t : ""
  } catch {
    return ""
  }
}

function applyTheme(theme) {
  if (theme === "") document.documentElement.removeAttribute("data-theme")
  else document.documentElement.setAttribute("data-theme", theme)
}

const names = (list) => (list.length === 0 ? "" : `: ${list.join(", ")}`)

export const app = () => ({
  theme: readTheme(),
  init() {
    applyTheme(this.theme)
    session().check()
    // The tab tells what is wrong without being looked at: "(2) Dockless · pi4" and a red icon.
    window.Alpine.effect(() => this.markTab())
  },
  markTab() {
    const now = tick()
    const trouble = services().list.filter((s) => inTrouble(s, now)).length
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
    const now = tick()
    const failed = list.filter((s) => inTrouble(s, now)).length
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
        // A changed service that is not running (a person stopped it) takes its new spec without a restart.
        ...(done.updated.length > 0 ? [`${done.updated.length} updated${names(done.updated)}`] : []),
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
  /** Light or dark, whatever the system says, remembered in this browser. */
  toggleTheme() {
    const dark =
      this.theme === "dark" ||
      (this.theme === "" && window.matchMedia("(prefers-color-scheme: dark)").matches)
    this.theme = dark ? "light" : "dark"
    applyTheme(this.theme)
    try {
      localStorage.setItem(THEME_KEY, this.theme)
    } catch {
      // storage unavailable: the choice lasts for this page
    }
  },
  themeLabel() {
    const dark =
      this.theme === "dark" ||
      (this.theme === "" && window.matchMedia("(prefers-color-scheme: dark)").matches)
    return dark ? "Light" : "Dark"
  },
  canNotify() {
    return notifications().supported
  },
  notifyLabel() {
    return notifications().enabled ? "Notify: on" : "Notify: off"
  },
  notifyPressed() {
    return notifications().enabled ? "true" : "false"
  },
  toggleNotifications() {
    notifications().toggle()
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
